"""Cross-entropy of logits against integer targets, with an ignored target value.

For a row of logits x and its target t (skipped when t == ignore_index):
    loss = logsumexp(x) - x_t
    d loss / d x_i = softmax(x)_i - [i == t]
"""

import numpy as np

from ._jit import kernel
from .softmax import _logsumexp_rows, _softmax_rows


@kernel
def _cross_entropy_rows(x, targets, ignore_index, losses):
    lse = np.empty(x.shape[0], dtype=x.dtype)
    _logsumexp_rows(x, lse)
    for r in range(x.shape[0]):
        t = targets[r]
        losses[r] = 0.0 if t == ignore_index else lse[r] - x[r, t]


@kernel
def _cross_entropy_backward_rows(x, targets, ignore_index, gy, gx):
    _softmax_rows(x, gx)
    for r in range(x.shape[0]):
        t = targets[r]
        if t == ignore_index:
            for c in range(x.shape[1]):
                gx[r, c] = 0.0
        else:
            gx[r, t] -= 1.0
            for c in range(x.shape[1]):
                gx[r, c] *= gy[r]


def cross_entropy_rows(x, targets, ignore_index):
    """Per-row loss logsumexp(x_r) - x_r[t_r]; 0 where t_r == ignore_index."""
    x = np.ascontiguousarray(x)
    losses = np.empty(x.shape[0], dtype=x.dtype)
    _cross_entropy_rows(x, np.ascontiguousarray(targets, np.int64), ignore_index, losses)
    return losses


def cross_entropy_backward_rows(x, targets, ignore_index, gy):
    """gy_r * (softmax(x_r) - onehot(t_r)); zero rows where t_r == ignore_index."""
    x = np.ascontiguousarray(x)
    gx = np.empty_like(x)
    _cross_entropy_backward_rows(x, np.ascontiguousarray(targets, np.int64), ignore_index,
                                 np.ascontiguousarray(gy, x.dtype), gx)
    return gx
