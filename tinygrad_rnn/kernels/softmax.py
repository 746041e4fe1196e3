"""Row-wise softmax, log-softmax and log-sum-exp over a 2-D array, and their backward.

For a row x with m = max(x) (subtracted first, so no exp overflows):
    logsumexp(x)     = m + log(sum_j exp(x_j - m))
    log_softmax(x)_i = x_i - logsumexp(x)
    softmax(x)_i     = exp(log_softmax(x)_i)
Backward, with upstream gy for a row and the forward's output y:
    softmax:     gx_i = y_i * (gy_i - sum_j gy_j y_j)
    log_softmax: gx_i = gy_i - exp(y_i) * sum_j gy_j
    logsumexp:   gx_i = gy * softmax(x)_i
"""

import numpy as np

from ._jit import kernel


@kernel
def _logsumexp_rows(x, out):
    rows, cols = x.shape
    for r in range(rows):
        m = x[r, 0]
        for c in range(1, cols):
            m = max(m, x[r, c])
        total = 0.0
        for c in range(cols):
            total += np.exp(x[r, c] - m)
        out[r] = m + np.log(total)


@kernel
def _log_softmax_rows(x, out):
    rows, cols = x.shape
    lse = np.empty(rows, dtype=x.dtype)
    _logsumexp_rows(x, lse)
    for r in range(rows):
        for c in range(cols):
            out[r, c] = x[r, c] - lse[r]


@kernel
def _softmax_rows(x, out):
    _log_softmax_rows(x, out)
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[r, c] = np.exp(out[r, c])


@kernel
def _softmax_backward_rows(y, gy, gx):
    rows, cols = y.shape
    for r in range(rows):
        dot = 0.0
        for c in range(cols):
            dot += gy[r, c] * y[r, c]
        for c in range(cols):
            gx[r, c] = y[r, c] * (gy[r, c] - dot)


@kernel
def _log_softmax_backward_rows(y, gy, gx):
    rows, cols = y.shape
    for r in range(rows):
        total = 0.0
        for c in range(cols):
            total += gy[r, c]
        for c in range(cols):
            gx[r, c] = gy[r, c] - np.exp(y[r, c]) * total


def _rows_out(loop, x, shape):
    x = np.ascontiguousarray(x)
    out = np.empty(shape(x), dtype=x.dtype)
    loop(x, out)
    return out


def logsumexp_rows(x):
    """log(sum(exp(x), axis=1)) of a 2-D array, without overflow."""
    return _rows_out(_logsumexp_rows, x, lambda a: a.shape[0])


def log_softmax_rows(x):
    """x - logsumexp(x) row by row."""
    return _rows_out(_log_softmax_rows, x, lambda a: a.shape)


def softmax_rows(x):
    """exp(x) / sum(exp(x)) row by row."""
    return _rows_out(_softmax_rows, x, lambda a: a.shape)


def softmax_backward_rows(y, gy):
    """y * (gy - sum(gy * y)) row by row, from the forward's output y."""
    gx = np.empty_like(y)
    _softmax_backward_rows(np.ascontiguousarray(y), np.ascontiguousarray(gy, y.dtype), gx)
    return gx


def log_softmax_backward_rows(y, gy):
    """gy - exp(y) * sum(gy) row by row, from the forward's output y."""
    gx = np.empty_like(y)
    _log_softmax_backward_rows(np.ascontiguousarray(y), np.ascontiguousarray(gy, y.dtype), gx)
    return gx
