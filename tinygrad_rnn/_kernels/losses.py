"""Cross-entropy of logits against integer targets, with an ignored target value.

For a row of logits x and its target t (skipped when t == ignore_index):
    loss = logsumexp(x) - x_t = log(s) - (x_t - m),   m = max(x),  s = sum_j exp(x_j - m)
    d loss / d x_i = softmax(x)_i - [i == t] = exp(x_i - m) / s - [i == t]

The forward returns each row's m and log(s) beside the losses, and the backward takes them
back, so that it reads each row once (its exps, then the scaling) instead of finding the
maximum and the sum again.

The wrappers check their arguments first (see ``_checks``): every target must lie in
[0, C) or equal ``ignore_index``, since the loops index rows by target unchecked. They run
the loops on blocks of rows on tinygrad_rnn's threads.
"""

import numpy as np

from . import _checks
from ._jit import kernel
from .rowwise import exp_shifted
from .softmax import _shift_and_log_sum, scratch
from .threads import run_row_blocks


@kernel
def _cross_entropy_rows(x, targets, ignore_index, losses, shift, log_sum):
    exps, bits = scratch(x)
    _shift_and_log_sum(x, shift, log_sum, False, exps, bits)
    for r in range(x.shape[0]):
        t = targets[r]
        # NOTE: log_sum - (x_t - m), not logsumexp - x_t: a huge m would swallow log_sum.
        losses[r] = 0.0 if t == ignore_index else log_sum[r] - (x[r, t] - shift[r])


@kernel
def _cross_entropy_backward_rows(x, targets, ignore_index, gy, shift, log_sum, gx):
    _, bits = scratch(x)
    for r in range(x.shape[0]):
        t = targets[r]
        if t == ignore_index:
            gx[r] = 0.0
            continue
        exp_shifted(x[r], shift[r], gx[r], bits)
        scale = gy[r] * np.exp(-log_sum[r])
        for c in range(x.shape[1]):
            gx[r, c] *= scale
        gx[r, t] -= gy[r]


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


def cross_entropy_rows(x, targets, ignore_index, normalizers=None):
    """Per-row loss logsumexp(x_r) - x_r[t_r]; 0 where t_r == ignore_index. With
    ``normalizers``, a pair of arrays of one entry per row (x's dtype, float64), fill them
    with each row's m and log(s) for the backward."""
    op = "cross_entropy_rows"
    x, targets, ignore_index = _checked(op, x, targets, ignore_index)
    shift, log_sum = _normalizers(op, x, targets, normalizers)
    losses = np.zeros(x.shape[0], dtype=x.dtype)
    if x.shape[1]:   # NOTE: with no classes every target is ignore_index (checked above)
        run_row_blocks(lambda r0, r1: _cross_entropy_rows(
            x[r0:r1], targets[r0:r1], ignore_index, losses[r0:r1], shift[r0:r1],
            log_sum[r0:r1]), *x.shape)
    return losses


def negative_picked_rows(y, targets, ignore_index):
    """-y_r[t_r] per row; 0 where t_r == ignore_index (the loss when y is log_softmax(x))."""
    y, targets, ignore_index = _checked("negative_picked_rows", y, targets, ignore_index)
    counted = targets != ignore_index
    losses = np.zeros(y.shape[0], dtype=y.dtype)
    losses[counted] = -y[np.flatnonzero(counted), targets[counted]]
    return losses


def cross_entropy_backward_rows(x, targets, ignore_index, gy, normalizers=None):
    """gy_r * (softmax(x_r) - onehot(t_r)); zero rows where t_r == ignore_index.
    ``normalizers``: those :func:`cross_entropy_rows` filled for the same x (found again
    when not given)."""
    op = "cross_entropy_backward_rows"
    x, targets, ignore_index = _checked(op, x, targets, ignore_index)
    gy = _checks.floats(op, "gy", gy, x.dtype)
    _checks.same_shape(op, "gy", gy, "targets", targets.shape)
    if normalizers is None:
        normalizers = _normalizers(op, x, targets, None)
        cross_entropy_rows(x, targets, ignore_index, normalizers)
    shift, log_sum = _normalizers(op, x, targets, normalizers)
    gx = np.empty_like(x)
    if x.shape[1]:
        run_row_blocks(lambda r0, r1: _cross_entropy_backward_rows(
            x[r0:r1], targets[r0:r1], ignore_index, gy[r0:r1], shift[r0:r1], log_sum[r0:r1],
            gx[r0:r1]), *x.shape)
    return gx


def _normalizers(op, x, targets, normalizers):
    """The checked pair (m: x's dtype, log(s): float64), one entry per row; new zeros if None."""
    if normalizers is None:
        return np.zeros(x.shape[0], x.dtype), np.zeros(x.shape[0])
    shift, log_sum = normalizers
    for name, array, dtype in (("m", shift, x.dtype), ("log(s)", log_sum, np.dtype(np.float64))):
        if not (isinstance(array, np.ndarray) and array.dtype == dtype
                and array.flags.c_contiguous):
            raise TypeError(f"{op}: normalizers' {name} must be a contiguous {dtype} array")
        _checks.same_shape(op, f"normalizers' {name}", array, "targets", targets.shape)
    return shift, log_sum
