"""Ops that move values without changing them: reshape, permute, broadcast, flip, index,
gather, concatenate. Each backward moves the gradient back the same way. Dimensions are
named ``dim`` as in PyTorch; NumPy's ``axis`` is accepted as an alias.

Primitives: reshape, permute, broadcast_to, flip, getitem, concatenate, stack, unstack.
In place, without gradient: setitem (``x[i] = v``).
Composed: gather, index_select and masked_select (getitems by integer or boolean arrays),
narrow (a sliced getitem), unbind (an unstack), transpose, swapaxes, flatten, squeeze,
unsqueeze, expand, repeat, split, chunk. (``stack`` could be unsqueezes and a concatenate; a recurrent loop stacks T steps, so
it is one op, one node, as ``unstack`` is: each is the other's backward.)
"""

import numpy as np

from ..function import Function
from .._kernels.scatter import scatter_add_rows
from ..tensor import Tensor, ensure_tensor
from ._common import broadcast_shapes, dim_arg, normalize_axes, shape_args, unbroadcast


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, *, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        inverse = [0] * len(ctx.axes)   # where each axis went, undone
        for position, axis in enumerate(ctx.axes):
            inverse[axis] = position
        return gy.transpose(inverse)


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return unbroadcast(gy, ctx.shape)


class Flip(Function):
    @staticmethod
    def forward(ctx, x, *, axes):
        ctx.axes = axes
        return np.flip(x, axes)

    @staticmethod
    def backward(ctx, gy):
        return np.flip(gy, ctx.axes)


def is_basic(index) -> bool:
    """Whether ``index`` uses only ints, slices, None and Ellipsis (so selects no element twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, *, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        shape, dtype, index = ctx.shape, ctx.dtype, ctx.index
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
            # NOTE: a row repeated in the index receives the sum of its gradients.
            return scatter_add_rows(index % shape[0], gy, shape)
        gx = np.zeros(shape, dtype)
        if is_basic(index):
            gx[index] = gy
        else:
            np.add.at(gx, index, gy)
        return gx


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *xs, axis):
        ctx.offsets, ctx.axis = np.cumsum([x.shape[axis] for x in xs])[:-1], axis
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        return tuple(np.split(gy, ctx.offsets, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *xs, axis):
        ctx.axis = axis
        # np.stack's own work, without its Python-level checks (``stack`` made them)
        shape = xs[0].shape[:axis] + (1,) + xs[0].shape[axis:]
        return np.concatenate([x.reshape(shape) for x in xs], axis=axis)

    @staticmethod
    def backward(ctx, gy):
        return tuple(np.moveaxis(gy, ctx.axis, 0))


class Unstack(Function):
    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.axis = axis
        return tuple(np.moveaxis(x, axis, 0))

    @staticmethod
    def backward(ctx, *gys):
        return np.stack(gys, axis=ctx.axis)


# ---------------------------------------------------------------- functional API

def reshape(x, *shape) -> Tensor:
    """The same values in a new shape (one entry may be -1, inferred)."""
    x = ensure_tensor(x)
    shape = shape_args(shape)
    try:
        target = np.empty(x.shape, dtype=np.bool_).reshape(shape).shape
    except (ValueError, TypeError):
        raise ValueError(
            f"reshape: cannot reshape {x.shape} ({x.array.size} elements) into {shape}"
        ) from None
    return Reshape.apply(x, shape=target)


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims ``start_dim`` to ``end_dim`` (inclusive) merged into one."""
    x = ensure_tensor(x)
    if x.ndim == 0:
        return reshape(x, 1)
    (start,), (end,) = (normalize_axes("flatten", d, x.ndim) for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


def permute(x, *dims) -> Tensor:
    """The dims of ``x`` reordered: dim i of the result is dim ``dims[i]`` of ``x``."""
    x = ensure_tensor(x)
    dims = shape_args(dims)
    axes = tuple(a % max(x.ndim, 1) for a in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of {x.shape}")
    return Permute.apply(x, axes=axes)


def transpose(x, dim0: int, dim1: int) -> Tensor:
    """Dims ``dim0`` and ``dim1`` exchanged (as ``torch.transpose``; both are required)."""
    x = ensure_tensor(x)
    (a,), (b,) = normalize_axes("transpose", dim0, x.ndim), normalize_axes("transpose", dim1, x.ndim)
    dims = list(range(x.ndim))
    dims[a], dims[b] = b, a
    return permute(x, dims)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """NumPy's name for :func:`transpose`."""
    return transpose(x, axis1, axis2)


def squeeze(x, dim=None, *, axis=None) -> Tensor:
    """Size-1 dims removed: all of them, or those of ``dim`` that have size 1 (as PyTorch,
    a ``dim`` of another size is left as it is)."""
    x = ensure_tensor(x)
    axes = normalize_axes("squeeze", dim_arg("squeeze", dim, axis), x.ndim)
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes or s != 1))


