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
from tinygrad_rnn.testing import gradcheck
from tinygrad_rnn.testing.cells import check_cell
from tinygrad_rnn.testing.reference import parameters_of, reference_layer, sigmoid
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
    rng = np.random.default_rng(seed)
    cell = GRUCell(I, H, bias=bias, dtype=np.float64, reset=reset)
    x, h = rng.standard_normal((N, I)), rng.standard_normal((N, H))
    output, (h_new,) = cell.step(Tensor(x), (Tensor(h),))
    p = parameters_of(cell)
    expected = np.stack([reference_step(p, x[n], (h[n],), reset)[0] for n in range(N)])
    np.testing.assert_allclose(output.array, expected, rtol=1e-12, atol=1e-12)
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

LAYER_CASES = {
    "one layer": dict(),
    "lengths": dict(lengths=[4, 1, 3]),
    "bidirectional": dict(bidirectional=True, lengths=[2, 4, 1]),
    "two layers": dict(num_layers=2, lengths=[3, 1, 4]),
    "two bidirectional layers": dict(num_layers=2, bidirectional=True, lengths=[1, 4, 2]),
    "batch_first": dict(batch_first=True, bidirectional=True, lengths=[4, 2, 3]),
    "unbatched": dict(unbatched=True, num_layers=2, bidirectional=True),
    "no bias": dict(bias=False, num_layers=2),
}


@pytest.mark.parametrize("reset", RESETS)
@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_matches_reference(case, reset):
    options = dict(LAYER_CASES[case])
    lengths, unbatched = options.pop("lengths", None), options.pop("unbatched", False)
    if reset == "after":
        layer = GRU(3, 5, dtype=np.float64, **options)
    else:
        layer = Recurrent("gru", 3, 5, dtype=np.float64, reset=reset, **options)
    T, N, DL = 4, 1 if unbatched else 3, layer.num_directions * layer.num_layers
    rng = np.random.default_rng(2)
    x, h0 = rng.standard_normal((T, N, 3)), rng.standard_normal((DL, N, 5))
    step = lambda p, x, s: reference_step(p, x, s, reset)  # noqa: E731
    expected, (h_expected,) = reference_layer(step, parameters_of(layer), x, (h0,),
                                              layer.num_layers, layer.num_directions, lengths)
    if unbatched:
        x, h0, expected, h_expected = x[:, 0], h0[:, 0], expected[:, 0], h_expected[:, 0]
    elif layer.batch_first:
        x, expected = x.swapaxes(0, 1), expected.swapaxes(0, 1)
    output, h = layer(Tensor(x), Tensor(h0), None if lengths is None else np.array(lengths))
    np.testing.assert_allclose(output.array, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.array, h_expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("reset", RESETS)
@pytest.mark.parametrize("bias", [True, False])
def test_gradients_of_a_short_sequence(reset, bias):
    rng = np.random.default_rng(3)
    layer = Recurrent("gru", 2, 3, bias=bias, dtype=np.float64, reset=reset)
    x = Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
    lengths = np.array([3, 2])
    assert gradcheck(lambda x, h0, *params: layer(x, h0, lengths),
                     [x, h0, *layer.parameters()])


# ---------------------------------------------------------------- discovery

def test_found_through_the_entry_point():
    assert plugins.get("gru") is GRUCell
    assert plugins.get("tinygrad-rnn-gru:gru") is GRUCell
    (row,) = [row for row in plugins.available("cell") if row.name == "gru"]
    assert (row.distribution, row.value) == ("tinygrad-rnn-gru", "tinygrad_rnn_gru.cell:GRUCell")


# ---------------------------------------------------------------- conformance

@pytest.mark.parametrize("options", [{}, {"reset": "before"}, {"bias": False}], ids=repr)
def test_passes_the_conformance_kit(options):
    assert check_cell(GRUCell, options=options).passed
