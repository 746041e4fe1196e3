"""Reductions over a dim, a tuple of dims, or all dims, with ``keepdim`` (PyTorch's names;
NumPy's ``axis``/``keepdims`` are accepted as aliases), the reductions that return
indices: ``max``/``min`` along a dim, ``argmax``, ``argmin``, ``topk``, ``sort``, and the
statistics ``var``, ``std``, ``norm``, ``prod`` and the running sum ``cumsum``.

Primitives: sum, amax, prod, cumsum, the p-norm. Composed: mean = sum / count,
amin = -amax(-x), var = sum((x - mean)²) / (count - correction), std = sqrt(var), the
∞-norm = ``amax(|x|)``; the values of max/min along a dim, of topk and of sort are the input
read at the chosen indices, by ``GetItem`` under the op's own name (so ``grad_fn`` prints
``MaxBackward`` for ``max(dim)``, as PyTorch's ``MaxBackward0``).
"""

from collections import namedtuple

import numpy as np

from ..function import Function
from ..tensor import Tensor, ensure_tensor
from . import elementwise as ew
from ._common import dim_args, normalize_axes
from .shape import GetItem, reshape


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


class Amax(Function):
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


class Prod(Function):
    @staticmethod
    def forward(ctx, x, *, axis, keepdims):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.prod(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        axis, keepdims = ctx.axis, ctx.keepdims
        if x.shape[axis] == 0:
            return np.zeros(x.shape, gy.dtype)
        # NOTE: d(prod)/dx_i is the product of the other elements, taken as (product of
        # those before i) * (product of those after i), not prod / x_i, so it is exact
        # where x holds zeros.
        moved = np.moveaxis(x, axis, -1)
        one = np.ones(moved.shape[:-1] + (1,), x.dtype)
        before = np.cumprod(np.concatenate([one, moved[..., :-1]], -1), -1)
        after = np.cumprod(np.concatenate([one, moved[..., :0:-1]], -1), -1)[..., ::-1]
        others = np.moveaxis(before * after, -1, axis)
        return others * (gy if keepdims else np.expand_dims(gy, axis))


class CumSum(Function):
    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.axis = axis
        return np.cumsum(x, axis)

    @staticmethod
    def backward(ctx, gy):
        # y_j = sum_{i <= j} x_i, so gx_i = sum_{j >= i} gy_j: a cumsum from the end.
        return np.flip(np.cumsum(np.flip(gy, ctx.axis), ctx.axis), ctx.axis)


class Norm(Function):
    @staticmethod
    def forward(ctx, x, *, p, axes, keepdims):
        a = np.abs(x)
        y = np.sqrt((a * a).sum(axes, keepdims=True)) if p == 2 else \
            ((a ** p).sum(axes, keepdims=True)) ** (1 / p)
        ctx.save_for_backward(x, y)
        ctx.p = p
        return y if keepdims else np.squeeze(y, axes)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p = ctx.p
        # d||x||_p / dx = sign(x) |x|^(p-1) / ||x||_p^(p-1)
        # NOTE: where the norm is 0 the gradient is taken as 0 (a subgradient), as PyTorch.
        safe = np.where(y == 0, 1, y)
        ratio = np.sign(x) if p == 1 else np.sign(x) * (np.abs(x) / safe) ** (p - 1)
        return np.where(y == 0, 0, ratio * gy.reshape(y.shape)).astype(x.dtype)


def _reduced_axes(op, dim, x):
    """``normalize_axes``, except that dim 0 of a 0-d tensor (allowed, as in PyTorch) reduces
    nothing."""
    axes = normalize_axes(op, dim, x.ndim)
    return axes if x.ndim else ()


def _reduce(function, op, x, dim, keepdim):
    x = ensure_tensor(x)
    axes = _reduced_axes(op, dim, x)
    if function is Amax:
        empty = [a for a in axes if x.shape[a] == 0]
        if empty:
            raise ValueError(f"{op}: cannot reduce over dim {empty[0]}, which has length 0 "
                             f"(a tensor of shape {x.shape})")
    return function.apply(x, axes=axes, keepdims=keepdim)


def _largest(op, x, dim=None, keepdim=False) -> Tensor:
    return _reduce(Amax, op, x, dim, keepdim)


def _smallest(op, x, dim=None, keepdim=False) -> Tensor:
    return -_reduce(Amax, op, -ensure_tensor(x), dim, keepdim)


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


# The values at chosen indices: GetItem (whose backward sends each gradient to the index it
# came from), named after the op that chose them.
class Max(GetItem):
    pass


class Min(GetItem):
    pass


class Sort(GetItem):
    pass


class Topk(GetItem):
    pass


def _values_at(function, x: Tensor, dim: int, indices: np.ndarray, keepdim: bool = True):
    """``x`` read at ``indices`` along ``dim`` (``indices`` has ``x``'s dims, or all but
    ``dim`` when ``keepdim`` is false), recorded as ``function``."""
    where = list(np.indices(indices.shape, sparse=True))
    if keepdim:
        where[dim] = indices
    else:
        where.insert(dim, indices)
    return function.apply(x, index=tuple(where))


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
        if x.array.size == 0:
            raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
        flat = pick(x.array.reshape(-1))
        return _indices(flat.reshape((1,) * x.ndim) if keepdim else np.asarray(flat))
    dim = _one_dim(op, x, dim)
    return _indices(pick(x.array.reshape(x.shape or (1,)), axis=dim, keepdims=keepdim))


def argmax(x, dim=None, keepdim=False) -> Tensor:
    """The index of the (first) maximum along ``dim``, or in the flattened tensor (int64)."""
    return _arg("argmax", np.argmax, x, dim, keepdim)


def argmin(x, dim=None, keepdim=False) -> Tensor:
    """The index of the (first) minimum along ``dim``, or in the flattened tensor (int64)."""
    return _arg("argmin", np.argmin, x, dim, keepdim)


def _extreme(op, reduce, pick, along, x, dim, keepdim, axis, keepdims):
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
    indices = pick(x, dim, keepdim=keepdim)
    return ValuesIndices(_values_at(along, x, dim, indices.numpy(), keepdim), indices)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Without ``dim``, the maximum (0-d; ties share the gradient). With ``dim``, the named
    tuple ``(values, indices)`` of the maxima along it and their first indices (int64), as
    PyTorch; the values' gradient goes to those indices."""
    return _extreme("max", _largest, argmax, Max, x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """As :func:`max`, for the minimum."""
    return _extreme("min", _smallest, argmin, Min, x, dim, keepdim, axis, keepdims)


def sort(x, dim=-1, descending=False, stable=False) -> ValuesIndices:
    """The values along ``dim`` in order and where each came from (a stable sort; ties keep
    their order, which PyTorch guarantees only with ``stable=True``)."""
    x = ensure_tensor(x)
    if x.ndim == 0:
        return ValuesIndices(x, _indices(np.zeros((), np.int64)))
    dim = _one_dim("sort", x, dim)
    order = np.argsort(-x.array if descending else x.array, axis=dim, kind="stable")
    return ValuesIndices(_values_at(Sort, x, dim, order), _indices(order))


def topk(x, k: int, dim=-1, largest=True, sorted=True) -> ValuesIndices:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim``, in order, with their indices."""
    x = ensure_tensor(x)
    dim = _one_dim("topk", x, dim)
    if not 0 <= k <= (x.shape[dim] if x.ndim else 1):
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of shape {x.shape}")
    order = sort(x, dim, descending=largest).indices.array
    chosen = np.take(order, np.arange(k), axis=dim) if x.ndim else order
    return ValuesIndices(_values_at(Topk, x, dim, chosen), _indices(chosen))


# ---------------------------------------------------------------- products, sums, statistics

def _in_dtype(x, dtype, op: str) -> Tensor:
    x = ensure_tensor(x)
    if dtype is None:
        return x
    from ..dtypes import as_dtype
    return ew.cast(x, as_dtype(dtype, op))


def prod(x, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """The product of all elements (0-d), or along the int ``dim`` (as ``torch.prod``);
    integer and boolean tensors multiply as int64."""
    x = _in_dtype(x, dtype, "prod")
    if x.dtype.kind in "biu" and x.dtype != np.int64:
        x = ew.cast(x, np.dtype(np.int64))
    if dim is None:
        return Prod.apply(reshape(x, -1), axis=0, keepdims=False)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod: dim must be an int, got {dim!r}")
    (axis,) = normalize_axes("prod", dim, x.ndim)
    if x.ndim == 0:   # NOTE: dim 0 of a 0-d tensor is the value itself, as in PyTorch
        return x
    return Prod.apply(x, axis=axis, keepdims=bool(keepdim))


def cumsum(x, dim: int, *, dtype=None) -> Tensor:
    """The running sum along ``dim``: ``y_j = x_0 + ... + x_j`` (as ``torch.cumsum``;
    integer and boolean tensors add as int64)."""
    x = _in_dtype(x, dtype, "cumsum")
    (axis,) = normalize_axes("cumsum", dim, x.ndim)
    if x.dtype.kind in "biu" and x.dtype != np.int64:
        x = ew.cast(x, np.dtype(np.int64))
    if x.ndim == 0:
        return reshape(CumSum.apply(reshape(x, 1), axis=0), ())
    return CumSum.apply(x, axis=axis)


def var(x, dim=None, unbiased=True, keepdim=False, *, correction=None) -> Tensor:
    """The variance over ``dim`` (None: all): sum((x - mean)²) / (count - correction), with
    ``correction`` 1 (Bessel's, the default), or 0 when ``unbiased=False``; NaN where
    count <= correction (as ``torch.var``, which also accepts ``var(x, unbiased)``)."""
    x = ensure_tensor(x)
    if isinstance(dim, bool):   # torch.var(x, False): the old positional unbiased
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased else 0
    count = int(np.prod([x.shape[a] for a in _reduced_axes("var", dim, x)]))
    centered = ew.sub(x, mean(x, dim, keepdim=True))
    # NOTE: no elements beyond the correction leave no spread to measure: NaN (as PyTorch).
    scale = 1.0 / (count - correction) if count > correction else np.nan
    return sum(ew.mul(centered, centered), dim, keepdim) * scale


def std(x, dim=None, unbiased=True, keepdim=False, *, correction=None) -> Tensor:
    """The standard deviation, sqrt(var) (arguments as :func:`var`); its gradient is NaN
    where the spread is 0, as PyTorch's."""
    return ew.sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def norm(x, p="fro", dim=None, keepdim=False, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (None: all elements), as ``torch.norm``:
    ``(sum |x|^p)^(1/p)`` for a number p > 0 (``"fro"`` is p = 2), ``max |x|`` for ``inf``,
    ``min |x|`` for ``-inf``, the count of nonzeros for 0 (without gradient). Elements tied
    for the ∞-norm share its gradient."""
    x = _in_dtype(x, dtype, "norm")
    if x.dtype.kind != "f":
        raise TypeError(f"norm: expected a float tensor, got {x.dtype}; convert it with .float()")
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float)) or p < 0 and p != -np.inf:
        raise ValueError(f"norm: p must be 'fro', a number >= 0 or +-inf, got {p!r} "
                         "(the nuclear norm is not supported)")
    axes = _reduced_axes("norm", dim, x)
    if p == np.inf:
        return amax(ew.abs(x), axes, keepdim)
    if p == -np.inf:
        return amin(ew.abs(x), axes, keepdim)
    if p == 0:
        nonzero = Tensor.constant((x.array != 0).astype(x.dtype))
        return sum(nonzero, axes, keepdim)
    return Norm.apply(x, p=float(p), axes=axes, keepdims=bool(keepdim))
