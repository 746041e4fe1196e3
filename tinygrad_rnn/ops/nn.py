"""Ops for networks: softmax family, losses, embedding lookup, dropout.

Primitives (kernels in ``_kernels.softmax``, ``_kernels.losses``, ``_kernels.scatter``):
softmax, log_softmax, logsumexp, cross_entropy, embedding; binary_cross_entropy (NumPy).
Composed: nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div,
binary_cross_entropy_with_logits, layer_norm, pad, dropout.
Not differentiable: one_hot, multinomial. The losses follow PyTorch: classes on axis 1, ``weight``,
``ignore_index`` and ``reduction``.
"""

import math

import numpy as np

from ..function import Function
from .._kernels import losses, softmax as rows
from .._kernels.scatter import scatter_add_rows
from ..random import numpy_generator
from ..tensor import Tensor, ensure_tensor
from . import elementwise as ew
from ._common import dim_arg, normalize_axes
from .reduce import mean, sum
from .shape import concatenate, getitem, permute, reshape, swapaxes

_REDUCTIONS = ("mean", "sum", "none")


def _as_rows(x: np.ndarray) -> np.ndarray:
    """The last axis as rows of a 2-D array."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim else x.reshape(1, 1)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x):
        y = rows.softmax_rows(_as_rows(x)).reshape(x.shape)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return rows.softmax_backward_rows(_as_rows(y), _as_rows(gy)).reshape(y.shape)


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x):
        y = rows.log_softmax_rows(_as_rows(x)).reshape(x.shape)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return rows.log_softmax_backward_rows(_as_rows(y), _as_rows(gy)).reshape(y.shape)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return rows.logsumexp_rows(_as_rows(x)).reshape(x.shape[:-1])

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return rows.softmax_rows(_as_rows(x)).reshape(x.shape) * gy[..., None]


class CrossEntropy(Function):
    @staticmethod
    def forward(ctx, logits, *, target, ignore_index, log_probs=None):
        flat = target.reshape(-1)
        if log_probs is None:
            rows = _as_rows(logits)
            normalizers = (np.empty(len(rows), rows.dtype), np.empty(len(rows)))
            loss = losses.cross_entropy_rows(rows, flat, ignore_index, normalizers)
        else:
            # NOTE: log_softmax(logits) is already known (nll_loss of a log_softmax): the loss
            # is -log_probs[target], and softmax(logits) = exp(log_probs), so the backward
            # kernel reads the rows of log_probs with m = 0 and log(s) = 0.
            rows = _as_rows(log_probs)
            normalizers = (np.zeros(len(rows), rows.dtype), np.zeros(len(rows)))
            loss = losses.negative_picked_rows(rows, flat, ignore_index)
        ctx.save_for_backward(rows, flat, *normalizers)
        ctx.shape, ctx.ignore_index = logits.shape, ignore_index
        return loss.reshape(target.shape)

    @staticmethod
    def backward(ctx, gy):
        rows, target, shift, log_sum = ctx.saved_tensors
        return losses.cross_entropy_backward_rows(rows, target, ctx.ignore_index,
                                                  gy.reshape(-1), (shift, log_sum)
                                                  ).reshape(ctx.shape)


class Embedding(Function):
    @staticmethod
    def forward(ctx, weight, *, indices):
        ctx.save_for_backward(indices)
        ctx.shape = weight.shape
        return weight[indices]

    @staticmethod
    def backward(ctx, gy):
        (indices,) = ctx.saved_tensors
        # NOTE: an index that appears several times receives the sum of its rows' gradients.
        return scatter_add_rows(indices, gy, ctx.shape)


def _along_last(function, x, axis):
    """Apply a last-axis Function along ``axis`` by swapping that axis to the end and back."""
    x = ensure_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{function.__name__.lower()}: expected at least 1 dimension, got a scalar")
    (axis,) = normalize_axes(function.__name__.lower(), axis, x.ndim)
    if axis == x.ndim - 1:
        return function.apply(x)
    return swapaxes(function.apply(swapaxes(x, axis, -1)), axis, -1)


def softmax(x, dim: int | None = None, axis: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (alias ``axis``; default -1), without overflow."""
    return _along_last(Softmax, x, dim_arg("softmax", dim, axis, default=-1))


