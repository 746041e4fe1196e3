"""Ops that move values without changing them: reshape, permute, broadcast, flip, index,
concatenate. Each backward moves the gradient back the same way.

Primitives: reshape, permute, broadcast_to, flip, getitem, concatenate, unstack. Composed:
transpose, swapaxes, squeeze, unsqueeze, stack, split, chunk.
"""

import numpy as np

from ..function import Function
from ..kernels.scatter import scatter_add_rows
from ..tensor import Tensor, as_tensor
from ._common import broadcast_shapes, normalize_axes, unbroadcast


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.save_for_backward(x.shape)
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        (shape,) = ctx.saved_tensors
        return gy.reshape(shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, *, axes):
        ctx.save_for_backward(axes)
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, gy):
        (axes,) = ctx.saved_tensors
        return np.transpose(gy, np.argsort(axes))


class BroadcastTo(Function):
    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.save_for_backward(x.shape)
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        (shape,) = ctx.saved_tensors
        return unbroadcast(gy, shape)


class Flip(Function):
    @staticmethod
    def forward(ctx, x, *, axes):
        ctx.save_for_backward(axes)
        return np.flip(x, axes)

    @staticmethod
    def backward(ctx, gy):
        (axes,) = ctx.saved_tensors
        return np.flip(gy, axes)


def _is_basic(index) -> bool:
    """Whether ``index`` uses only ints, slices, None and Ellipsis (so selects no element twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, *, index):
        ctx.save_for_backward(x.shape, x.dtype, index)
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        shape, dtype, index = ctx.saved_tensors
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
            # NOTE: a row repeated in the index receives the sum of its gradients.
            return scatter_add_rows(index % shape[0], gy, shape)
        gx = np.zeros(shape, dtype)
        if _is_basic(index):
            gx[index] = gy
        else:
            np.add.at(gx, index, gy)
        return gx


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *xs, axis):
        ctx.save_for_backward(np.cumsum([x.shape[axis] for x in xs])[:-1], axis)
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        offsets, axis = ctx.saved_tensors
        return tuple(np.split(gy, offsets, axis=axis))


class Unstack(Function):
    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.save_for_backward(axis)
        return tuple(np.moveaxis(x, axis, 0))

    @staticmethod
    def backward(ctx, *gys):
        (axis,) = ctx.saved_tensors
        return np.stack(gys, axis=axis)


# ---------------------------------------------------------------- functional API

def reshape(x, *shape) -> Tensor:
    """The same values in a new shape (one entry may be -1, inferred)."""
    x = as_tensor(x)
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    try:
        target = np.empty(x.shape, dtype=np.bool_).reshape(shape).shape
    except (ValueError, TypeError):
        raise ValueError(
            f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}"
        ) from None
    return Reshape.apply(x, shape=target)


def permute(x, *axes) -> Tensor:
    """The axes of ``x`` reordered: axis i of the result is axis ``axes[i]`` of ``x``."""
    x = as_tensor(x)
    axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} axes of {x.shape}")
    return Permute.apply(x, axes=tuple(a % x.ndim for a in axes))


def transpose(x, axes=None) -> Tensor:
    """Axes reversed, or reordered by ``axes`` (as ``np.transpose``)."""
    x = as_tensor(x)
    return permute(x, tuple(range(x.ndim))[::-1] if axes is None else axes)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Axes ``axis1`` and ``axis2`` exchanged."""
    x = as_tensor(x)
    (a,), (b,) = normalize_axes("swapaxes", axis1, x.ndim), normalize_axes("swapaxes", axis2, x.ndim)
    axes = list(range(x.ndim))
    axes[a], axes[b] = b, a
    return permute(x, axes)


