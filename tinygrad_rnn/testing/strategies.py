"""Hypothesis strategies for arrays, tensors, shapes, axes, indices and padded sequences.

Every function returns a ``SearchStrategy``; each states the property its values promise,
and ``tests/testing/test_strategies.py`` checks those promises. Built on
:mod:`hypothesis.extra.numpy`; import this module only where Hypothesis is installed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


# ---------------------------------------------------------------- shapes

def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes: tuples of ``min_dims`` to ``max_dims`` sides in ``[min_side, max_side]``."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         min_side: int = 1, max_side: int = 4):
    """Tuples of ``num_shapes`` shapes that broadcast together (``np.broadcast_shapes``).

    The shapes may differ in length and contain size-1 sides that stretch.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    ).map(lambda drawn: drawn.input_shapes)


@st.composite
def matmul_shapes(draw, max_batch_dims: int = 2, max_side: int = 4):
    """Pairs ``(a_shape, b_shape)`` valid for ``a @ b``.

    Either side is a vector ``(k,)`` or a stack of matrices ``batch + (n, k)`` and
    ``batch + (k, m)``, so 1-D·1-D, 1-D·2-D, 2-D·1-D, 2-D·2-D and batched products all
    appear; the two batch shapes (up to ``max_batch_dims`` long) broadcast together.
    """
    side = st.integers(1, max_side)
    n, k, m = draw(side), draw(side), draw(side)
    batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=max_batch_dims, max_side=max_side))
    a_shape = (k,) if draw(st.booleans()) else batch_a + (n, k)
    b_shape = (k,) if draw(st.booleans()) else batch_b + (k, m)
    return a_shape, b_shape


def valid_axes(ndim: int):
    """An ``axis`` argument valid for an array of ``ndim`` dimensions.

    ``None``, an int in ``[-ndim, ndim)``, or a tuple of distinct axes (negative ones too,
    in any order, possibly empty: ``()`` reduces nothing).
    """
    choices = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim > 0:
        choices.insert(1, st.integers(-ndim, ndim - 1))
    return st.one_of(*choices)


# ---------------------------------------------------------------- arrays and tensors

def _inward(value: float, dtype, direction: float) -> float:
    """``value`` as the nearest number of ``dtype`` on the ``direction`` side of it."""
    rounded = dtype.type(value)
    if (float(rounded) - value) * direction < 0:   # compare in float64, not in dtype
        rounded = np.nextafter(rounded, dtype.type(direction * np.inf))
    return float(rounded)


def _allowed_intervals(low: float, high: float, away_from, margin: float):
    """``[low, high]`` with the open interval ``(p - margin, p + margin)`` cut around each p."""
    intervals = [(low, high)]
    for point in away_from:
        cut_low, cut_high = point - margin, point + margin
        kept = []
        for lo, hi in intervals:
            if cut_high <= lo or cut_low >= hi or margin == 0:
                kept.append((lo, hi))
                continue
            if lo <= cut_low:
                kept.append((lo, cut_low))
            if cut_high <= hi:
                kept.append((cut_high, hi))
        intervals = kept
    return intervals


