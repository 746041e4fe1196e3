"""Reductions over an axis, a tuple of axes, or all axes, with ``keepdims``.

Primitives: sum, max. Composed: mean = sum / count, min = -max(-x).
"""

import numpy as np

from ..function import Function
from ..tensor import Tensor, as_tensor
from ._common import normalize_axes


def _kept_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as size 1: where ``gy`` broadcasts back."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, *, axes, keepdims):
        ctx.save_for_backward(x.shape, _kept_shape(x.shape, axes))
        return x.sum(axis=None if len(axes) == x.ndim else axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        shape, kept = ctx.saved_tensors
        gx = np.empty(shape, gy.dtype)
        gx[...] = gy.reshape(kept)
        return gx


class Max(Function):
    @staticmethod
    def forward(ctx, x, *, axes, keepdims):
        y = x.max(axis=axes, keepdims=True)
        ctx.save_for_backward(x, y, axes)
        return y if keepdims else np.squeeze(y, axes)

    @staticmethod
    def backward(ctx, gy):
        x, y, axes = ctx.saved_tensors
        # NOTE: elements tied for the maximum share its gradient equally (each gets 1/k).
        winners = x == y
        return winners * (gy.reshape(y.shape) / winners.sum(axis=axes, keepdims=True))


def _reduced_axes(op, axis, x):
    """``normalize_axes``, except that axis 0 of a 0-d tensor (allowed, as in PyTorch) reduces
    nothing."""
    return tuple(a for a in normalize_axes(op, axis, x.ndim) if a < x.ndim)


def _reduce(function, op, x, axis, keepdims):
    x = as_tensor(x)
    axes = _reduced_axes(op, axis, x)
    empty = [a for a in axes if x.shape[a] == 0]
    if function is Max and empty:
        raise ValueError(f"{op}: cannot reduce over axis {empty[0]}, which has length 0 "
                         f"(a tensor of shape {x.shape})")
    return function.apply(x, axes=axes, keepdims=keepdims)


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    """The sum over ``axis`` (None: all axes; an int; or a tuple of ints)."""
    return _reduce(Sum, "sum", x, axis, keepdims)


def mean(x, axis=None, keepdims=False) -> Tensor:
    """sum(x, axis) / (number of elements summed); NaN where no element is summed."""
    x = as_tensor(x)
    count = int(np.prod([x.shape[a] for a in _reduced_axes("mean", axis, x)]))
    # NOTE: the mean of no elements is NaN (0 / 0), as in PyTorch.
    return sum(x, axis, keepdims) * (1.0 / count if count else np.nan)


def max(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    """The maximum over ``axis``; elements tied for it share the gradient equally. An axis of
    length 0 has no maximum: ValueError, as in PyTorch."""
    return _reduce(Max, "max", x, axis, keepdims)


def min(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    """The minimum over ``axis``, -max(-x); ties share the gradient equally."""
    return -_reduce(Max, "min", -as_tensor(x), axis, keepdims)
