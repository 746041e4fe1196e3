"""The ``bidirectional`` wrapper plugin: its reverse half is the cell run on the time-reversed
input and reversed back (a property test: a wrapper that does not actually reverse its input
is a classic bug), layers built with it match a plain-NumPy reference, gradients match
finite differences, and it is found through its entry point.

The cell under test is defined here (a two-state cell), so these tests need no cell plugin.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import ops, plugins
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.recurrent import Recurrent, run_cell
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import gradcheck
from tinygrad_rnn_bidirectional import Bidirectional


class SummingCell(RecurrentCell):
    """A test cell with two states: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), c' = c + h'."""

    state_names = ("h", "c")

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float64):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)

    def step(self, x, state):
        h, c = state
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            a = a + self.bias_ih + self.bias_hh
        h = ops.tanh(a)
        return h, (h, c + h)


def reference_step(p, x, state):
    """SummingCell's step for one sequence, in NumPy."""
    h, c = state
    h = np.tanh(p["weight_ih"] @ x + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"])
    return h, (h, c + h)


def random_states(rng, count, N, H):
    return [(Tensor(rng.standard_normal((N, H))), Tensor(rng.standard_normal((N, H))))
            for _ in range(count)]


def reverse_within_lengths(a, lengths):
    """a (T, N, ·) with each sequence's first lengths[n] steps in reverse order, zeros after."""
    out = np.zeros_like(a)
    for n, length in enumerate(lengths):
        out[:length, n] = a[length - 1::-1, n]
    return out


# ---------------------------------------------------------------- the property

@st.composite
def problems(draw):
    T, N = draw(st.integers(1, 5), label="T"), draw(st.integers(1, 3), label="N")
    I, H = draw(st.integers(1, 3), label="I"), draw(st.integers(1, 3), label="H")
    lengths = draw(st.none() | st.lists(st.integers(1, T), min_size=N, max_size=N), label="lengths")
    return T, N, I, H, lengths, draw(st.integers(0, 2**32 - 1), label="seed")


@settings(deadline=None)
@given(problems())
def test_reverse_half_is_the_cell_on_the_reversed_input_reversed_back(problem):
    T, N, I, H, lengths, seed = problem
    rng = np.random.default_rng(seed)
    wrapper = Bidirectional(lambda: SummingCell(I, H))
    x = rng.standard_normal((T, N, I))
    x_before = x.copy()
    states = random_states(rng, 2, N, H)
    lengths = None if lengths is None else np.array(lengths)
    output, (forward_final, reverse_final) = wrapper(Tensor(x), states, lengths)
    assert output.shape == (T, N, 2 * H)
    np.testing.assert_array_equal(x, x_before)

    # The forward half: the first cell run forward from the first state.
    forward_output, expected = run_cell(wrapper.cells[0], Tensor(x), states[0], lengths)
    np.testing.assert_allclose(output.array[..., :H], forward_output.array, rtol=1e-12, atol=1e-12)
    for got, want in zip(forward_final, expected):
        np.testing.assert_allclose(got.array, want.array, rtol=1e-12, atol=1e-12)

    # The reverse half: the second cell run FORWARD over each sequence reversed (by hand, in
    # NumPy), its outputs reversed back.
    valid = np.full(N, T) if lengths is None else lengths
    reversed_output, expected = run_cell(wrapper.cells[1], Tensor(reverse_within_lengths(x, valid)),
                                         states[1], lengths)
    reversed_back = reverse_within_lengths(reversed_output.array, valid)
    np.testing.assert_allclose(output.array[..., H:], reversed_back, rtol=1e-12, atol=1e-12)
    for got, want in zip(reverse_final, expected):
        np.testing.assert_allclose(got.array, want.array, rtol=1e-12, atol=1e-12)

    # Each direction's c sums its outputs over the valid steps, and past the end outputs are 0.
    for direction, final in enumerate((forward_final, reverse_final)):
        half = output.array[..., direction * H:(direction + 1) * H]
        np.testing.assert_allclose(final[1].array - states[direction][1].array, half.sum(axis=0),
                                   rtol=1e-10, atol=1e-10)
        steps = np.arange(T)[:, None] >= valid[None, :]
        assert not half[steps].any()


def test_the_first_reverse_output_has_seen_the_whole_sequence():
    # Changing only the last step changes the reverse half at every step, the forward half
    # only at the last step.
    rng = np.random.default_rng(0)
    wrapper = Bidirectional(lambda: SummingCell(2, 3))
    x = rng.standard_normal((4, 1, 2))
    states = random_states(rng, 2, 1, 3)
    y = wrapper(Tensor(x), states)[0].array
    x[-1] += 1.0
    changed = wrapper(Tensor(x), states)[0].array != y
    assert changed[..., 3:].all()
    assert not changed[:-1, :, :3].any() and changed[-1, :, :3].all()


# ---------------------------------------------------------------- the wrapper contract

def test_two_distinct_cells_forward_first():
    made = []
    wrapper = Bidirectional(lambda: made.append(SummingCell(2, 3)) or made[-1])
    assert Bidirectional.num_directions == 2
    assert list(wrapper.cells) == made and made[0] is not made[1]
    assert [name for name, _ in wrapper.named_parameters()][:5] == [
        "cells.0.weight_ih", "cells.0.weight_hh", "cells.0.bias_ih", "cells.0.bias_hh",
        "cells.1.weight_ih"]


class SequenceCell(SummingCell):
    """SummingCell with a whole-sequence path that records how it was called."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def sequence(self, x, state, lengths, reverse):
        self.calls.append(reverse)
        return run_cell(self, x, state, lengths, reverse, fused=False)


@pytest.mark.parametrize("fused, uses_sequence", [(None, True), (True, True), (False, False)])
def test_fused_is_passed_to_both_directions(fused, uses_sequence):
    wrapper = Bidirectional(lambda: SequenceCell(2, 3))
    wrapper(Tensor(np.ones((3, 1, 2))), random_states(np.random.default_rng(0), 2, 1, 3),
            fused=fused)
    expected = [[False], [True]] if uses_sequence else [[], []]
    assert [cell.calls for cell in wrapper.cells] == expected


# ---------------------------------------------------------------- layers built with it

def reference_layer(params, x, state, num_layers, lengths):
    """A bidirectional stack of SummingCells, one sequence at a time: x (T, N, I), state
    (h, c) of (2L, N, H) arrays, params named as PyTorch names them."""
    T, N = x.shape[:2]
    final = [np.zeros_like(part) for part in state]
    for k in range(num_layers):
        outputs = []
        for d, suffix in enumerate((f"_l{k}", f"_l{k}_reverse")):
            p = {name[:-len(suffix)]: v for name, v in params.items() if name.endswith(suffix)}
            out = np.zeros((T, N, p["weight_hh"].shape[1]))
            for n in range(N):
                s = tuple(part[2 * k + d, n] for part in state)
                times = range(lengths[n])
                for t in reversed(times) if d else times:
                    out[t, n], s = reference_step(p, x[t, n], s)
                for j, part in enumerate(s):
                    final[j][2 * k + d, n] = part
            outputs.append(out)
        x = np.concatenate(outputs, axis=-1)
    return x, tuple(final)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_layer_matches_reference(num_layers, batch_first):
    rng = np.random.default_rng(1)
    layer = Recurrent(SummingCell, 3, 4, num_layers=num_layers, bidirectional=True,
                      batch_first=batch_first, dtype=np.float64)
    assert all(isinstance(wrapper, Bidirectional) for wrapper in layer.layers)
    T, N, lengths = 5, 3, np.array([5, 2, 4])
    x = rng.standard_normal((T, N, 3))
    h0, c0 = (rng.standard_normal((2 * num_layers, N, 4)) for _ in range(2))
    params = {name: p.array for name, p in layer.named_parameters()}
    expected, (h_expected, c_expected) = reference_layer(params, x, (h0, c0), num_layers, lengths)
    if batch_first:
        x, expected = x.swapaxes(0, 1), expected.swapaxes(0, 1)
    output, (h, c) = layer(Tensor(x), (Tensor(h0), Tensor(c0)), lengths)
    np.testing.assert_allclose(output.array, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.array, h_expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.array, c_expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- gradients

def test_gradients_of_a_short_sequence():
    rng = np.random.default_rng(2)
    wrapper = Bidirectional(lambda: SummingCell(2, 2))
    x = Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    states = [tuple(Tensor(rng.standard_normal((2, 2)), requires_grad=True) for _ in range(2))
              for _ in range(2)]
    lengths = np.array([3, 2])

    def run(x, h_forward, c_forward, h_reverse, c_reverse, *params):
        output, finals = wrapper(x, [(h_forward, c_forward), (h_reverse, c_reverse)], lengths)
        return (output, *finals[0], *finals[1])

    assert gradcheck(run, [x, *states[0], *states[1], *wrapper.parameters()])


# ---------------------------------------------------------------- discovery

def test_found_through_the_entry_point():
    assert plugins.get("bidirectional", kind="wrapper") is Bidirectional
    (row,) = [row for row in plugins.available("wrapper") if row.name == "bidirectional"]
    assert (row.distribution, row.value) == (
        "tinygrad-rnn-bidirectional", "tinygrad_rnn_bidirectional.wrapper:Bidirectional")