def squeeze(x, axis=None) -> Tensor:
    """Size-1 axes removed (all of them, or those in ``axis``, which must have size 1)."""
    x = as_tensor(x)
    axes = normalize_axes("squeeze", axis, x.ndim)
    if axis is None:
        axes = tuple(a for a in axes if x.shape[a] == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of {x.shape} has size {x.shape[a]}, not 1")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in axes))


def unsqueeze(x, axis: int) -> Tensor:
    """A size-1 axis inserted at position ``axis`` of the result."""
    x = as_tensor(x)
    (axis,) = normalize_axes("unsqueeze", axis, x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def broadcast_to(x, shape) -> Tensor:
    """``x`` repeated along new leading axes and size-1 axes to ``shape``."""
    x = as_tensor(x)
    shape = tuple(shape)
    if broadcast_shapes("broadcast_to", x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast {x.shape} to {shape}")
    return BroadcastTo.apply(x, shape=shape)


def flip(x, axis=None) -> Tensor:
    """The order of elements reversed along ``axis`` (all axes when None)."""
    x = as_tensor(x)
    return Flip.apply(x, axes=normalize_axes("flip", axis, x.ndim))


def _index_value(part):
    if isinstance(part, Tensor):
        raise TypeError("index: use an integer or boolean NumPy array as an index, not a Tensor")
    if isinstance(part, list):
        part = np.asarray(part)
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise TypeError(f"index: index arrays must be integer or boolean, got dtype {part.dtype}")
    return part


def getitem(x, index) -> Tensor:
    """``x[index]`` with slices, integers, integer arrays or boolean masks.

    In the backward, elements selected more than once receive the sum of their gradients.
    """
    x = as_tensor(x)
    index = tuple(map(_index_value, index)) if isinstance(index, tuple) else _index_value(index)
    try:
        np.empty(x.shape, np.bool_)[index]
    except IndexError as error:
        raise IndexError(f"index: {error} (indexing a tensor of shape {x.shape})") from None
    return GetItem.apply(x, index=index)


def _check_same_shapes(op: str, tensors, axis: int | None):
    if not tensors:
        raise ValueError(f"{op}: expected at least one tensor")
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if len(t.shape) != len(first) or any(
            a != b for d, (a, b) in enumerate(zip(t.shape, first)) if d != axis
        ):
            raise ValueError(
                f"{op}: tensor {i} has shape {t.shape}, which does not match tensor 0's "
                f"shape {first}" + ("" if axis is None else f" outside axis {axis}")
            )


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Tensors joined along an existing axis."""
    tensors = [as_tensor(t) for t in tensors]
    if tensors and tensors[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    (axis,) = normalize_axes("concatenate", axis, tensors[0].ndim if tensors else 1)
    _check_same_shapes("concatenate", tensors, axis)
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Tensors of one shape joined along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    _check_same_shapes("stack", tensors, None)
    return concatenate([unsqueeze(t, axis) for t in tensors], axis)


def unstack(x, axis: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``axis``, as one op (the inverse of ``stack``).

    A recurrent loop reads its input one time step at a time through this: one node for the
    whole sequence, whose backward stacks the steps' gradients in one pass.
    """
    x = as_tensor(x)
    (axis,) = normalize_axes("unstack", axis, x.ndim)
    if x.shape[axis] == 0:
        raise ValueError(f"unstack: axis {axis} of {x.shape} is empty")
    return Unstack.apply(x, axis=axis)


def split(x, split_size_or_sections, axis: int = 0) -> tuple[Tensor, ...]:
    """Pieces along ``axis``: of ``split_size_or_sections`` each (the last may be shorter),
    or of the listed sizes, which must add up to the axis length (as ``torch.split``)."""
    x = as_tensor(x)
    (axis,) = normalize_axes("split", axis, x.ndim)
    length = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, length - s)
                 for s in range(0, length, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, axis {axis} has {length}")
    starts = np.cumsum([0] + sizes[:-1])
    prefix = (slice(None),) * axis
    return tuple(getitem(x, prefix + (slice(s, s + n),)) for s, n in zip(starts, sizes))


def chunk(x, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of ceil(length / chunks) each along ``axis`` (as ``torch.chunk``)."""
    x = as_tensor(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    (axis,) = normalize_axes("chunk", axis, x.ndim)
    return split(x, max(1, -(-x.shape[axis] // chunks)), axis)
