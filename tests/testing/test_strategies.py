"""Each strategy keeps the promise its docstring makes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import strategies as tst

SETTINGS = settings(deadline=None)


# ---------------------------------------------------------------- arrays and tensors

@SETTINGS
@given(tst.floats_arrays())
def test_floats_arrays_are_finite_bounded_float64_within_default_shapes(a):
    assert a.dtype == np.float64
    assert 0 <= a.ndim <= 3 and all(1 <= side <= 4 for side in a.shape)
    assert np.all(np.isfinite(a)) and np.all(np.abs(a) <= 10)


@SETTINGS
@given(tst.floats_arrays((2, 3), dtype=np.float32, min_value=-0.1, max_value=0.3))
def test_floats_arrays_keep_dtype_shape_and_bounds(a):
    assert a.dtype == np.float32 and a.shape == (2, 3)
    assert np.all(a.astype(np.float64) >= -0.1) and np.all(a.astype(np.float64) <= 0.3)


@SETTINGS
@given(st.data(), st.sampled_from([np.float32, np.float64]))
def test_floats_arrays_keep_margin_away_from_points(data, dtype):
    points, margin = [0.0, 1.0, -2.5], 0.1
    a = data.draw(tst.floats_arrays(dtype=dtype, min_value=-3, max_value=3, away_from=points,
                                    margin=margin))
    for p in points:
        assert np.all(np.abs(a.astype(np.float64) - p) >= margin)


def test_floats_arrays_reject_an_empty_range():
    with pytest.raises(ValueError, match="away from"):
        tst.floats_arrays(min_value=-1, max_value=1, away_from=[0.0], margin=2.0)


@SETTINGS
@given(tst.tensors(shape=(3,), min_value=-1, max_value=1))
def test_tensors_wrap_arrays_requiring_grad(t):
    assert isinstance(t, Tensor) and t.requires_grad
    assert t.shape == (3,) and t.dtype == np.float64 and np.all(np.abs(t.array) <= 1)


@SETTINGS
@given(tst.tensors(dtype=np.float32, requires_grad=False))
def test_tensors_follow_dtype_and_requires_grad(t):
    assert t.dtype == np.float32 and not t.requires_grad


# ---------------------------------------------------------------- shapes

@SETTINGS
@given(tst.shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
def test_shapes_respect_bounds(shape):
    assert len(shape) in (1, 2) and all(2 <= side <= 3 for side in shape)


@SETTINGS
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), tst.broadcastable_shapes(n))))
def test_broadcastable_shapes_broadcast_together(drawn):
    num_shapes, shapes = drawn
    assert isinstance(shapes, tuple) and len(shapes) == num_shapes
    np.broadcast_shapes(*shapes)


@SETTINGS
@given(tst.matmul_shapes())
def test_matmul_shapes_work_with_np_matmul(pair):
    a_shape, b_shape = pair
    np.matmul(np.zeros(a_shape), np.zeros(b_shape))


def test_matmul_shapes_cover_every_kind():
    kinds = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(tst.matmul_shapes())
    def collect(pair):
        a_shape, b_shape = pair
        kinds.add((min(len(a_shape), 3), min(len(b_shape), 3)))

    collect()
    assert {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3)} <= kinds


@SETTINGS
@given(tst.shapes().flatmap(lambda shape: st.tuples(st.just(shape), tst.valid_axes(len(shape)))))
def test_valid_axes_work_with_np_sum(drawn):
    shape, axis = drawn
    assert axis is None or isinstance(axis, (int, tuple))
    if isinstance(axis, tuple):
        assert len({a % len(shape) for a in axis}) == len(axis)
    np.zeros(shape).sum(axis=axis)


# ---------------------------------------------------------------- indices

@SETTINGS
@given(tst.shapes().flatmap(
    lambda shape: st.tuples(st.just(shape), tst.index_expressions(shape))))
def test_index_expressions_are_valid(drawn):
    shape, index = drawn
    np.zeros(shape)[index]


def test_index_expressions_cover_arrays_with_repeats_and_masks():
    seen = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(tst.index_expressions((4, 3)))
    def collect(index):
        parts = index if isinstance(index, tuple) else (index,)
        for part in parts:
            if isinstance(part, np.ndarray) and part.dtype == np.bool_:
                seen.add("mask")
            elif isinstance(part, np.ndarray):
                seen.add("array")
                if len(np.unique(part % 4)) < part.size:
                    seen.add("repeats")
            elif isinstance(part, slice) and part.step is not None and part.step < 0:
                seen.add("negative step")

    collect()
    assert {"mask", "array", "repeats", "negative step"} <= seen


# ---------------------------------------------------------------- sequences

@SETTINGS
@given(tst.padded_sequences())
def test_padded_sequences_are_zero_past_each_length(drawn):
    x, lengths = drawn
    time, batch, _ = x.shape
    assert x.dtype == np.float64 and 1 <= time <= 6 and 1 <= batch <= 4
    assert lengths.shape == (batch,) and np.issubdtype(lengths.dtype, np.integer)
    assert lengths.min() >= 1 and lengths.max() == time
    for n, length in enumerate(lengths):
        assert np.all(x[length:, n] == 0)
        assert not np.signbit(x[length:, n]).any()


@SETTINGS
@given(tst.padded_sequences(max_time=3, max_batch=2, input_size=5, dtype=np.float32))
def test_padded_sequences_follow_input_size_and_dtype(drawn):
    x, lengths = drawn
    assert x.shape[2] == 5 and x.dtype == np.float32 and x.shape[0] <= 3 and x.shape[1] <= 2