def log_softmax(x, dim: int | None = None, axis: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (alias ``axis``; default -1)."""
    return _along_last(LogSoftmax, x, dim_arg("log_softmax", dim, axis, default=-1))


def logsumexp(x, dim: int | None = None, axis: int | None = None) -> Tensor:
    """log(sum(exp(x))) along ``dim`` (alias ``axis``; default -1; that axis removed),
    without overflow."""
    x = ensure_tensor(x)
    if x.ndim == 0:
        raise ValueError("logsumexp: expected at least 1 dimension, got a scalar")
    (axis,) = normalize_axes("logsumexp", dim_arg("logsumexp", dim, axis, default=-1), x.ndim)
    if axis != x.ndim - 1:  # move the axis to the end, the others keeping their order
        x = permute(x, [a for a in range(x.ndim) if a != axis] + [axis])
    return LogSumExp.apply(x)


def _integer_indices(op: str, name: str, indices) -> np.ndarray:
    indices = np.asarray(indices.array if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got dtype {indices.dtype}")
    return indices.astype(np.int64)


def _constant_array(op: str, name: str, value) -> np.ndarray | None:
    """An optional weight as an array; a weight that wants a gradient is refused, since
    none flows to it here."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise ValueError(f"{op}: {name} is a constant here and gets no gradient; "
                             f"pass {name}.detach()")
        value = value.array
    return np.asarray(value)


def _reduction(op: str, loss: Tensor, reduction: str, count=None) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sum(loss)
    if reduction == "mean":
        return mean(loss) if count is None else sum(loss) * (1.0 / count)
    raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


# ---------------------------------------------------------------- classification losses

def _classes_last(op: str, input, target, ignore_index: int):
    """``input`` with its class axis (axis 1, or 0 for one unbatched ``(C,)`` row) moved
    last, the checked int64 ``target`` of the other axes, and its mask of counted entries."""
    input = ensure_tensor(input)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class axis, got a scalar")
    dtype = np.asarray(target.array if isinstance(target, Tensor) else target).dtype
    if dtype.kind not in "iu":
        raise TypeError(f"{op}: targets (class indices, not class probabilities) must be "
                        f"integers, got dtype {dtype}; for soft targets p write "
                        f"-(p * log_softmax(input, 1)).sum(1).mean()")
    target = _integer_indices(op, "targets", target)
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        hint = (f"; the classes are on axis 1, as in PyTorch: for input (N, T, C) pass "
                f"input.permute(0, 2, 1)" if input.ndim > 2 and target.shape == input.shape[:-1]
                else "")
        raise ValueError(f"{op}: input of shape {input.shape} (classes on axis "
                         f"{min(input.ndim - 1, 1)}) needs targets of shape {expected}, "
                         f"got {target.shape}{hint}")
    if input.ndim > 2:
        input = permute(input, 0, *range(2, input.ndim), 1)
    valid = target != ignore_index
    classes = input.shape[-1]
    outside = target[valid][(target[valid] < 0) | (target[valid] >= classes)]
    if outside.size:
        raise ValueError(f"{op}: target {outside[0]} is outside [0, {classes}) "
                         f"(and is not ignore_index={ignore_index})")
    return input, target, valid


def _class_weights(op: str, target, valid, weight, classes: int, dtype):
    """The class weights (None when not given), each entry's weight ``w[t]`` (zero where
    ignored; None without weights) and the mean's divisor: the summed weight of the counted
    entries, or their number without weights (NaN when there are none, as PyTorch)."""
    weight = _constant_array(op, "weight", weight)
    if weight is None:
        return None, None, int(valid.sum()) or np.nan
    if weight.shape != (classes,):
        raise ValueError(f"{op}: weight must have shape ({classes},), one per class, "
                         f"got {weight.shape}")
    weight = weight.astype(dtype)
    per_entry = np.where(valid, weight[np.where(valid, target, 0)], 0.0).astype(dtype)
    return weight, per_entry, per_entry.sum() if valid.any() else np.nan


