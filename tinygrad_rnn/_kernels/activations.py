"""Elementwise activations and their backward, each backward fused with the upstream product.

Forward: y = sigmoid(x), y = tanh(x), y = relu(x); sigmoid and tanh through
``scalar``, exact in float64 and a vectorisable approximation in float32. Also the error
function y = erf(x) (``math.erf``; NumPy has none), whose backward the op composes.
Backward (gy is the upstream gradient, gx the result)::

    sigmoid: gx = gy * y * (1 - y)
    tanh:    gx = gy * (1 - y^2)
    relu:    gx = 0 where x <= 0, else gy

NaN propagates as in PyTorch: relu(NaN) = NaN, and relu's backward passes gy at a NaN.
The wrappers check their arguments first (see ``_checks``).
"""

import math

import numpy as np

from . import _checks, scalar
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
        # NOTE: written as "0 where x <= 0", not "x where x > 0", so NaN stays NaN.
        y[i] = 0.0 if x[i] <= 0 else x[i]


@kernel
def _relu_backward(x, gy, gx):
    for i in range(x.size):
        # NOTE: relu'(0) is taken as 0, as in PyTorch; at a NaN, gy passes (as PyTorch).
        gx[i] = 0.0 if x[i] <= 0 else gy[i]


@kernel
def _erf(x, y):
    for i in range(x.size):
        y[i] = math.erf(x[i])


def _unary(op, loop, x):
    x = _checks.floats(op, "x", x)
    y = np.empty_like(x)
    loop(x.ravel(), y.ravel())  # views: both arrays are C-contiguous
    return y


def _binary(op, loop, a, a_name, gy):
    a = _checks.floats(op, a_name, a)
    gy = _checks.floats(op, "gy", gy, a.dtype)
    _checks.same_shape(op, "gy", gy, a_name, a.shape)
    gx = np.empty_like(a)
    loop(a.ravel(), gy.ravel(), gx.ravel())  # views: all three are C-contiguous
    return gx


def sigmoid(x):
    """1 / (1 + exp(-x)), stable for inputs of either sign."""
    return _unary("sigmoid", _sigmoid, x)


def sigmoid_backward(y, gy):
    """gy * y * (1 - y), from the forward's output y."""
    return _binary("sigmoid_backward", _sigmoid_backward, y, "y", gy)


def tanh(x):
    """tanh(x)."""
    return _unary("tanh", _tanh, x)


def tanh_backward(y, gy):
    """gy * (1 - y^2), from the forward's output y."""
    return _binary("tanh_backward", _tanh_backward, y, "y", gy)


def relu(x):
    """max(x, 0); NaN where x is NaN."""
    return _unary("relu", _relu, x)


def erf(x):
    """The error function, 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt."""
    return _unary("erf", _erf, x)


def relu_backward(x, gy):
    """0 where x <= 0, else gy, from the forward's input x."""
    return _binary("relu_backward", _relu_backward, x, "x", gy)
