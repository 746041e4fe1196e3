"""The ``rnn`` plugin: ElmanCell and the RNN layer against a plain-NumPy reference (float64),
gradients against finite differences, and discovery through the entry point."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import plugins
from tinygrad_rnn.nn.recurrent import Recurrent
from tinygrad_rnn.nn.rnn import RNN, RNNCell
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import parametrize_with_checks
from tinygrad_rnn.testing.reference import (LAYER_CASES, assert_layer_matches_reference,
                                            assert_step_matches_reference, parameters_of)
from tinygrad_rnn_rnn import ElmanCell

# ---------------------------------------------------------------- the NumPy reference

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}


def reference_step(p, x, state, nonlinearity="tanh"):
    """One step of one sequence: x (I,), state (h,) with h (H,); p maps names to arrays."""
    (h,) = state
    a = p["weight_ih"] @ x + p["weight_hh"] @ h
    if "bias_ih" in p:
        a = a + p["bias_ih"] + p["bias_hh"]
    h = ACTIVATIONS[nonlinearity](a)
    return h, (h,)


# ---------------------------------------------------------------- the cell

@settings(deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.booleans(),
       st.sampled_from(sorted(ACTIVATIONS)), st.integers(0, 2**32 - 1))
def test_step_matches_reference(N, I, H, bias, nonlinearity, seed):
    cell = ElmanCell(I, H, bias=bias, dtype=np.float64, nonlinearity=nonlinearity)
    output, (h_new,) = assert_step_matches_reference(
        cell, lambda p, x, s: reference_step(p, x, s, nonlinearity), N, seed)
    assert h_new is output


def test_single_step_api_batched_unbatched_and_default_state():
    rng = np.random.default_rng(1)
    cell = RNNCell(3, 4, nonlinearity="relu", dtype=np.float64)
    assert type(cell) is ElmanCell and cell.nonlinearity == "relu"
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    p = parameters_of(cell)
    np.testing.assert_allclose(cell(Tensor(x), Tensor(h)).array,
                               [reference_step(p, x[n], (h[n],), "relu")[0] for n in range(2)])
    np.testing.assert_allclose(cell(Tensor(x[0]), Tensor(h[0])).array,
                               reference_step(p, x[0], (h[0],), "relu")[0])
    np.testing.assert_allclose(cell(Tensor(x[0])).array,
                               reference_step(p, x[0], (np.zeros(4),), "relu")[0])


def test_parameters_have_pytorch_names_shapes_and_order():
    cell = ElmanCell(3, 5)
    assert [(name, p.shape) for name, p in cell.named_parameters()] == [
        ("weight_ih", (5, 3)), ("weight_hh", (5, 5)), ("bias_ih", (5,)), ("bias_hh", (5,))]
    assert [name for name, _ in ElmanCell(3, 5, bias=False).named_parameters()] == [
        "weight_ih", "weight_hh"]
    assert cell.state_names == ("h",) and cell.state_sizes == (5,) and cell.output_size == 5


def test_an_unknown_nonlinearity_is_a_clear_error():
    with pytest.raises(ValueError, match=r"nonlinearity 'sigmoid'.*'tanh', 'relu'"):
        ElmanCell(3, 4, nonlinearity="sigmoid")


def test_repr_names_a_relu_cell():
    assert "nonlinearity='relu'" in repr(ElmanCell(2, 3, nonlinearity="relu"))
    assert "nonlinearity" not in repr(ElmanCell(2, 3))


# ---------------------------------------------------------------- the layer

@pytest.mark.parametrize("nonlinearity", sorted(ACTIVATIONS))
@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_matches_reference(case, nonlinearity):
    assert_layer_matches_reference(
        lambda **settings: RNN(3, 5, nonlinearity=nonlinearity, dtype=np.float64, **settings),
        lambda p, x, s: reference_step(p, x, s, nonlinearity), case)


def test_layer_by_registered_name_is_the_plugin_cell():
    layer = Recurrent("rnn", 2, 3, num_layers=2, bidirectional=True)
    assert all(type(cell) is ElmanCell for cell in layer.cells) and len(layer.cells) == 4


# ---------------------------------------------------------------- discovery

def test_found_through_the_entry_point():
    assert plugins.get("tinygrad-rnn-rnn:rnn") is ElmanCell


# ---------------------------------------------------------------- conformance

# Every check of the kit, each its own test, with these options and with bias=False too; its
# gradients and sequence checks cover the gradients of both paths.
@parametrize_with_checks([ElmanCell, (ElmanCell, {"nonlinearity": "relu"})])
def test_passes_the_conformance_kit(cell, check):
    check(cell)
