"""Reductions over a dim, a tuple of dims, or all dims, with ``keepdim`` (PyTorch's names;
NumPy's ``axis``/``keepdims`` are accepted as aliases), and the reductions that return
indices: ``max``/``min`` along a dim, ``argmax``, ``argmin``, ``topk``, ``sort``.

Primitives: sum, amax. Composed: mean = sum / count, amin = -amax(-x); the values of
max/min along a dim, of topk and of sort are ``gather(x, dim, indices)``.
"""

from collections import namedtuple

import numpy as np

from ..function import Function
from ..tensor import Tensor, ensure_tensor
from ._common import dim_args, normalize_axes
from .shape import gather, squeeze


def _kept_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as size 1: where ``gy`` broadcasts back."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, *, axes, keepdims):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        return x.sum(axis=None if len(axes) == x.ndim else axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        shape, axes, keepdims = ctx.shape, ctx.axes, ctx.keepdims
        gx = np.empty(shape, gy.dtype)
        # NOTE: gy broadcasts back once its reduced axes are restored as size 1; a 0-d gy
        # (every axis reduced) broadcasts as it is.
        gx[...] = gy if keepdims or gy.ndim == 0 else gy.reshape(_kept_shape(shape, axes))
        return gx


class Max(Function):
    @staticmethod
    def forward(ctx, x, *, axes, keepdims):
        y = x.max(axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        return y if keepdims else np.squeeze(y, axes)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        # NOTE: elements tied for the maximum share its gradient equally (each gets 1/k).
        winners = x == y
        return winners * (gy.reshape(y.shape) / winners.sum(axis=ctx.axes, keepdims=True))


def _reduced_axes(op, dim, x):
    """``normalize_axes``, except that dim 0 of a 0-d tensor (allowed, as in PyTorch) reduces
    nothing."""
    axes = normalize_axes(op, dim, x.ndim)
    return axes if x.ndim else ()


def _reduce(function, op, x, dim, keepdim):
    x = ensure_tensor(x)
    axes = _reduced_axes(op, dim, x)
    if function is Max:
        empty = [a for a in axes if x.shape[a] == 0]
        if empty:
            raise ValueError(f"{op}: cannot reduce over dim {empty[0]}, which has length 0 "
                             f"(a tensor of shape {x.shape})")
    return function.apply(x, axes=axes, keepdims=keepdim)


def _largest(op, x, dim=None, keepdim=False) -> Tensor:
    return _reduce(Max, op, x, dim, keepdim)


def _smallest(op, x, dim=None, keepdim=False) -> Tensor:
    return -_reduce(Max, op, -ensure_tensor(x), dim, keepdim)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:  # noqa: A001
    """The sum over ``dim`` (None: all dims; an int; or a tuple of ints)."""
    return _reduce(Sum, "sum", x, *dim_args("sum", dim, keepdim, axis, keepdims))


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """sum(x, dim) / (number of elements summed); NaN where no element is summed."""
    x = ensure_tensor(x)
    dim, keepdim = dim_args("mean", dim, keepdim, axis, keepdims)
    count = int(np.prod([x.shape[a] for a in _reduced_axes("mean", dim, x)]))
    # NOTE: the mean of no elements is NaN (0 / 0), as in PyTorch.
    return sum(x, dim, keepdim) * (1.0 / count if count else np.nan)


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """The maximum over ``dim`` (None: all); elements tied for it share the gradient equally.
    A dim of length 0 has no maximum: ValueError, as in PyTorch."""
    return _largest("amax", x, *dim_args("amax", dim, keepdim, axis, keepdims))


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """The minimum over ``dim``, -amax(-x); ties share the gradient equally."""
    return _smallest("amin", x, *dim_args("amin", dim, keepdim, axis, keepdims))


# ---------------------------------------------------------------- with indices

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = "The ``(values, indices)`` pair of max, min, topk and sort."


def _indices(array: np.ndarray) -> Tensor:
    return Tensor.constant(array.astype(np.int64))


def _one_dim(op: str, x: Tensor, dim) -> int:
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (dim,) = normalize_axes(op, dim, x.ndim)
    if x.ndim and x.shape[dim] == 0:
        raise ValueError(f"{op}: dim {dim} has length 0 (a tensor of shape {x.shape}): "
                         "there is nothing to take")
    return dim


def _arg(op: str, pick, x, dim, keepdim) -> Tensor:
    x = ensure_tensor(x)
    if dim is None:
        if x.data.size == 0:
            raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
        flat = pick(x.data.reshape(-1))
        return _indices(flat.reshape((1,) * x.ndim) if keepdim else np.asarray(flat))
    dim = _one_dim(op, x, dim)
    return _indices(pick(x.data.reshape(x.shape or (1,)), axis=dim, keepdims=keepdim))


def argmax(x, dim=None, keepdim=False) -> Tensor:
    """The index of the (first) maximum along ``dim``, or in the flattened tensor (int64)."""
    return _arg("argmax", np.argmax, x, dim, keepdim)


def argmin(x, dim=None, keepdim=False) -> Tensor:
    """The index of the (first) minimum along ``dim``, or in the flattened tensor (int64)."""
    return _arg("argmin", np.argmin, x, dim, keepdim)


def _extreme(op, reduce, pick, x, dim, keepdim, axis, keepdims):
    dim, keepdim = dim_args(op, dim, keepdim, axis, keepdims)
    if dim is None:
        return reduce(op, x, None, keepdim)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}; for the {op}imum over several "
                        f"dims use a{op}(x, dim)")
    x = ensure_tensor(x)
    dim = _one_dim(op, x, dim)
    if x.ndim == 0:   # NOTE: dim 0 of a 0-d tensor is allowed, as in PyTorch: the value itself
        return ValuesIndices(x.reshape(()), _indices(np.zeros((), np.int64)))
    indices = pick(x, dim, keepdim=True)
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return ValuesIndices(values, indices)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Without ``dim``, the maximum (0-d; ties share the gradient). With ``dim``, the named
    tuple ``(values, indices)`` of the maxima along it and their first indices (int64), as
    PyTorch; the values' gradient goes to those indices."""
    return _extreme("max", _largest, argmax, x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """As :func:`max`, for the minimum."""
    return _extreme("min", _smallest, argmin, x, dim, keepdim, axis, keepdims)


def sort(x, dim=-1, descending=False, stable=False) -> ValuesIndices:
    """The values along ``dim`` in order and where each came from (a stable sort; ties keep
    their order, which PyTorch guarantees only with ``stable=True``)."""
    x = ensure_tensor(x)
    if x.ndim == 0:
        return ValuesIndices(x, _indices(np.zeros((), np.int64)))
    dim = _one_dim("sort", x, dim)
    order = np.argsort(-x.data if descending else x.data, axis=dim, kind="stable")
    return ValuesIndices(gather(x, dim, order), _indices(order))


def topk(x, k: int, dim=-1, largest=True, sorted=True) -> ValuesIndices:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim``, in order, with their indices."""
    x = ensure_tensor(x)
    dim = _one_dim("topk", x, dim)
    if not 0 <= k <= (x.shape[dim] if x.ndim else 1):
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of shape {x.shape}")
    order = sort(x, dim, descending=largest).indices.data
    chosen = np.take(order, np.arange(k), axis=dim) if x.ndim else order
    return ValuesIndices(gather(x, dim, chosen), _indices(chosen))