def floats_arrays(shape=None, dtype=np.float64, min_value: float = -10, max_value: float = 10,
                  min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4,
                  away_from=None, margin: float = 0.0):
    """Arrays of finite floats in ``[min_value, max_value]``.

    Args:
        shape: a shape, or a strategy for one; ``None`` draws one from :func:`shapes` with
            ``min_dims``, ``max_dims``, ``min_side`` and ``max_side``.
        dtype: ``float64`` or ``float32``.
        min_value, max_value: bounds on every element.
        away_from: points (e.g. ``[0.0]`` for ``abs`` or ``relu``) that every element keeps
            at least ``margin`` away from, so that a finite difference of step below
            ``margin`` does not straddle a kink.
        margin: the distance kept from each point of ``away_from``.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"floats_arrays: dtype must be float32 or float64, got {dtype}")
    if shape is None:
        shape = shapes(min_dims, max_dims, min_side, max_side)
    points = [float(p) for p in (away_from or ())]
    intervals = [
        (_inward(lo, dtype, +1), _inward(hi, dtype, -1))
        for lo, hi in _allowed_intervals(float(min_value), float(max_value), points, float(margin))
    ]
    intervals = [(lo, hi) for lo, hi in intervals if lo <= hi]
    if not intervals:
        raise ValueError(
            f"floats_arrays: no number in [{min_value}, {max_value}] is {margin} away from {points}"
        )
    elements = st.one_of(*(
        st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                  width=dtype.itemsize * 8)
        for lo, hi in intervals
    ))
    if points and margin > 0:
        # NOTE: the interval ends are rounded to dtype; this filter guards the margin exactly.
        elements = elements.filter(lambda x: all(abs(x - p) >= margin for p in points))
    return hnp.arrays(dtype, shape, elements=elements)


def tensors(shape=None, dtype=np.float64, min_value: float = -10, max_value: float = 10,
            min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4,
            away_from=None, margin: float = 0.0, requires_grad: bool = True):
    """Tensors holding the arrays of :func:`floats_arrays` (same arguments)."""
    from ..tensor import Tensor

    arrays = floats_arrays(shape, dtype, min_value, max_value, min_dims, max_dims, min_side,
                           max_side, away_from, margin)
    return arrays.map(lambda a: Tensor(a, requires_grad=requires_grad))


# ---------------------------------------------------------------- indices

@st.composite
def _integer_array_index(draw, shape):
    """An integer array (repeats likely) on one axis, full slices on the axes before it."""
    axis = draw(st.sampled_from([i for i, side in enumerate(shape) if side > 0]))
    side = shape[axis]
    index = draw(hnp.arrays(np.intp, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                            elements=st.integers(-side, side - 1)))
    return index if axis == 0 else (slice(None),) * axis + (index,)


@st.composite
def _boolean_mask(draw, shape):
    """A boolean mask over the leading ``d`` axes (``d`` >= 1), the whole shape included."""
    leading = draw(st.integers(1, len(shape)))
    return draw(hnp.arrays(np.bool_, shape[:leading]))


def index_expressions(shape):
    """Index expressions valid for an array of ``shape``.

    Basic indices (ints, negative ones too, slices with any step, ``...``), an integer
    array on one axis (with repeated entries), or a boolean mask over the leading axes.
    """
    shape = tuple(shape)
    choices = [hnp.basic_indices(shape, allow_ellipsis=True)]
    if any(side > 0 for side in shape):
        choices.append(_integer_array_index(shape))
    if shape:
        choices.append(_boolean_mask(shape))
    return st.one_of(*choices)


# ---------------------------------------------------------------- sequences

@st.composite
def padded_sequences(draw, max_time: int = 6, max_batch: int = 4, input_size=None,
                     dtype=np.float64, min_value: float = -10, max_value: float = 10,
                     away_from=None, margin: float = 0.0):
    """A padded batch of sequences ``(x, lengths)``, time first.

    ``x`` has shape ``(T, N, I)``; ``lengths`` holds ``N`` ints in ``[1, T]``, in any order,
    and its maximum is ``T``. ``x[t, n]`` is zero for every ``t >= lengths[n]``. ``I`` is
    ``input_size``, or drawn from 1 to 4 when it is None. ``away_from`` and ``margin`` keep
    the values before each length away from points, as in :func:`floats_arrays`.

    where:
        T: the number of time steps, 1 to ``max_time``.
        N: the batch size, 1 to ``max_batch``.
    """
    time = draw(st.integers(1, max_time))
    batch = draw(st.integers(1, max_batch))
    size = input_size if input_size is not None else draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(1, time), min_size=batch, max_size=batch))
    lengths[draw(st.integers(0, batch - 1))] = time
    lengths = np.array(lengths, dtype=np.int64)
    x = draw(floats_arrays((time, batch, size), dtype, min_value, max_value,
                           away_from=away_from, margin=margin))
    x[np.arange(time)[:, None] >= lengths[None, :]] = 0
    return x, lengths