def unsqueeze(x, dim: int = None, *, axis=None) -> Tensor:
    """A size-1 dim inserted at position ``dim`` of the result."""
    x = ensure_tensor(x)
    dim = dim_arg("unsqueeze", dim, axis)
    if dim is None:
        raise TypeError("unsqueeze: missing the dim, e.g. unsqueeze(x, 0)")
    (dim,) = normalize_axes("unsqueeze", dim, x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def broadcast_to(x, shape) -> Tensor:
    """``x`` repeated along new leading dims and size-1 dims to ``shape``."""
    x = ensure_tensor(x)
    shape = tuple(shape)
    if broadcast_shapes("broadcast_to", x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast {x.shape} to {shape}")
    return BroadcastTo.apply(x, shape=shape)


def expand(x, *sizes) -> Tensor:
    """:func:`broadcast_to` with PyTorch's -1 for "keep this dim's size"."""
    x = ensure_tensor(x)
    sizes = shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a tensor of {x.ndim} dims {x.shape}")
    return broadcast_to(x, tuple(x.shape[i - lead] if n == -1 and i >= lead else n
                                 for i, n in enumerate(sizes)))


def repeat(x, *repeats) -> Tensor:
    """``x`` tiled ``repeats[i]`` times along dim i (as ``torch.repeat``; extra leading
    repeats add dims): each dim of size s becomes a (repeat, s) pair, broadcast, merged."""
    x = ensure_tensor(x)
    repeats = shape_args(repeats)
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeats for a tensor of {x.ndim} dims; give "
                         "at least one per dim")
    shape = (1,) * (len(repeats) - x.ndim) + x.shape
    paired = reshape(x, [n for s in shape for n in (1, s)])
    tiled = broadcast_to(paired, [n for r, s in zip(repeats, shape) for n in (r, s)])
    return reshape(tiled, [r * s for r, s in zip(repeats, shape)])


def flip(x, dims=None, *, axis=None) -> Tensor:
    """The order of elements reversed along ``dims`` (all dims when None)."""
    x = ensure_tensor(x)
    return Flip.apply(x, axes=normalize_axes("flip", dim_arg("flip", dims, axis), x.ndim))


def _index_value(part):
    if isinstance(part, Tensor):
        if part.dtype.kind not in "iub":
            raise TypeError(f"index: a tensor used as an index must hold integers or bools, "
                            f"got {part.dtype}")
        part = part.array
    if isinstance(part, list):
        part = np.asarray(part)
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise TypeError(f"index: index arrays must be integer or boolean, got dtype {part.dtype}")
    return part


def _index_values(index):
    """An index with each tensor or list in it as the array NumPy indexes with."""
    return tuple(map(_index_value, index)) if isinstance(index, tuple) else _index_value(index)


def getitem(x, index) -> Tensor:
    """``x[index]`` with slices, integers, integer or boolean arrays or tensors.

    In the backward, elements selected more than once receive the sum of their gradients.
    """
    x = ensure_tensor(x)
    index = _index_values(index)
    try:
        np.empty(x.shape, np.bool_)[index]
    except IndexError as error:
        raise IndexError(f"index: {error} (indexing a tensor of shape {x.shape})") from None
    return GetItem.apply(x, index=index)


def setitem(x, index, value) -> None:
    """``x[index] = value``, in place under the rules of ``+=`` (no graph through ``x``)."""
    x._check_in_place(value)
    index = _index_values(index)
    x.array[index] = value.array if isinstance(value, Tensor) else value


def gather(x, dim: int, index) -> Tensor:
    """``y[i][j][k] = x[index[i][j][k]][j][k]`` for ``dim == 0`` (likewise for other dims),
    as ``torch.gather``: ``index`` has ``x``'s number of dims and is no larger than ``x``
    outside ``dim``; the result has ``index``'s shape."""
    x = ensure_tensor(x)
    index = np.asarray(_index_value(index))
    if index.dtype.kind not in "iu" or index.ndim != x.ndim:
        raise ValueError(f"gather: index must be an integer tensor with {x.ndim} dims like the "
                         f"input {x.shape}, got {index.dtype} of shape {index.shape}")
    (dim,) = normalize_axes("gather", dim, x.ndim)
    if any(i != dim and n > m for i, (n, m) in enumerate(zip(index.shape, x.shape))):
        raise ValueError(f"gather: index of shape {index.shape} is larger than the input "
                         f"{x.shape} outside dim {dim}")
    if index.size and x.ndim and not (-x.shape[dim] <= index.min() and index.max() < x.shape[dim]):
        raise IndexError(f"gather: index out of range for dim {dim} of size {x.shape[dim]}")
    where = list(np.ix_(*(np.arange(n) for n in index.shape)))
    where[dim] = index
    # NOTE: integer arrays on every axis: GetItem's backward sums repeated indices (add.at).
    return GetItem.apply(x, index=tuple(where))


def _check_same_shapes(op: str, tensors, axis: int | None):
    if not tensors:
        raise ValueError(f"{op}: expected at least one tensor")
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != first and (len(t.shape) != len(first) or any(
            a != b for d, (a, b) in enumerate(zip(t.shape, first)) if d != axis
        )):
            raise ValueError(
                f"{op}: tensor {i} has shape {t.shape}, which does not match tensor 0's "
                f"shape {first}" + ("" if axis is None else f" outside dim {axis}")
            )


def concatenate(tensors, dim: int | None = None, *, axis=None) -> Tensor:
    """Tensors joined along an existing dim (default 0; ``cat`` is the same function)."""
    tensors = [ensure_tensor(t) for t in tensors]
    if tensors and tensors[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    (dim,) = normalize_axes("concatenate", dim_arg("concatenate", dim, axis, default=0),
                            tensors[0].ndim if tensors else 1)
    _check_same_shapes("concatenate", tensors, dim)
    return Concatenate.apply(*tensors, axis=dim)


cat = concatenate


def stack(tensors, dim: int | None = None, *, axis=None) -> Tensor:
    """Tensors of one shape joined along a new dim (default 0)."""
    tensors = [ensure_tensor(t) for t in tensors]
    _check_same_shapes("stack", tensors, None)
    (dim,) = normalize_axes("stack", dim_arg("stack", dim, axis, default=0), tensors[0].ndim + 1)
    return Stack.apply(*tensors, axis=dim)


def unstack(x, dim: int | None = None, *, axis=None) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim`` (default 0), as one op (the inverse of ``stack``).

    A recurrent loop reads its input one time step at a time through this: one node for the
    whole sequence, whose backward stacks the steps' gradients in one pass.
    """
    x = ensure_tensor(x)
    (dim,) = normalize_axes("unstack", dim_arg("unstack", dim, axis, default=0), x.ndim)
    if x.shape[dim] == 0:
        raise ValueError(f"unstack: dim {dim} of {x.shape} is empty")
    return Unstack.apply(x, axis=dim)


def split(x, split_size_or_sections, dim: int | None = None, *, axis=None) -> tuple[Tensor, ...]:
    """Pieces along ``dim`` (default 0): of ``split_size_or_sections`` each (the last may be shorter),
    or of the listed sizes, which must add up to the dim's length (as ``torch.split``)."""
    x = ensure_tensor(x)
    (dim,) = normalize_axes("split", dim_arg("split", dim, axis, default=0), x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, length - s)
                 for s in range(0, length, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, dim {dim} has {length}")
    starts = np.cumsum([0] + sizes[:-1])
    prefix = (slice(None),) * dim
    return tuple(getitem(x, prefix + (slice(s, s + n),)) for s, n in zip(starts, sizes))


def chunk(x, chunks: int, dim: int | None = None, *, axis=None) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of ceil(length / chunks) each along ``dim`` (default 0; as
    ``torch.chunk``)."""
    x = ensure_tensor(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    (dim,) = normalize_axes("chunk", dim_arg("chunk", dim, axis, default=0), x.ndim)
    return split(x, max(1, -(-x.shape[dim] // chunks)), dim)


def unbind(x, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, that dim removed (as ``torch.unbind``; an empty
    dim gives an empty tuple)."""
    x = ensure_tensor(x)
    (dim,) = normalize_axes("unbind", dim, x.ndim)
    return () if x.shape[dim] == 0 else Unstack.apply(x, axis=dim)


def narrow(x, dim: int, start, length: int) -> Tensor:
    """Elements ``start`` to ``start + length - 1`` along ``dim`` (``start`` may be
    negative, or a 0-d integer tensor), as ``torch.narrow``."""
    x = ensure_tensor(x)
    (dim,) = normalize_axes("narrow", dim, x.ndim)
    size = x.shape[dim]
    start = int(_index_value(start))
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {size}")
    start = start + size if start < 0 else start
    if not 0 <= length <= size - start:
        raise ValueError(f"narrow: start {start} + length {length} exceeds dim {dim} of size "
                         f"{size}")
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))


def index_select(x, dim: int, index) -> Tensor:
    """The entries of ``x`` at the positions ``index`` (a 1-D or 0-d integer tensor) along
    ``dim``, as ``torch.index_select``; repeated positions receive the sum of their
    gradients."""
    x = ensure_tensor(x)
    index = np.asarray(_index_value(index))
    if index.dtype.kind not in "iu" or index.ndim > 1:
        raise ValueError(f"index_select: index must be a 1-D integer tensor, got "
                         f"{index.dtype} of shape {index.shape}")
    (dim,) = normalize_axes("index_select", dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    if index.size and not (0 <= index.min() and index.max() < size):
        raise IndexError(f"index_select: index out of range [0, {size}) for dim {dim}")
    index = index.reshape(-1).astype(np.int64)
    if x.ndim == 0:
        return reshape(getitem(reshape(x, 1), index), ())
    return getitem(x, index if dim == 0 else (slice(None),) * dim + (index,))


def masked_select(x, mask) -> Tensor:
    """The entries of ``x`` where the boolean ``mask`` is true, as a 1-D tensor; ``x`` and
    ``mask`` broadcast together (as ``torch.masked_select``)."""
    x = ensure_tensor(x)
    mask = np.asarray(_index_value(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a boolean tensor, got {mask.dtype}")
    shape = broadcast_shapes("masked_select", x.shape, mask.shape)
    if x.shape != shape:
        x = broadcast_to(x, shape)
    return getitem(x, np.broadcast_to(mask, shape))
