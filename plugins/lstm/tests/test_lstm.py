"""The ``lstm`` plugin: LSTMCell and the LSTM layer (with and without projection) against a
plain-NumPy reference (float64), gradients against finite differences, and discovery
through the entry point."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import plugins
from tinygrad_rnn.nn.rnn import LSTM, LSTMCell as make_lstm_cell
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import parametrize_with_checks
from tinygrad_rnn.testing.reference import (LAYER_CASES, assert_layer_matches_reference,
                                            assert_step_matches_reference, parameters_of,
                                            sigmoid)
from tinygrad_rnn_lstm import LSTMCell

# ---------------------------------------------------------------- the NumPy reference


def reference_step(p, x, state):
    """One step of one sequence: x (I,), state (h, c); p maps names to arrays. Each gate
    reads its own block of rows, in the order i, f, g, o."""
    h, c = state
    H = c.size

    def pre_activation(k):
        rows = slice(k * H, (k + 1) * H)
        a = p["weight_ih"][rows] @ x + p["weight_hh"][rows] @ h
        if "bias_ih" in p:
            a = a + p["bias_ih"][rows] + p["bias_hh"][rows]
        return a

    i, f = sigmoid(pre_activation(0)), sigmoid(pre_activation(1))
    g, o = np.tanh(pre_activation(2)), sigmoid(pre_activation(3))
    c = f * c + i * g
    h = o * np.tanh(c)
    if "weight_hr" in p:
        h = p["weight_hr"] @ h
    return h, (h, c)





# ---------------------------------------------------------------- the cell

@settings(deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(2, 5), st.booleans(), st.data(),
       st.integers(0, 2**32 - 1))
def test_step_matches_reference(N, I, H, bias, data, seed):
    P = data.draw(st.integers(0, H - 1), label="proj_size")
    cell = LSTMCell(I, H, bias=bias, dtype=np.float64, proj_size=P)
    output, (h_new, c_new) = assert_step_matches_reference(cell, reference_step, N, seed)
    assert output is h_new


def test_gate_order_is_i_f_g_o():
    # Zero weights; biases that saturate i to 0, f to 1 and o to 1: then c' = c, h' = tanh(c).
    cell = LSTMCell(2, 3, dtype=np.float64)
    for parameter in cell.parameters():
        parameter.array[...] = 0.0
    cell.bias_ih.array[:] = np.repeat([-50.0, 50.0, 0.0, 50.0], 3)
    c = np.array([[0.3, -1.2, 2.0]])
    h, c_new = cell(Tensor(np.ones((1, 2))), (Tensor(np.zeros((1, 3))), Tensor(c)))
    np.testing.assert_allclose(c_new.array, c, atol=1e-15)
    np.testing.assert_allclose(h.array, np.tanh(c), atol=1e-15)


def test_single_step_api_batched_unbatched_and_default_state():
    rng = np.random.default_rng(1)
    cell = make_lstm_cell(3, 4, dtype=np.float64)
    assert type(cell) is LSTMCell
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    p = parameters_of(cell)
    h_new, c_new = cell(Tensor(x), (Tensor(h), Tensor(c)))
    expected = [reference_step(p, x[n], (h[n], c[n]))[1] for n in range(2)]
    np.testing.assert_allclose(h_new.array, [e[0] for e in expected])
    np.testing.assert_allclose(c_new.array, [e[1] for e in expected])
    h_new, c_new = cell(Tensor(x[0]))
    h_expected, c_expected = reference_step(p, x[0], (np.zeros(4), np.zeros(4)))[1]
    np.testing.assert_allclose(h_new.array, h_expected)
    np.testing.assert_allclose(c_new.array, c_expected)


def test_parameters_have_pytorch_names_shapes_and_order():
    cell = LSTMCell(3, 5)
    assert [(name, p.shape) for name, p in cell.named_parameters()] == [
        ("weight_ih", (20, 3)), ("weight_hh", (20, 5)), ("bias_ih", (20,)), ("bias_hh", (20,))]
    projected = LSTMCell(3, 5, proj_size=2)
    assert [(name, p.shape) for name, p in projected.named_parameters()] == [
        ("weight_ih", (20, 3)), ("weight_hh", (20, 2)), ("bias_ih", (20,)), ("bias_hh", (20,)),
        ("weight_hr", (2, 5))]
    assert [name for name, _ in LSTMCell(3, 5, bias=False, proj_size=2).named_parameters()] == [
        "weight_ih", "weight_hh", "weight_hr"]
    assert cell.state_names == ("h", "c")
    assert (cell.state_sizes, cell.output_size) == ((5, 5), 5)
    assert (projected.state_sizes, projected.output_size) == ((2, 5), 2)
    assert "proj_size=2" in repr(projected) and "proj_size" not in repr(cell)


@pytest.mark.parametrize("proj_size", [-1, 5, 7, 1.5])
def test_a_bad_proj_size_is_a_clear_error(proj_size):
    message = r"proj_size must be an int with 0 <= proj_size < hidden_size \(5\)"
    with pytest.raises(ValueError, match=message):
        LSTMCell(3, 5, proj_size=proj_size)


def test_layer_state_dict_names_with_projection():
    layer = LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    names = [name for name, _ in layer.named_parameters()]
    assert names[:10] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
        "bias_hh_l0_reverse", "weight_hr_l0_reverse"]
    assert layer.weight_ih_l1.shape == (20, 4)  # layer 1 reads both directions' projected h


# ---------------------------------------------------------------- the layer

@pytest.mark.parametrize("proj_size", [0, 2])
@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_matches_reference(case, proj_size):
    assert_layer_matches_reference(
        lambda **settings: LSTM(3, 5, proj_size=proj_size, dtype=np.float64, **settings),
        reference_step, case)


# ---------------------------------------------------------------- discovery

def test_found_through_the_entry_point():
    assert plugins.get("tinygrad-rnn-lstm:lstm") is LSTMCell


# ---------------------------------------------------------------- conformance

# Every check of the kit, each its own test, with these options and with bias=False too; its
# gradients and sequence checks cover the gradients of both paths.
@parametrize_with_checks([LSTMCell, (LSTMCell, {"proj_size": 2})])
def test_passes_the_conformance_kit(cell, check):
    check(cell)
