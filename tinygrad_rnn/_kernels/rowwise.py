"""Building blocks of the row-wise kernels (softmax family, cross-entropy): the exp of a
row's entries minus a shift, and the sum of a row, each written so that LLVM vectorises it.

``exp_shifted(x, shift, out, bits)`` writes out[c] = exp(x[c] - shift) for a 1-D row whose
entries are at most ``shift`` (what the softmax family needs: the shift is the row's
maximum, or the entries are log-probabilities and the shift is 0). In float64 it is libm's
exp, exact to IEEE rounding, which the float64 gradient checks rely on. A call of libm per
element keeps a loop scalar, so in float32 it is instead Cephes' ``expf``, made only of
multiplications, additions, conversions and integer shifts, which LLVM vectorises::

    v = x - shift,  k = floor(v log2(e) + 1/2),  r = v - k ln 2        (1)
    e^r ≈ 1 + r + r² P(r),   |r| ≤ ln(2)/2                               (2)
    e^v = 2^k e^r,  2^k built from its bits: (k + 127) << 23             (3)

with ln 2 split in two parts (Cody and Waite) so that r in (1) keeps its low bits, and P of
degree 5. It is within 2 units in the last place of exp (``tests/test_kernels.py`` checks
a dense grid). Below v = -87.34, where e^v is no longer a normal float32, it gives 0 (libm
gives subnormals down to e^-103.9: a difference under 1.2e-38). A NaN stays NaN. ``bits``
is an int32 scratch row of the same length, whose float32 view is 2^k in (3): reading the
bits of a float through an array view is what lets the step vectorise.

``row_sum(a)`` sums a row in float64, in 16 interleaved partial sums: a fixed order (the
same result in every run), which a loop vectorises without reassociating floating-point
additions (a single running sum cannot vectorise under IEEE arithmetic). ``row_max(a)``
takes the maximum the same way. It skips a NaN after the first entry; the softmax family
needs no more, since such a row's exps then hold the NaN and so does everything after.

As plain Python (``NUMBA_DISABLE_JIT=1``) the same functions run element by element.
"""

import numba
import numpy as np
from numba.extending import overload, register_jitable

_f = np.float32
_LOG2E, _LN2_HIGH, _LN2_LOW = _f(1.44269504088896341), _f(0.693359375), _f(-2.12194440e-4)
_LOWEST = _f(-87.33654)   # ln of the smallest normal float32
_P = (_f(1.9875691500e-4), _f(1.3981999507e-3), _f(8.3334519073e-3), _f(4.1665795894e-2),
      _f(1.6666665459e-1), _f(5.0000001201e-1))
_P0, _P1, _P2, _P3, _P4, _P5 = _P
_HALF_PLUS_128, _ONE, _ZERO = _f(128.5), _f(1.0), _f(0.0)
_128, _BIAS, _TWO_TO_23 = _f(128.0), _f(127.0), _f(2.0 ** 23)
LANES = 16


@register_jitable
def exp_shifted_f32(x, shift, out, bits):
    """out = exp(x - shift) in float32, by (1)-(3) of the module doc."""
    n = x.shape[0]
    for c in range(n):
        v = x[c] - shift
        clamped = v if v > _LOWEST else _LOWEST   # NOTE: also a NaN, so that k is a number
        # NOTE: floor(y) as the truncation of y + 128 > 0 (y >= -126 here), and the bits of
        # 2^k as the float (k + 127) 2^23 made an int32: np.floor, and integer arithmetic
        # (which Numba widens to int64), would keep the loop from vectorising well.
        k = np.float32(np.int32(clamped * _LOG2E + _HALF_PLUS_128)) - _128   # (1)
        r = (v - k * _LN2_HIGH) - k * _LN2_LOW
        p = (((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5) * (r * r) + r + _ONE
        bits[c] = np.int32((k + _BIAS) * _TWO_TO_23)                           # (3)
        out[c] = p                                                            # (2)
    power = bits.view(np.float32)
    for c in range(n):
        out[c] = _ZERO if x[c] - shift < _LOWEST else out[c] * power[c]       # (3)


@register_jitable
def exp_shifted_f64(x, shift, out, bits):
    """out = exp(x - shift) by libm (``bits`` unused)."""
    for c in range(x.shape[0]):
        out[c] = np.exp(x[c] - shift)


def exp_shifted(x, shift, out, bits):
    """out[c] = exp(x[c] - shift) for a 1-D row with x[c] <= shift: exact in float64, the
    vectorised approximation of the module doc in float32 (``bits``: int32 scratch, same
    length)."""
    if x.dtype == np.float32:
        exp_shifted_f32(x, _f(shift), out, bits)
    else:
        exp_shifted_f64(x, shift, out, bits)


@overload(exp_shifted)
def _exp_shifted(x, shift, out, bits):
    if x.dtype == numba.float32:
        return lambda x, shift, out, bits: exp_shifted_f32(x, shift, out, bits)
    return lambda x, shift, out, bits: exp_shifted_f64(x, shift, out, bits)


@register_jitable
def row_sum(a):
    """The sum of the 1-D ``a`` in float64, in ``LANES`` interleaved partial sums."""
    n = a.shape[0]
    partial = np.zeros(LANES)
    whole = n - n % LANES
    for start in range(0, whole, LANES):
        for lane in range(LANES):
            partial[lane] += a[start + lane]
    total = 0.0
    for lane in range(LANES):
        total += partial[lane]
    for c in range(whole, n):
        total += a[c]
    return total


@register_jitable
def row_max(a):
    """The largest entry of the non-empty 1-D ``a``, in ``LANES`` interleaved partial maxima
    (a NaN after the first entry is skipped)."""
    n = a.shape[0]
    partial = np.full(LANES, a[0])
    whole = n - n % LANES
    for start in range(0, whole, LANES):
        for lane in range(LANES):
            v = a[start + lane]
            partial[lane] = v if v > partial[lane] else partial[lane]
    m = partial[0]
    for lane in range(1, LANES):
        m = partial[lane] if partial[lane] > m else m
    for c in range(whole, n):
        m = a[c] if a[c] > m else m
    return m
