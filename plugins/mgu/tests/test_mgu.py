"""The ``mgu`` plugin: MGUCell against a plain-NumPy reference (float64), its gradients
against finite differences, its discovery through the entry point, and its certification
by the conformance kit. The blocks between ``# [tutorial: …]`` markers are shown in
docs/write_your_own_cell.rst."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import plugins
from tinygrad_rnn.nn.recurrent import Recurrent
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import parametrize_with_checks
from tinygrad_rnn_mgu import MGUCell

# ---------------------------------------------------------------- the NumPy reference


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def reference_step(p, x, h):
    """One step of one sequence, the paper's equations over plain arrays: x (I,), h (H,); p
    maps parameter names to arrays. Each gate reads its own block of rows, f then n."""
    H = h.size
    W_if, W_in = p["weight_ih"][:H], p["weight_ih"][H:]
    W_hf, W_hn = p["weight_hh"][:H], p["weight_hh"][H:]
    b_ih, b_hh = p.get("bias_ih", np.zeros(2 * H)), p.get("bias_hh", np.zeros(2 * H))
    f = sigmoid(W_if @ x + b_ih[:H] + W_hf @ h + b_hh[:H])
    n = np.tanh(W_in @ x + b_ih[H:] + W_hn @ (f * h) + b_hh[H:])
    return (1 - f) * h + f * n


def reference_run(p, x, h, reverse=False):
    """One sequence x (T, I) from h (H,): the outputs (T, H), in the original time order."""
    out = np.zeros((len(x), h.size))
    for t in reversed(range(len(x))) if reverse else range(len(x)):
        h = out[t] = reference_step(p, x[t], h)
    return out


def parameters_of(module, suffix=""):
    return {name.removesuffix(suffix): p.array for name, p in module.named_parameters()
            if name.endswith(suffix)}


# ---------------------------------------------------------------- the cell

@settings(deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_step_matches_reference(N, I, H, bias, seed):
    rng = np.random.default_rng(seed)
    cell = MGUCell(I, H, bias=bias, dtype=np.float64)
    x, h = rng.standard_normal((N, I)), rng.standard_normal((N, H))
    output, (h_new,) = cell.step(Tensor(x), (Tensor(h),))
    p = parameters_of(cell)
    expected = np.stack([reference_step(p, x[n], h[n]) for n in range(N)])
    np.testing.assert_allclose(output.array, expected, rtol=1e-12, atol=1e-12)
    assert h_new is output


def test_gate_order_is_f_n():
    rng = np.random.default_rng(0)
    cell = MGUCell(2, 3, dtype=np.float64)
    x, h = Tensor(rng.standard_normal((1, 2))), rng.standard_normal((1, 3))
    # f at 0 (its rows are the first block): by (3) h' = h, whatever n is.
    cell.bias_ih.array[:] = np.repeat([-50.0, 0.0], 3)
    np.testing.assert_allclose(cell(x, Tensor(h)).array, h, atol=1e-15)
    # f at 1 and no hidden weights for n (second block): h' = n, which no longer reads h.
    cell.bias_ih.array[:] = np.repeat([50.0, 0.0], 3)
    cell.weight_hh.array[3:] = 0.0
    np.testing.assert_allclose(cell(x, Tensor(h)).array, cell(x, Tensor(-3 * h)).array, atol=1e-15)


def test_the_candidate_reads_the_gated_state():
    # (2) reads f ⊙ h: with f held at 1/2 (zero f weights and biases), n sees h / 2.
    rng = np.random.default_rng(1)
    cell = MGUCell(2, 3, bias=False, dtype=np.float64)
    cell.weight_ih.array[:3] = cell.weight_hh.array[:3] = 0.0
    x, h = rng.standard_normal((1, 2)), rng.standard_normal((1, 3))
    W_in, W_hn = cell.weight_ih.array[3:], cell.weight_hh.array[3:]
    n = np.tanh(x @ W_in.T + (h / 2) @ W_hn.T)
    np.testing.assert_allclose(cell(Tensor(x), Tensor(h)).array, h / 2 + n / 2, rtol=1e-12)


def test_it_is_the_reset_before_gru_with_r_tied_to_f_and_z_to_one_minus_f():
    # [tutorial: reduction]
    rng = np.random.default_rng(5)
    mgu = MGUCell(3, 4, dtype=np.float64)
    gru = plugins.get("gru")(3, 4, dtype=np.float64, reset="before")
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        f_rows, n_rows = np.split(getattr(mgu, name).array, 2)
        # r = σ(a_f) = f; z = σ(−a_f) = 1 − f; the candidate's rows are shared.
        getattr(gru, name).array[:] = np.concatenate([f_rows, -f_rows, n_rows])
    x, h = Tensor(rng.standard_normal((2, 3))), Tensor(rng.standard_normal((2, 4)))
    np.testing.assert_allclose(mgu(x, h).array, gru(x, h).array, rtol=1e-12, atol=1e-15)
    # [tutorial: end reduction]


def test_parameters_have_pytorch_names_shapes_and_order():
    cell = MGUCell(3, 5)
    assert [(name, p.shape) for name, p in cell.named_parameters()] == [
        ("weight_ih", (10, 3)), ("weight_hh", (10, 5)), ("bias_ih", (10,)), ("bias_hh", (10,))]
    assert [name for name, _ in MGUCell(3, 5, bias=False).named_parameters()] == [
        "weight_ih", "weight_hh"]
    assert MGUCell.state_names == ("h",)


# ---------------------------------------------------------------- the layer

@pytest.mark.parametrize("fused", [False, "generated"], ids=["step", "generated"])
@pytest.mark.parametrize("bias", [True, False])
def test_bidirectional_layer_matches_reference(bias, fused):
    rng = np.random.default_rng(2)
    layer = Recurrent("mgu", 3, 4, bias=bias, bidirectional=True, dtype=np.float64, fused=fused)
    x, h0 = rng.standard_normal((5, 3, 3)), rng.standard_normal((2, 3, 4))
    lengths = np.array([5, 2, 4])
    output, h = layer(Tensor(x), Tensor(h0), lengths)
    for d, suffix in enumerate(("_l0", "_l0_reverse")):
        p = parameters_of(layer, suffix)
        for n, T in enumerate(lengths):
            expected = reference_run(p, x[:T, n], h0[d, n], reverse=bool(d))
            half = output.array[:, n, 4 * d:4 * (d + 1)]
            np.testing.assert_allclose(half[:T], expected, rtol=1e-12, atol=1e-12)
            assert not half[T:].any()
            np.testing.assert_allclose(h.array[d, n], expected[0 if d else T - 1], rtol=1e-12)


# ---------------------------------------------------------------- discovery and use

def test_found_through_the_entry_point():
    # [tutorial: discovery]
    assert plugins.get("mgu") is MGUCell
    assert plugins.get("tinygrad-rnn-mgu:mgu") is MGUCell   # distribution:name, if ambiguous
    # [tutorial: end discovery]


def test_a_layer_of_it_is_stacked_and_bidirectional_for_free():
    # [tutorial: use]
    layer = Recurrent("mgu", 8, 16, num_layers=2, bidirectional=True, batch_first=True)
    x = Tensor(np.random.default_rng(0).standard_normal((4, 10, 8)).astype(np.float32))
    output, h = layer(x, lengths=np.array([10, 7, 3, 1]))   # 4 sequences of 10 steps, padded
    assert output.shape == (4, 10, 2 * 16)    # (N, T, D·H): both directions side by side
    assert h.shape == (2 * 2, 4, 16)          # (D·L, N, H), layer-major, never batch-first
    assert [name for name, _ in layer.named_parameters()][:4] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]   # PyTorch's names
    # [tutorial: end use]


# ---------------------------------------------------------------- certification

# [tutorial: certify]
@parametrize_with_checks([MGUCell])
def test_passes_the_conformance_kit(cell, check):
    check(cell)   # one test per check and option set: MGUCell-gradients, …,
                  # MGUCell(bias=False)-gradients, …
# [tutorial: end certify]


# ---------------------------------------------------------------- the generated path

def test_the_readme_shows_the_source_the_compiler_generates():
    from pathlib import Path

    from tinygrad_rnn import compiler

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    shown = readme.split("<summary>the generated source</summary>")[1]
    shown = shown.split("```python\n", 1)[1].split("```", 1)[0]
    assert shown == compiler.compile_cell(MGUCell(3, 4)).source, (
        "the README's generated source is stale: paste `tinygrad-rnn compile mgu --show`")


def test_the_layer_takes_the_generated_path():
    from tinygrad_rnn.nn.recurrent import sequence_path

    assert MGUCell.sequence is None
    assert sequence_path(MGUCell(3, 4)) == "generated"
