"""The fused kernels' workspace: arrays are reused only when given back, never one that
reached the user, and reuse changes no result."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn import workspace


@pytest.fixture(autouse=True)
def empty_workspace(monkeypatch):
    monkeypatch.setattr(workspace, "MIN_BYTES", 0)   # the small arrays below count too
    workspace.empty_cache()
    yield
    workspace.empty_cache()


def test_a_released_array_is_lent_again_for_the_same_shape_and_dtype():
    first = workspace.empty((3, 4), np.float32)
    workspace.release(first)
    assert workspace.kept_bytes() == first.nbytes
    assert workspace.empty((3, 4), np.float64) is not first
    assert workspace.empty((4, 3), np.float32) is not first
    assert workspace.empty((3, 4), np.float32) is first
    assert workspace.kept_bytes() == 0


def test_arrays_under_min_bytes_are_plain_and_never_kept(monkeypatch):
    monkeypatch.setattr(workspace, "MIN_BYTES", 64)
    small = workspace.empty((15,), np.float32)
    workspace.release(small)
    assert workspace.kept_bytes() == 0
    large = workspace.empty((16,), np.float32)
    workspace.release(large)
    assert workspace.kept_bytes() == 64


def test_only_arrays_it_lent_are_taken_back_and_each_once():
    lent = workspace.empty((8,), np.float32)
    users = np.zeros(8, np.float32)
    workspace.release(users, lent[2:], lent.reshape(2, 4), None, lent, lent)
    assert workspace.kept_bytes() == lent.nbytes
    assert workspace.empty((8,), np.float32) is lent
    assert workspace.empty((8,), np.float32) is not users


def test_it_keeps_no_more_than_max_bytes(monkeypatch):
    monkeypatch.setattr(workspace, "MAX_BYTES", 100)
    small, large = workspace.empty((20,), np.float32), workspace.empty((30,), np.float32)
    workspace.release(small, large)
    assert workspace.kept_bytes() == small.nbytes


def test_empty_cache_frees_everything():
    workspace.release(workspace.empty((5,), np.float64))
    workspace.empty_cache()
    assert workspace.kept_bytes() == 0


def _step(layer, x, w):
    """Forward and backward; return (output, dx, every parameter's gradient) as copies."""
    layer.zero_grad()
    x.zero_grad()
    output, _ = layer(x)
    (output * w).sum().backward()
    return output, x.grad.data.copy(), [p.grad.data.copy() for p in layer.parameters()]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_training_steps_reuse_the_workspace_without_touching_what_the_user_holds(cell):
    rng = np.random.default_rng(0)
    layer = tg.nn.Recurrent(cell, 3, 4, dtype=np.float64)
    x = tg.Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    w = tg.Tensor(rng.standard_normal((6, 2, 4)))
    output, dx, grads = _step(layer, x, w)
    held = output.data.copy()
    assert workspace.kept_bytes() > 0
    other = tg.Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    _step(layer, other, w)
    again, dx_again, grads_again = _step(layer, x, w)
    np.testing.assert_array_equal(output.data, held)        # the first output is untouched
    np.testing.assert_array_equal(again.data, held)         # and reuse gives the same results
    np.testing.assert_array_equal(dx_again, dx)
    for g, g_again in zip(grads, grads_again):
        np.testing.assert_array_equal(g_again, g)


def test_a_retained_graph_keeps_its_saved_arrays_for_the_second_backward():
    rng = np.random.default_rng(1)
    layer = tg.nn.LSTM(3, 4, dtype=np.float64)
    x = tg.Tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    output, _ = layer(x)
    loss = output.sum()
    loss.backward(retain_graph=True)
    once = x.grad.data.copy()
    layer(tg.Tensor(rng.standard_normal((5, 2, 3))))[0].sum().backward()   # draws scratch
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * once, rtol=1e-12)


def test_a_forward_without_a_graph_gives_its_saved_arrays_back_at_once():
    layer = tg.nn.GRU(3, 4)
    with tg.no_grad():
        layer(tg.zeros(5, 2, 3))
    assert workspace.kept_bytes() > 0
