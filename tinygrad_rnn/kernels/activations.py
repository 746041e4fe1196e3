"""Elementwise activations and their backward, each backward fused with the upstream product.

Forward: y = sigmoid(x), y = tanh(x), y = relu(x); sigmoid and tanh through
``scalar``, exact in float64 and a vectorisable approximation in float32.
Backward (gy is the upstream gradient, gx the result)::

    sigmoid: gx = gy * y * (1 - y)
    tanh:    gx = gy * (1 - y^2)
    relu:    gx = gy where x > 0, else 0
"""

import numpy as np

from . import scalar
from ._jit import kernel


@kernel
def _sigmoid(x, y):
    for i in range(x.size):
        y[i] = scalar.sigmoid(x[i])


@kernel
def _sigmoid_backward(y, gy, gx):
    for i in range(y.size):
        gx[i] = gy[i] * y[i] * (scalar.ONE - y[i])


@kernel
def _tanh(x, y):
    for i in range(x.size):
        y[i] = scalar.tanh(x[i])


@kernel
def _tanh_backward(y, gy, gx):
    for i in range(y.size):
        gx[i] = gy[i] * (scalar.ONE - y[i] * y[i])


@kernel
def _relu(x, y):
    for i in range(x.size):
        y[i] = x[i] if x[i] > 0 else 0.0


@kernel
def _relu_backward(x, gy, gx):
    for i in range(x.size):
        # NOTE: relu'(0) is taken as 0, as in PyTorch.
        gx[i] = gy[i] if x[i] > 0 else 0.0


def _flat(x, dtype=None):
    """``x`` as a contiguous 1-d array (a view when it already is contiguous)."""
    if x.flags.c_contiguous and (dtype is None or x.dtype == dtype):
        return x.reshape(-1)
    return np.ascontiguousarray(x, dtype=dtype).reshape(-1)


def _unary(loop, x):
    flat = _flat(x)
    y = np.empty_like(flat)
    loop(flat, y)
    return y.reshape(x.shape)


def _binary(loop, a, gy):
    flat = _flat(a)
    gx = np.empty_like(flat)
    loop(flat, _flat(gy, flat.dtype), gx)
    return gx.reshape(a.shape)


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for inputs of either sign."""
    return _unary(_sigmoid, x)


def sigmoid_backward(y, gy):
    """gy * y * (1 - y), from the forward's output y."""
    return _binary(_sigmoid_backward, y, gy)


def tanh(x):
    """tanh(x)."""
    return _unary(_tanh, x)


def tanh_backward(y, gy):
    """gy * (1 - y^2), from the forward's output y."""
    return _binary(_tanh_backward, y, gy)


def relu(x):
    """max(x, 0)."""
    return _unary(_relu, x)


def relu_backward(x, gy):
    """gy where x > 0, else 0, from the forward's input x."""
    return _binary(_relu_backward, x, gy)
