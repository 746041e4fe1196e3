"""Ops for networks: softmax family, losses, embedding lookup, dropout.

Primitives (kernels in ``kernels.softmax``, ``kernels.losses``, ``kernels.scatter``):
softmax, log_softmax, logsumexp, cross_entropy, embedding. Composed: mse_loss,
binary_cross_entropy_with_logits, dropout.
"""

import math

import numpy as np

from ..function import Function
from ..kernels import losses, softmax as rows
from ..kernels.scatter import scatter_add_rows
from ..random import default_generator
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from ._common import normalize_axes
from .reduce import mean, sum
from .shape import permute, swapaxes

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
    def forward(ctx, logits, *, target, ignore_index):
        ctx.save_for_backward(logits, target, ignore_index)
        return losses.cross_entropy_rows(_as_rows(logits), target.reshape(-1), ignore_index
                                         ).reshape(target.shape)

    @staticmethod
    def backward(ctx, gy):
        logits, target, ignore_index = ctx.saved_tensors
        return losses.cross_entropy_backward_rows(
            _as_rows(logits), target.reshape(-1), ignore_index, gy.reshape(-1)
        ).reshape(logits.shape)


class Embedding(Function):
    @staticmethod
    def forward(ctx, weight, *, indices):
        ctx.save_for_backward(weight.shape, indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, gy):
        shape, indices = ctx.saved_tensors
        # NOTE: an index that appears several times receives the sum of its rows' gradients.
        return scatter_add_rows(indices, gy, shape)


def _along_last(function, x, axis):
    """Apply a last-axis Function along ``axis`` by swapping that axis to the end and back."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{function.__name__.lower()}: expected at least 1 dimension, got a scalar")
    (axis,) = normalize_axes(function.__name__.lower(), axis, x.ndim)
    if axis == x.ndim - 1:
        return function.apply(x)
    return swapaxes(function.apply(swapaxes(x, axis, -1)), axis, -1)


def softmax(x, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, computed without overflow."""
    return _along_last(Softmax, x, axis)


def log_softmax(x, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    return _along_last(LogSoftmax, x, axis)


def logsumexp(x, axis: int = -1) -> Tensor:
    """log(sum(exp(x))) along ``axis`` (that axis removed), computed without overflow."""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("logsumexp: expected at least 1 dimension, got a scalar")
    (axis,) = normalize_axes("logsumexp", axis, x.ndim)
    if axis != x.ndim - 1:  # move the axis to the end, the others keeping their order
        x = permute(x, [a for a in range(x.ndim) if a != axis] + [axis])
    return LogSumExp.apply(x)


def _integer_indices(op: str, name: str, indices) -> np.ndarray:
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got dtype {indices.dtype}")
    return indices.astype(np.int64)


def _reduce(op: str, loss: Tensor, reduction: str, count=None) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sum(loss)
    if reduction == "mean":
        return mean(loss) if count is None else sum(loss) * (1.0 / count)
    raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def cross_entropy(logits, target, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """-log softmax(logits)[target], from logits of shape (*, C) and integer targets (*).

    The classes are on the last axis (PyTorch's (N, C) case). Targets equal to
    ``ignore_index`` (padding) add nothing; ``reduction="mean"`` divides by the number of
    targets that are not ignored (NaN when every target is ignored, as PyTorch).
    """
    logits = as_tensor(logits)
    if logits.ndim == 0:
        raise ValueError("cross_entropy: logits must have a class axis, got a scalar")
    target = _integer_indices("cross_entropy", "targets", target)
    if target.shape != logits.shape[:-1]:
        raise ValueError(
            f"cross_entropy: logits of shape {logits.shape} need targets of shape "
            f"{logits.shape[:-1]}, got {target.shape}"
        )
    valid = target != ignore_index
    classes = logits.shape[-1]
    if np.any((target[valid] < 0) | (target[valid] >= classes)):
        bad = target[valid][(target[valid] < 0) | (target[valid] >= classes)][0]
        raise ValueError(
            f"cross_entropy: target {bad} is outside [0, {classes}) "
            f"(and is not ignore_index={ignore_index})"
        )
    loss = CrossEntropy.apply(logits, target=target, ignore_index=ignore_index)
    return _reduce("cross_entropy", loss, reduction, count=int(valid.sum()) or np.nan)


def mse_loss(input, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2, averaged or summed; the shapes must be equal."""
    input, target = as_tensor(input), as_tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape {target.shape} differ")
    return _reduce("mse_loss", ew.sub(input, target) ** 2, reduction)


def binary_cross_entropy_with_logits(logits, target, reduction: str = "mean") -> Tensor:
    """-[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], in the stable form
    ``max(x, 0) - x t + log(1 + exp(-|x|))``, which never takes exp of a large positive number."""
    logits, target = as_tensor(logits), as_tensor(target)
    if logits.shape != target.shape:
        raise ValueError(
            f"binary_cross_entropy_with_logits: logits shape {logits.shape} and target shape "
            f"{target.shape} differ"
        )
    softplus_tail = ew.log(ew.add(1.0, ew.exp(-ew.abs(logits))))
    # NOTE: maximum, not relu: at a logit of exactly 0 (a zero-initialised layer) the true
    # gradient 0.5 - t needs max's tie rule (half each way), since abs'(0) is taken as 0.
    loss = ew.add(ew.sub(ew.maximum(logits, 0.0), ew.mul(logits, target)), softplus_tail)
    return _reduce("binary_cross_entropy_with_logits", loss, reduction)


def embedding(weight, indices) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape."""
    weight = as_tensor(weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    indices = _integer_indices("embedding", "indices", indices)
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError(
            f"embedding: indices must lie in [0, {weight.shape[0]}), got values from "
            f"{indices.min()} to {indices.max()}"
        )
    return Embedding.apply(weight, indices=indices)


def dropout(x, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    Inverted dropout: the expected value is unchanged, so evaluation needs no rescaling.
    The identity when ``p == 0`` or not ``training``. The mask comes from ``generator``
    (default: the package's generator, seeded by ``manual_seed``).
    """
    x = as_tensor(x)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return ew.mul(x, 0.0)
    keep = (generator or default_generator()).random(x.shape) >= p
    return ew.mul(x, Tensor._from_op((keep / (1.0 - p)).astype(x.dtype), None, 0))
