"""Gradient clipping matches its definition: one total norm, one common factor."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_rnn.optim import clip_grad_norm_, clip_grad_value_
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing.strategies import floats_arrays

grad_lists = st.lists(floats_arrays(min_dims=1, max_dims=2, min_value=-100, max_value=100),
                      min_size=1, max_size=4)
norm_types = st.sampled_from([1.0, 2.0, 3.0, math.inf])


def with_grads(grads):
    params = []
    for g in grads:
        p = Tensor(np.zeros_like(g))
        p.grad = g.copy()
        params.append(p)
    return params


def concatenated_norm(grads, norm_type):
    """The definition: the norm of all gradients joined into one vector."""
    flat = np.concatenate([np.ravel(g) for g in grads])
    return np.linalg.norm(flat, norm_type)


@given(grads=grad_lists, norm_type=norm_types, max_norm=st.floats(0.01, 100))
def test_clip_grad_norm_bounds_the_norm_and_keeps_the_direction(grads, norm_type, max_norm):
    params = with_grads(grads)
    total = clip_grad_norm_(params, max_norm, norm_type).item()
    expected_total = concatenated_norm(grads, norm_type)
    np.testing.assert_allclose(total, expected_total, rtol=1e-12)
    clipped = [p.grad for p in params]
    assert concatenated_norm(clipped, norm_type) <= max_norm * (1 + 1e-9)
    factor = min(1.0, max_norm / (expected_total + 1e-6))
    for g, c in zip(grads, clipped):
        np.testing.assert_allclose(c, g * factor, rtol=1e-12, atol=1e-300)


@given(grads=grad_lists, norm_type=norm_types)
def test_clip_grad_norm_leaves_small_gradients_unchanged(grads, norm_type):
    params = with_grads(grads)
    max_norm = 2 * concatenated_norm(grads, norm_type) + 1e-3
    clip_grad_norm_(params, max_norm, norm_type)
    for g, p in zip(grads, params):
        np.testing.assert_array_equal(p.grad, g)


def test_clip_grad_norm_by_hand():
    a, b = Tensor([0.0, 0.0]), Tensor([0.0])
    a.grad, b.grad = np.array([3.0, 0.0], np.float32), np.array([4.0], np.float32)
    assert clip_grad_norm_([a, b], max_norm=1.0).item() == pytest.approx(5.0)  # sqrt(9 + 16)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-6)
    assert a.grad.dtype == np.float32


def test_clip_grad_norm_takes_one_tensor_and_skips_none_grads():
    a, b = Tensor([0.0, 0.0]), Tensor([0.0])
    a.grad = np.array([6.0, 8.0], np.float32)
    assert clip_grad_norm_(a, 5.0).item() == pytest.approx(10.0)
    np.testing.assert_allclose(a.grad, [3.0, 4.0], rtol=1e-6)
    assert clip_grad_norm_([a, b], 5.0, norm_type="inf").item() == pytest.approx(4.0, rel=1e-6)
    assert b.grad is None
    assert clip_grad_norm_([b], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    a = Tensor([0.0, 0.0])
    a.grad = np.array([np.inf, 1.0], np.float32)
    with pytest.raises(RuntimeError, match="inf"):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad, [np.inf, 1.0])   # nothing changed before the error
    with np.errstate(invalid="ignore"):  # NOTE: the factor is 0, and 0 * inf is NaN
        assert clip_grad_norm_([a], 1.0).item() == math.inf
    np.testing.assert_array_equal(a.grad, [np.nan, 0.0])


def test_clip_grad_norm_bad_arguments():
    a = Tensor([0.0])
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_([a], 1.0, norm_type=0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([a], -1.0)
    with pytest.raises(TypeError, match="expected Tensors"):
        clip_grad_norm_([np.zeros(1)], 1.0)


@given(grads=grad_lists, clip_value=st.floats(0.0, 50))
def test_clip_grad_value_clamps_each_entry(grads, clip_value):
    params = with_grads(grads)
    clip_grad_value_(params, clip_value)
    for g, p in zip(grads, params):
        np.testing.assert_array_equal(p.grad, np.minimum(np.maximum(g, -clip_value), clip_value))


def test_clip_grad_value_single_tensor_none_grad_and_bad_value():
    a, b = Tensor([0.0, 0.0]), Tensor([0.0])
    a.grad = np.array([-3.0, 0.5], np.float32)
    clip_grad_value_(a, 1.0)
    np.testing.assert_array_equal(a.grad, [-1.0, 0.5])
    clip_grad_value_([b], 1.0)
    assert b.grad is None
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([a], -1.0)


def test_clip_grad_norm_returns_the_norm_as_a_0d_tensor_of_the_gradients_dtype():
    a = Tensor(np.zeros(2, np.float32), requires_grad=True)
    (a * Tensor(np.array([3.0, 4.0], np.float32))).sum().backward()
    total = clip_grad_norm_([a], 10.0)
    assert total.shape == () and total.dtype == np.float32 and total.item() == 5.0


@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
def test_the_norm_of_a_large_float32_gradient_is_taken_in_float64_blocks(norm_type):
    # NOTE: 2.5 blocks of NORM_BLOCK elements, whose float32 squares overflow (1e20² > 3.4e38):
    # the norm is taken block by block in float64, never from a float64 copy of the whole.
    from tinygrad_rnn.optim.clip import NORM_BLOCK

    g = np.random.default_rng(0).uniform(-1e20, 1e20, 5 * NORM_BLOCK // 2).astype(np.float32)
    total = clip_grad_norm_(with_grads([g]), 1.0, norm_type).item()
    expected = np.linalg.norm(g.astype(np.float64), norm_type)
    assert math.isfinite(total)
    np.testing.assert_allclose(total, expected, rtol=1e-6)
