"""The ``gru`` plugin: GRUCell (reset after and before) and the GRU layer against a plain-NumPy
reference (float64), gradients against finite differences, and discovery through the entry
point."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import plugins
from tinygrad_rnn.nn.recurrent import Recurrent
from tinygrad_rnn.nn.rnn import GRU, GRUCell as make_gru_cell
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import parametrize_with_checks
from tinygrad_rnn.testing.reference import (LAYER_CASES, assert_layer_matches_reference,
                                            assert_step_matches_reference, parameters_of,
                                            sigmoid)
from tinygrad_rnn_gru import GRUCell

RESETS = ["after", "before"]

# ---------------------------------------------------------------- the NumPy reference


def reference_step(p, x, state, reset="after"):
    """One step of one sequence: x (I,), state (h,); p maps names to arrays. Each gate reads
    its own block of rows, in the order r, z, n."""
    (h,) = state
    H = h.size
    W_ir, W_iz, W_in = (p["weight_ih"][k * H:(k + 1) * H] for k in range(3))
    W_hr, W_hz, W_hn = (p["weight_hh"][k * H:(k + 1) * H] for k in range(3))
    zeros = np.zeros(3 * H)
    b_ir, b_iz, b_in = (p.get("bias_ih", zeros)[k * H:(k + 1) * H] for k in range(3))
    b_hr, b_hz, b_hn = (p.get("bias_hh", zeros)[k * H:(k + 1) * H] for k in range(3))
    r = sigmoid(W_ir @ x + b_ir + W_hr @ h + b_hr)
    z = sigmoid(W_iz @ x + b_iz + W_hz @ h + b_hz)
    if reset == "after":
        n = np.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
    else:
        n = np.tanh(W_in @ x + b_in + W_hn @ (r * h) + b_hn)
    h = (1 - z) * n + z * h
    return h, (h,)


# ---------------------------------------------------------------- the cell

@settings(deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.booleans(),
       st.sampled_from(RESETS), st.integers(0, 2**32 - 1))
def test_step_matches_reference(N, I, H, bias, reset, seed):
    cell = GRUCell(I, H, bias=bias, dtype=np.float64, reset=reset)
    output, (h_new,) = assert_step_matches_reference(
        cell, lambda p, x, s: reference_step(p, x, s, reset), N, seed)
    assert h_new is output


@pytest.mark.parametrize("reset", RESETS)
def test_gate_order_is_r_z_n(reset):
    rng = np.random.default_rng(4)
    cell = GRUCell(2, 3, dtype=np.float64, reset=reset)
    h = rng.standard_normal((1, 3))
    x = Tensor(rng.standard_normal((1, 2)))
    # z saturated at 1 (its rows are the second block): h' = h whatever r and n are.
    cell.bias_ih.array[:] = np.repeat([0.0, 50.0, 0.0], 3)
    np.testing.assert_allclose(cell(x, Tensor(h)).array, h, atol=1e-15)
    # z at 0 and r at 0 (first block), zero b_hn: n, and so h', no longer depend on h.
    cell.bias_ih.array[:] = np.repeat([-50.0, -50.0, 0.0], 3)
    cell.bias_hh.array[6:] = 0.0
    np.testing.assert_allclose(cell(x, Tensor(h)).array, cell(x, Tensor(-3 * h)).array, atol=1e-15)


def test_reset_after_and_before_differ_only_in_where_r_acts():
    rng = np.random.default_rng(5)
    after = GRUCell(3, 4, dtype=np.float64)
    before = GRUCell(3, 4, dtype=np.float64, reset="before")
    before.load_state_dict(after.state_dict())
    x, h = Tensor(rng.standard_normal((2, 3))), Tensor(rng.standard_normal((2, 4)))
    assert not np.allclose(after(x, h).array, before(x, h).array)
    # With r held at 1 (and no b_hn to reset) the two forms coincide.
    for cell in (after, before):
        cell.bias_ih.array[:4] = 50.0
        cell.bias_hh.array[8:] = 0.0
    np.testing.assert_allclose(after(x, h).array, before(x, h).array, rtol=1e-12)


def test_single_step_api_batched_unbatched_and_default_state():
    rng = np.random.default_rng(1)
    cell = make_gru_cell(3, 4, dtype=np.float64)
    assert type(cell) is GRUCell and cell.reset == "after"
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    p = parameters_of(cell)
    np.testing.assert_allclose(cell(Tensor(x), Tensor(h)).array,
                               [reference_step(p, x[n], (h[n],))[0] for n in range(2)])
    np.testing.assert_allclose(cell(Tensor(x[0]), Tensor(h[0])).array,
                               reference_step(p, x[0], (h[0],))[0])
    np.testing.assert_allclose(cell(Tensor(x[0])).array, reference_step(p, x[0], (np.zeros(4),))[0])


def test_parameters_have_pytorch_names_shapes_and_order():
    for reset in RESETS:
        cell = GRUCell(3, 5, reset=reset)
        assert [(name, p.shape) for name, p in cell.named_parameters()] == [
            ("weight_ih", (15, 3)), ("weight_hh", (15, 5)), ("bias_ih", (15,)), ("bias_hh", (15,))]
    assert [name for name, _ in GRUCell(3, 5, bias=False).named_parameters()] == [
        "weight_ih", "weight_hh"]
    assert GRUCell(3, 5).state_names == ("h",)
    assert "reset='before'" in repr(GRUCell(3, 5, reset="before"))
    assert "reset" not in repr(GRUCell(3, 5))


def test_an_unknown_reset_is_a_clear_error():
    with pytest.raises(ValueError, match=r"reset 'middle'.*'after', 'before'"):
        GRUCell(3, 4, reset="middle")


# ---------------------------------------------------------------- the layer

def gru_layer(reset, **settings):
    if reset == "after":
        return GRU(3, 5, dtype=np.float64, **settings)
    return Recurrent("gru", 3, 5, dtype=np.float64, reset=reset, **settings)


@pytest.mark.parametrize("reset", RESETS)
@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_matches_reference(case, reset):
    assert_layer_matches_reference(lambda **settings: gru_layer(reset, **settings),
                                   lambda p, x, s: reference_step(p, x, s, reset), case)


# ---------------------------------------------------------------- discovery

def test_found_through_the_entry_point():
    assert plugins.get("tinygrad-rnn-gru:gru") is GRUCell


# ---------------------------------------------------------------- conformance

# Every check of the kit, each its own test, with these options and with bias=False too; its
# gradients and sequence checks cover the gradients of both paths.
@parametrize_with_checks([GRUCell, (GRUCell, {"reset": "before"})])
def test_passes_the_conformance_kit(cell, check):
    check(cell)