def _smoothed(loss: Tensor, logits: Tensor, valid, weight, epsilon: float) -> Tensor:
    r"""(1 - ε) loss + (ε / C) Σ_c -w_c log softmax(x)_c at each counted entry: the
    cross-entropy against the target mixed with the uniform distribution (``label_smoothing``)."""
    logp = log_softmax(logits, -1)
    if weight is not None:
        logp = ew.mul(logp, weight)
    uniform = ew.mul(sum(logp, -1), Tensor.constant(-valid.astype(logits.dtype)))
    return ew.add(ew.mul(loss, 1.0 - epsilon), ew.mul(uniform, epsilon / logits.shape[-1]))


def cross_entropy(input, target, weight=None, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """-log softmax(input)[target], with the classes on axis 1, as PyTorch.

    Shapes: input ``(N, C)`` with targets ``(N,)``; ``(N, C, d1, ...)`` with ``(N, d1, ...)``;
    or one row ``(C,)`` with a 0-d target. Targets equal to ``ignore_index`` (padding) add
    nothing. ``weight`` (C,) scales each class's terms (a constant, no gradient); the mean
    divides by the summed weight of the counted targets (their number without ``weight``;
    NaN when every target is ignored, as PyTorch). ``label_smoothing`` ε in [0, 1] mixes
    each one-hot target with the uniform distribution: (1 - ε) of this loss plus ε / C of
    ``-Σ_c w_c log softmax(input)_c``, as PyTorch.
    """
    return _cross_entropy("cross_entropy", input, target, weight, ignore_index, reduction,
                          label_smoothing)


def _cross_entropy(op, input, target, weight, ignore_index, reduction,  # noqa: A002
                   label_smoothing, log_probs=None):
    """:func:`cross_entropy`, reported as ``op``; ``log_probs``: the array
    log_softmax(input, 1) where the caller already has it."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    logits, target, valid = _classes_last(op, input, target, ignore_index)
    weight, per_entry, count = _class_weights(op, target, valid, weight, logits.shape[-1],
                                              logits.dtype)
    loss = CrossEntropy.apply(logits, target=target, ignore_index=ignore_index,
                              log_probs=log_probs)
    if per_entry is not None:
        loss = ew.mul(loss, Tensor.constant(per_entry))
    if label_smoothing:
        loss = _smoothed(loss, logits, valid, weight, label_smoothing)
    return _reduction(op, loss, reduction, count)


def nll_loss(input, target, weight=None, ignore_index: int = -100,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    """-input[target]: the loss for log-probabilities (``log_softmax``'s output), with the
    shapes, ``weight``, ``ignore_index`` and reductions of :func:`cross_entropy`.

    When ``input`` is the output of :func:`log_softmax` over its classes (2-D or one row),
    this is :func:`cross_entropy` of that log-softmax's input, which it computes instead:
    the same value, and a backward that never builds the dense gradient of ``input``.
    """
    input = ensure_tensor(input)
    source = input._node
    if source is not None and source.function is LogSoftmax and input.ndim <= 2:
        # NOTE: the log-softmax node stays in the graph for any other use of its output;
        # only this loss's gradient takes the shorter way, and the two add up at the logits.
        return _cross_entropy("nll_loss", source.inputs[0], target, weight, ignore_index,
                              reduction, 0.0, log_probs=np.asarray(input))
    logp, target, valid = _classes_last("nll_loss", input, target, ignore_index)
    _, per_entry, count = _class_weights("nll_loss", target, valid, weight, logp.shape[-1],
                                         logp.dtype)
    rows = reshape(logp, -1, logp.shape[-1])
    flat = np.where(valid, target, 0).reshape(-1)
    picked = getitem(rows, (np.arange(flat.size), flat))
    # NOTE: multiplying by the weights (or the mask), not indexing the ignored entries away,
    # keeps the target's shape for "none".
    scale = valid.astype(logp.dtype) if per_entry is None else per_entry
    loss = reshape(ew.neg(ew.mul(picked, Tensor.constant(scale.reshape(-1)))),
                   *target.shape)
    return _reduction("nll_loss", loss, reduction, count)


# ---------------------------------------------------------------- regression and binary losses

def _same_shape(op: str, input, target) -> tuple[Tensor, Tensor]:
    input, target = ensure_tensor(input), ensure_tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} "
                         f"differ (PyTorch would broadcast them; broadcast explicitly)")
    return input, target


def mse_loss(input, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2, averaged or summed; the shapes must be equal."""
    input, target = _same_shape("mse_loss", input, target)
    return _reduction("mse_loss", ew.sub(input, target) ** 2, reduction)


def l1_loss(input, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    """``|input - target|``, averaged or summed; the shapes must be equal."""
    input, target = _same_shape("l1_loss", input, target)
    return _reduction("l1_loss", ew.abs(ew.sub(input, target)), reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:  # noqa: A002
    """0.5 d² / beta where ``|d| < beta``, else ``|d| - 0.5 beta``, with d = input - target (as
    PyTorch's; ``beta=0`` is the L1 loss)."""
    input, target = _same_shape("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = ew.sub(input, target)
    a = ew.abs(d)
    if beta == 0:
        return _reduction("smooth_l1_loss", a, reduction)
    quadratic = ew.mul(ew.mul(d, d), 0.5 / beta)
    return _reduction("smooth_l1_loss", ew.where(a.array < beta, quadratic, ew.sub(a, 0.5 * beta)),
                   reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:  # noqa: A002
    """0.5 d² where ``|d| <= delta``, else ``delta (|d| - 0.5 delta)``, with d = input - target:
    delta * smooth_l1_loss(beta=delta)."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    input, target = _same_shape("huber_loss", input, target)
    d = ew.sub(input, target)
    a = ew.abs(d)
    loss = ew.where(a.array <= delta, ew.mul(ew.mul(d, d), 0.5),
                    ew.mul(ew.sub(a, 0.5 * delta), delta))
    return _reduction("huber_loss", loss, reduction)


def kl_div(input, target, reduction: str = "mean", log_target: bool = False) -> Tensor:  # noqa: A002
    """The pointwise KL divergence of log-probabilities ``input`` from ``target``:
    target (log target - input), 0 where target = 0 (``log_target``: ``target`` holds
    log-probabilities, exp(target) (target - input)). ``reduction="batchmean"`` divides
    the sum by the batch size input.size(0), which gives the true KL divergence; "mean"
    divides by the number of elements, as PyTorch."""
    input, target = _same_shape("kl_div", input, target)
    if log_target:
        loss = ew.mul(ew.exp(target), ew.sub(target, input))
    else:
        positive = target.array > 0
        # NOTE: 0 log 0 is taken as 0 (PyTorch's xlogy), so target zeros add nothing.
        safe = ew.where(positive, target, 1.0)
        loss = ew.sub(ew.where(positive, ew.mul(target, ew.log(safe)), 0.0),
                      ew.mul(target, input))
    if reduction == "batchmean":
        return sum(loss) * (1.0 / (input.shape[0] if input.ndim else 1))
    return _reduction("kl_div", loss, reduction)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:  # noqa: A002
    """(x - mean) / sqrt(var + eps) * weight + bias, the mean and the (biased) variance
    taken over the last ``len(normalized_shape)`` dims, which must be ``normalized_shape``."""
    x = ensure_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or x.shape[x.ndim - len(shape):] != shape or x.ndim < len(shape):
        raise ValueError(f"layer_norm: expected an input ending in normalized_shape {shape}, "
                         f"got shape {x.shape}")
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    centered = ew.sub(x, mean(x, dims, keepdim=True))
    variance = mean(ew.mul(centered, centered), dims, keepdim=True)
    y = ew.mul(centered, ew.pow(ew.add(variance, eps), -0.5))
    if weight is not None:
        y = ew.mul(y, weight)
    return y if bias is None else ew.add(y, bias)


def _elementwise_weight(op: str, loss: Tensor, weight) -> Tensor:
    weight = _constant_array(op, "weight", weight)
    if weight is None:
        return loss
    return ew.mul(loss, Tensor.constant(weight.astype(loss.dtype)))


class BinaryCrossEntropy(Function):
    """-[t log p + (1 - t) log(1 - p)], each log clamped at -100 (PyTorch's rule, which
    keeps p = 0 or 1 finite)."""

    @staticmethod
    def forward(ctx, p, t):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
        ctx.save_for_backward(p, t, log_p, log_q)
        return -(t * log_p + (1.0 - t) * log_q)

    @staticmethod
    def backward(ctx, gy):
        p, t, log_p, log_q = ctx.saved_tensors
        # NOTE: d/dp = (p - t) / (p (1 - p)); PyTorch bounds the denominator below by 1e-12.
        gp = gy * (p - t) / np.maximum(p * (1.0 - p), 1e-12)
        return gp, gy * (log_q - log_p) if ctx.needs_input_grad[1] else None


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-[t log p + (1 - t) log(1 - p)] for probabilities p = ``input`` in [0, 1], each log
    clamped at -100 as PyTorch does; ``weight`` (broadcast, a constant) scales each term."""
    input, target = _same_shape("binary_cross_entropy", input, target)
    if np.any((input.array < 0) | (input.array > 1)):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; "
                         "for logits use binary_cross_entropy_with_logits")
    loss = BinaryCrossEntropy.apply(input, target)
    loss = _elementwise_weight("binary_cross_entropy", loss, weight)
    return _reduction("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None,  # noqa: A002
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """-[w_p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], in the stable form
    ``(1 - t) x + (1 + (w_p - 1) t) softplus(-x)`` with
    ``softplus(-x) = max(-x, 0) + log(1 + exp(-|x|))``, which never takes exp of a large
    positive number. ``pos_weight`` w_p (default 1) weighs the positive terms, ``weight``
    each term (both constants, broadcast)."""
    x, t = _same_shape("binary_cross_entropy_with_logits", input, target)
    # NOTE: maximum, not relu: at a logit of exactly 0 (a zero-initialised layer) the true
    # gradient 0.5 - t needs max's tie rule (half each way), since abs'(0) is taken as 0.
    softplus = ew.add(ew.maximum(ew.neg(x), 0.0), ew.log(ew.add(1.0, ew.exp(ew.neg(ew.abs(x))))))
    pos_weight = _constant_array("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    if pos_weight is not None:
        softplus = ew.mul(softplus, ew.add(1.0, ew.mul(t, pos_weight.astype(x.dtype) - 1.0)))
    loss = ew.add(ew.mul(x, ew.sub(1.0, t)), softplus)
    loss = _elementwise_weight("binary_cross_entropy_with_logits", loss, weight)
    return _reduction("binary_cross_entropy_with_logits", loss, reduction)


# ---------------------------------------------------------------- lookup, padding, one-hot

def embedding(weight, indices, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape.

    The row ``padding_idx`` (if given, already non-negative) gets no gradient: its positions
    take the stored row as a constant (PyTorch's rule for padding tokens).
    """
    weight = ensure_tensor(weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    indices = _integer_indices("embedding", "indices", indices)
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError(
            f"embedding: indices must lie in [0, {weight.shape[0]}), got values from "
            f"{indices.min()} to {indices.max()}"
        )
    y = Embedding.apply(weight, indices=indices)
    if padding_idx is None:
        return y
    padded = indices == padding_idx
    if not padded.any():
        return y
    # NOTE: ``where`` sends the padding positions' gradient nowhere, so that row's is zero.
    row = Tensor.constant(weight.array[padding_idx].copy())
    return ew.where(padded[..., None], row, y)


def one_hot(indices, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``indices.shape + (num_classes,)``: one at each index, zero
    elsewhere; ``num_classes=-1`` means one more than the largest index."""
    indices = _integer_indices("one_hot", "indices", indices)
    if indices.size and indices.min() < 0:
        raise ValueError(f"one_hot: indices must be non-negative, got {indices.min()}")
    if num_classes == -1:
        if not indices.size:
            raise ValueError("one_hot: cannot infer num_classes from empty indices; pass it")
        num_classes = int(indices.max()) + 1
    if indices.size and indices.max() >= num_classes:
        raise ValueError(f"one_hot: index {indices.max()} is not below num_classes={num_classes}")
    return Tensor.constant(np.eye(num_classes, dtype=np.int64)[indices])


# numpy.pad's name for each of PyTorch's padding modes other than "constant"
_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_axis(x: Tensor, axis: int, before: int, after: int, mode: str, value) -> Tensor:
    """``x`` with ``before``/``after`` entries added along ``axis`` (negative: removed)."""
    keep = (slice(None),) * axis
    if before < 0 or after < 0:
        x = getitem(x, keep + (slice(max(-before, 0), x.shape[axis] - max(-after, 0)),))
        before, after = max(before, 0), max(after, 0)
    if mode == "constant":
        sides = [np.full(x.shape[:axis] + (n,) + x.shape[axis + 1:], value, x.dtype)
                 for n in (before, after)]
        return concatenate([sides[0], x, sides[1]], axis)
    size = x.shape[axis]
    if max(before, after) > size - (mode == "reflect") or size == 0:
        raise ValueError(f"pad: {mode} padding of ({before}, {after}) needs an axis longer "
                         f"than that, got axis {axis} of size {size}")
    # NOTE: an index array, so entries read twice (the edges) get their gradients summed.
    return getitem(x, keep + (np.pad(np.arange(size), (before, after), _PAD_MODES[mode]),))


def pad(x, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """``x`` padded as ``torch.nn.functional.pad``: ``pad = (left, right)`` for the last
    axis, then ``(left, right)`` for the one before it, and so on; negative amounts crop.
    ``mode`` is ``"constant"`` (filled with ``value``), ``"reflect"`` (mirrored, the edge
    not repeated), ``"replicate"`` (the edge repeated) or ``"circular"`` (wrapped around).
    """
    x = ensure_tensor(x)
    amounts = tuple(pad)
    if len(amounts) % 2 or len(amounts) // 2 > x.ndim or not all(
            isinstance(n, (int, np.integer)) for n in amounts):
        raise ValueError(f"pad: expected an even number of ints, at most 2 per dimension of "
                         f"a {x.ndim}-d tensor, got {pad!r}")
    if mode != "constant" and mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    for k in range(len(amounts) // 2):
        x = _pad_axis(x, x.ndim - 1 - k, int(amounts[2 * k]), int(amounts[2 * k + 1]), mode, value)
    return x


def dropout(x, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    Inverted dropout: the expected value is unchanged, so evaluation needs no rescaling.
    The identity when ``p == 0`` or not ``training``. The mask comes from ``generator``
    (default: the package's generator, seeded by ``manual_seed``).
    """
    x = ensure_tensor(x)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return ew.mul(x, 0.0)
    keep = numpy_generator(generator).random(x.shape) >= p
    return ew.mul(x, Tensor.constant((keep / (1.0 - p)).astype(x.dtype)))


# ---------------------------------------------------------------- sampling

def multinomial(input, num_samples: int, replacement: bool = False, generator=None):
    """Indices drawn from the categories whose weights are the last dim of ``input`` (1-D
    or 2-D, non-negative, not all zero), as ``torch.multinomial``: an int64 tensor of shape
    ``(num_samples,)`` or ``(rows, num_samples)``. Without ``replacement`` no index repeats
    within a row. Draws from the generator ``manual_seed`` resets (a different stream from
    PyTorch's for the same seed)."""
    weights = np.asarray(input.array if isinstance(input, Tensor) else input, np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: expected 1-D or 2-D weights, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: weights must be finite, non-negative, and not all zero "
                         "in a row")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement "
                         "from fewer categories with nonzero weight")
    rng = numpy_generator(generator)
    drawn = np.stack([rng.choice(row.size, num_samples, replace=replacement, p=row / row.sum())
                      for row in rows])
    return Tensor.constant(drawn.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))
