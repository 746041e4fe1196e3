r"""Initialisers: functions that fill a tensor in place and return it.

Each takes a :class:`~tinygrad_rnn.Tensor` (a ``Parameter`` too) or a float NumPy array,
overwrites its values without recording a graph, and returns it. The random ones draw from
``generator`` if given, else from :func:`tinygrad_rnn.random.default_generator` (reseeded by
``manual_seed``); values are drawn in float64 and cast to the tensor's dtype.

For a weight of shape ``(out, in, *k)`` the fans are

.. math::

    \text{fan\_in} = \text{in} \cdot \prod k, \qquad \text{fan\_out} = \text{out} \cdot \prod k,

so a ``Linear`` weight ``(out_features, in_features)`` has fan_in = in_features.
"""

from __future__ import annotations

import math

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out", "calculate_gain", "constant_", "kaiming_normal_",
    "kaiming_uniform_", "normal_", "ones_", "orthogonal_", "uniform_", "xavier_normal_",
    "xavier_uniform_", "zeros_",
]


def _values(t, name: str) -> np.ndarray:
    """The array to overwrite: a Tensor's data, or the float array itself."""
    array = t.array if isinstance(t, Tensor) else t
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a Tensor or a float NumPy array, got {type(t).__name__}")
    return array


def _fill(t, name: str, values) -> Tensor:
    array = _values(t, name)
    array[...] = values
    return t


def _rng(generator) -> np.random.Generator:
    return numpy_generator(generator)


# ---------------------------------------------------------------- fans and gains

def calculate_fan_in_and_fan_out(t) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *k)``: ``in·∏k`` and ``out·∏k``.

    Raises ValueError for fewer than 2 dimensions (no input and output axes to count).
    """
    shape = _values(t, "calculate_fan_in_and_fan_out").shape
    if len(shape) < 2:
        raise ValueError(f"calculate_fan_in_and_fan_out: needs a tensor with at least 2 "
                         f"dimensions (out, in, ...), got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain for a nonlinearity: the factor that keeps activations' variance.

    linear, identity, sigmoid, conv*: 1; tanh: 5/3; relu: √2; selu: 3/4;
    leaky_relu with negative slope ``param`` (default 0.01): :math:`\sqrt{2 / (1 + a^2)}`.
    """
    fixed = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "conv1d": 1.0, "conv2d": 1.0,
             "conv3d": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 0.75}
    if nonlinearity in fixed:
        return fixed[nonlinearity]
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise TypeError(f"calculate_gain: negative slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; known: "
                     f"{sorted([*fixed, 'leaky_relu'])}")


def _fan(t, mode: str, name: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


# ---------------------------------------------------------------- constant

def constant_(t, value: float) -> Tensor:
    """Fill with ``value``."""
    return _fill(t, "constant_", value)


def zeros_(t) -> Tensor:
    """Fill with 0."""
    return _fill(t, "zeros_", 0.0)


def ones_(t) -> Tensor:
    """Fill with 1."""
    return _fill(t, "ones_", 1.0)


# ---------------------------------------------------------------- plain distributions

def uniform_(t, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    shape = _values(t, "uniform_").shape
    return _fill(t, "uniform_", _rng(generator).uniform(a, b, shape))


def normal_(t, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std²)."""
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    shape = _values(t, "normal_").shape
    return _fill(t, "normal_", _rng(generator).normal(mean, std, shape))


# ---------------------------------------------------------------- scaled by the fans

def xavier_uniform_(t, gain: float = 1.0, generator=None) -> Tensor:
    r"""Glorot uniform: U(−b, b) with
    :math:`b = \text{gain} \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.

    (The variance of U(−b, b) is b²/3 = gain² · 2 / (fan_in + fan_out).)
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(t, -bound, bound, generator)


def xavier_normal_(t, gain: float = 1.0, generator=None) -> Tensor:
    r"""Glorot normal: N(0, σ²) with
    :math:`\sigma = \text{gain} \sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(t, 0.0, std, generator)


def kaiming_uniform_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    r"""He uniform: U(−b, b) with :math:`b = \text{gain} \sqrt{3 / \text{fan}}`.

    ``gain = calculate_gain(nonlinearity, a)`` (``a`` is leaky_relu's negative slope) and
    ``fan`` is fan_in or fan_out by ``mode``; the standard deviation is gain / √fan.
    """
    fan = _fan(t, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan) if fan else 0.0
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    r"""He normal: N(0, σ²) with :math:`\sigma = \text{gain} / \sqrt{\text{fan}}` (see
    :func:`kaiming_uniform_` for ``gain`` and ``fan``)."""
    fan = _fan(t, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0
    return normal_(t, 0.0, std, generator)


def orthogonal_(t, gain: float = 1.0, generator=None) -> Tensor:
    r"""A (semi-)orthogonal matrix times ``gain``, for a tensor of at least 2 dimensions.

    The tensor is viewed as a matrix ``(rows, cols) = (shape[0], ∏ shape[1:])``. A matrix A
    of N(0, 1) draws, transposed if it is wide so that it is tall, is factored A = QR;
    multiplying each column of Q by the sign of R's diagonal entry makes the result
    uniformly distributed over orthogonal matrices (QR alone would bias the signs). Then
    QᵀQ = I when rows ≥ cols, and QQᵀ = I otherwise (after transposing back).
    """
    array = _values(t, "orthogonal_")
    if array.ndim < 2:
        raise ValueError(f"orthogonal_: needs a tensor with at least 2 dimensions, "
                         f"got shape {array.shape}")
    if array.size == 0:
        return t
    rows, cols = array.shape[0], array.size // array.shape[0]
    a = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        a = a.T
    q, r = np.linalg.qr(a)
    # NOTE: np.sign(0) is 0; a zero on R's diagonal (probability 0) keeps its column as is.
    signs = np.sign(np.diag(r))
    q = q * np.where(signs == 0, 1.0, signs)
    if rows < cols:
        q = q.T
    return _fill(t, "orthogonal_", gain * q.reshape(array.shape))
