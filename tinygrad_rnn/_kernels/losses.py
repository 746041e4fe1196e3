"""Cross-entropy of logits against integer targets, with an ignored target value.

For a row of logits x and its target t (skipped when t == ignore_index):
    loss = logsumexp(x) - x_t = log(sum_j exp(x_j - m)) - (x_t - m),   m = max(x)
    d loss / d x_i = softmax(x)_i - [i == t]

The wrappers check their arguments first (see ``_checks``): every target must lie in
[0, C) or equal ``ignore_index``, since the loops index rows by target unchecked.
"""

import numpy as np

from . import _checks
from ._jit import kernel
from .softmax import _shift_and_log_sum, _softmax_rows


@kernel
def _cross_entropy_rows(x, targets, ignore_index, losses):
    shift, log_sum = np.empty(x.shape[0], x.dtype), np.empty(x.shape[0])
    _shift_and_log_sum(x, shift, log_sum, False)
    for r in range(x.shape[0]):
        t = targets[r]
        # NOTE: log_sum - (x_t - m), not logsumexp - x_t: a huge m would swallow log_sum.
        losses[r] = 0.0 if t == ignore_index else log_sum[r] - (x[r, t] - shift[r])


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


def _checked(op, x, targets, ignore_index):
    """The logits and targets as the loops need them, checked (see ``_checks``)."""
    x = _checks.floats(op, "x", x)
    _checks.ndim(op, "x", x, 2)
    targets = _checks.integers(op, "targets", targets)
    if targets.shape != x.shape[:1]:
        raise ValueError(f"{op}: expected one target per row of x, {x.shape[0]}, got targets "
                         f"of shape {targets.shape}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    _checks.in_range(op, "targets", targets, x.shape[1], allowed=ignore_index)
    return x, targets, int(ignore_index)


def cross_entropy_rows(x, targets, ignore_index):
    """Per-row loss logsumexp(x_r) - x_r[t_r]; 0 where t_r == ignore_index."""
    x, targets, ignore_index = _checked("cross_entropy_rows", x, targets, ignore_index)
    losses = np.zeros(x.shape[0], dtype=x.dtype)
    if x.shape[1]:   # NOTE: with no classes every target is ignore_index (checked above)
        _cross_entropy_rows(x, targets, ignore_index, losses)
    return losses


def cross_entropy_backward_rows(x, targets, ignore_index, gy):
    """gy_r * (softmax(x_r) - onehot(t_r)); zero rows where t_r == ignore_index."""
    op = "cross_entropy_backward_rows"
    x, targets, ignore_index = _checked(op, x, targets, ignore_index)
    gy = _checks.floats(op, "gy", gy, x.dtype)
    _checks.same_shape(op, "gy", gy, "targets", targets.shape)
    gx = np.empty_like(x)
    if x.shape[1]:
        _cross_entropy_backward_rows(x, targets, ignore_index, gy, gx)
    return gx
