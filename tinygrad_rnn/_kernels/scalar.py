"""``tanh`` and ``sigmoid`` of one number, for use inside kernels.

In float64 they are exact to IEEE rounding: libm's ``tanh`` and 1 / (1 + e^-x), which the
float64 gradient checks rely on. A call of libm per element keeps LLVM from vectorising a
loop, so in float32 they are instead

    tanh(x) ≈ x P(x²) / Q(x²)   for ``|x| ≤ 9``, and ±1 beyond (where tanh rounds to ±1),
    sigmoid(x) = tanh(x / 2) / 2 + 1/2,

a rational approximation of degree 4 over 4 in x², made of multiplications, additions and
one division, which LLVM does vectorise. Its coefficients come from a least-squares fit of
the relative error on [0, 9] refined by Lawson's reweighting towards the minimax error; in
float32 arithmetic it is within 4e-7 of tanh (a few units in the last place), which
``tests/test_kernels.py`` checks on a dense grid.

The overloads pick the version by the argument's type when a kernel is compiled; as plain
Python (``NUMBA_DISABLE_JIT=1``) the same choice is made at run time.

``ONE``, ``ZERO`` and ``HALF`` are the constants 1, 0 and 1/2 for kernel arithmetic such as
``ONE - y * y`` or ``max(a, ZERO)``: float32s, so float32 arithmetic stays float32 (a
literal ``1.0`` is a float64 and would widen every product, halving the vector width),
while in float64 they promote exactly.
"""

import numba
import numpy as np
from numba.extending import overload, register_jitable

_f = np.float32
_P = (_f(1.0), _f(0.13379274308681488), _f(0.0034935364965349436),
      _f(2.0577233954099938e-05), _f(1.3315228919452693e-08))
_Q = (_f(1.0), _f(0.46712592244148254), _f(0.02586909383535385),
      _f(0.00032823532819747925), _f(7.759379059280036e-07))
_P0, _P1, _P2, _P3, _P4 = _P
_Q0, _Q1, _Q2, _Q3, _Q4 = _Q
_CLAMP, _HALF = _f(9.0), _f(0.5)
ONE, ZERO, HALF = _f(1.0), _f(0.0), _HALF


@register_jitable
def tanh_rational(x):
    """x P(x²) / Q(x²) in float32, with x clamped to [-9, 9]."""
    x = min(max(x, -_CLAMP), _CLAMP)
    s = x * x
    p = (((_P4 * s + _P3) * s + _P2) * s + _P1) * s + _P0
    q = (((_Q4 * s + _Q3) * s + _Q2) * s + _Q1) * s + _Q0
    return x * p / q


def tanh(x):
    """tanh(x): exact for float64, the rational approximation for float32."""
    return tanh_rational(x) if isinstance(x, np.float32) else np.tanh(x)


@register_jitable
def sigmoid_exact(x):
    """1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so that no exp overflows."""
    e = np.exp(-abs(x))
    return (1.0 if x >= 0 else e) / (1.0 + e)


def sigmoid(x):
    """1 / (1 + e^-x): exact for float64 (``sigmoid_exact``); tanh(x/2)/2 + 1/2 through the
    approximation for float32."""
    if isinstance(x, np.float32):
        return _HALF * tanh_rational(_HALF * x) + _HALF
    return sigmoid_exact(x)


@overload(tanh)
def _tanh(x):
    if x == numba.float32:
        return lambda x: tanh_rational(x)
    return lambda x: np.tanh(x)


@overload(sigmoid)
def _sigmoid(x):
    if x == numba.float32:
        return lambda x: _HALF * tanh_rational(_HALF * x) + _HALF
    return lambda x: sigmoid_exact(x)
