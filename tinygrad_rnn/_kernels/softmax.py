"""Row-wise softmax, log-softmax and log-sum-exp over a 2-D array, and their backward.

For a row x with m = max(x) (subtracted first, so no exp overflows, and kept apart from the
log of the sum, which a huge m would swallow)::

    e_j              = exp(x_j - m),   s = sum_j e_j
    logsumexp(x)     = m + log(s)
    log_softmax(x)_i = (x_i - m) - log(s)
    softmax(x)_i     = e_i / s

Backward, with upstream gy for a row and the forward's output y:
    softmax:     gx_i = y_i * (gy_i - sum_j gy_j y_j)
    log_softmax: gx_i = gy_i - exp(y_i) * sum_j gy_j

Each row is read from memory once: its maximum, its exps (into a scratch row, which stays
in the cache) and its sum, then the output. The maxima, exps and sums are ``rowwise``'s:
libm's exp in float64, a vectorised one in float32; sums in float64.

Infinities and NaN follow PyTorch. A row whose maximum is +inf or -inf would give
inf - inf = NaN in x - m: the softmax family (and cross-entropy) keeps that NaN, as
PyTorch's does, but ``logsumexp_rows`` shifts such a row by 0 instead, so that
logsumexp([inf, 0.5, -inf]) = inf and logsumexp([-inf, -inf]) = -inf, as ``torch.logsumexp``.
A row with no columns has logsumexp -inf (the log of an empty sum) and an empty softmax.
The wrappers check their arguments first (see ``_checks``), then run the loops on blocks of
rows on tinygrad_rnn's threads (rows are independent: the same bits at every thread count).
"""

import numpy as np

from . import _checks
from ._jit import kernel
from .rowwise import exp_shifted, row_max, row_sum
from .threads import run_row_blocks


@kernel
def _shift_and_log_sum(x, shift, log_sum, infinite_max_to_zero, exps, bits):
    """Per row r: shift[r] = m = max(x_r), log_sum[r] = log(sum_j exp(x_rj - m)), and
    exps = the row's exp(x_rj - m) for the last row (scratch rows of x's width)."""
    rows, cols = x.shape
    zero = np.zeros(1, x.dtype)[0]
    for r in range(rows):
        m = row_max(x[r])
        if infinite_max_to_zero and np.isinf(m):
            # NOTE: logsumexp's rule for a row with an infinite maximum, see above; exp_shifted
            # takes no entry above the shift, so this rare row is summed by libm's exp.
            m, total = zero, 0.0
            for c in range(cols):
                total += np.exp(x[r, c])
        else:
            exp_shifted(x[r], m, exps, bits)
            total = row_sum(exps)
        shift[r] = m
        log_sum[r] = np.log(total)


@kernel
def scratch(x):
    """The per-row scratch of the kernels above for rows like ``x``'s: the exps and the
    int32 bits of ``rowwise.exp_shifted``."""
    return np.empty(x.shape[1], x.dtype), np.empty(x.shape[1], np.int32)


@kernel
def _logsumexp_rows(x, out):
    shift, log_sum = np.empty(x.shape[0], x.dtype), np.empty(x.shape[0])
    exps, bits = scratch(x)
    _shift_and_log_sum(x, shift, log_sum, True, exps, bits)
    for r in range(x.shape[0]):
        out[r] = shift[r] + log_sum[r]


@kernel
def _log_softmax_rows(x, out):
    rows, cols = x.shape
    shift, log_sum = np.empty(1, x.dtype), np.empty(1)
    exps, bits = scratch(x)
    for r in range(rows):
        _shift_and_log_sum(x[r:r + 1], shift, log_sum, False, exps, bits)
        m, ls = shift[0], log_sum[0]
        for c in range(cols):
            out[r, c] = (x[r, c] - m) - ls


@kernel
def _softmax_rows(x, out):
    rows, cols = x.shape
    shift, log_sum = np.empty(1, x.dtype), np.empty(1)
    _, bits = scratch(x)
    for r in range(rows):
        _shift_and_log_sum(x[r:r + 1], shift, log_sum, False, out[r], bits)
        scale = np.exp(-log_sum[0])
        for c in range(cols):
            out[r, c] *= scale


@kernel
def _softmax_backward_rows(y, gy, gx):
    rows, cols = y.shape
    for r in range(rows):
        for c in range(cols):
            gx[r, c] = gy[r, c] * y[r, c]
        dot = row_sum(gx[r])
        for c in range(cols):
            gx[r, c] = y[r, c] * (gy[r, c] - dot)


@kernel
def _log_softmax_backward_rows(y, gy, gx):
    rows, cols = y.shape
    zero = np.zeros(1, y.dtype)[0]
    _, bits = scratch(y)
    for r in range(rows):
        total = row_sum(gy[r])
        exp_shifted(y[r], zero, gx[r], bits)
        for c in range(cols):
            gx[r, c] = gy[r, c] - gx[r, c] * total


def _rows_out(op, loop, x, shape):
    x = _checks.floats(op, "x", x)
    _checks.ndim(op, "x", x, 2)
    out = np.empty(shape(x), dtype=x.dtype)
    if x.shape[1]:
        run_row_blocks(lambda r0, r1: loop(x[r0:r1], out[r0:r1]), *x.shape)
    else:   # NOTE: the loops read each row's first element; these rows have none
        out.fill(-np.inf)   # log of an empty sum (a softmax of no columns is empty anyway)
    return out


def logsumexp_rows(x):
    """log(sum(exp(x), axis=1)) of a 2-D array, without overflow; -inf for a row of no
    columns."""
    return _rows_out("logsumexp_rows", _logsumexp_rows, x, lambda a: a.shape[0])


def log_softmax_rows(x):
    """x - logsumexp(x) row by row."""
    return _rows_out("log_softmax_rows", _log_softmax_rows, x, lambda a: a.shape)


def softmax_rows(x):
    """exp(x) / sum(exp(x)) row by row."""
    return _rows_out("softmax_rows", _softmax_rows, x, lambda a: a.shape)


def _rows_backward(op, loop, y, gy):
    y = _checks.floats(op, "y", y)
    _checks.ndim(op, "y", y, 2)
    gy = _checks.floats(op, "gy", gy, y.dtype)
    _checks.same_shape(op, "gy", gy, "y", y.shape)
    gx = np.empty_like(y)
    run_row_blocks(lambda r0, r1: loop(y[r0:r1], gy[r0:r1], gx[r0:r1]), *y.shape)
    return gx


def softmax_backward_rows(y, gy):
    """y * (gy - sum(gy * y)) row by row, from the forward's output y."""
    return _rows_backward("softmax_backward_rows", _softmax_backward_rows, y, gy)


def log_softmax_backward_rows(y, gy):
    """gy - exp(y) * sum(gy) row by row, from the forward's output y."""
    return _rows_backward("log_softmax_backward_rows", _log_softmax_backward_rows, y, gy)
