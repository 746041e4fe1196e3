"""The cell contract as the recurrent layer enforces it: a cell's declarations and what its
``step`` and ``sequence`` return are checked, and a breach names the cell and the part of
the contract it breaks; parameters of other shapes come from ``create_parameters``."""

import re

import numpy as np
import pytest

from tinygrad_rnn import manual_seed, nn, ops
from tinygrad_rnn.nn.cell import (CellContractError, RecurrentCell, check_declarations,
                                  check_step_result)
from tinygrad_rnn.nn.fused import FusedRecurrence
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import check_cell

from helpers import Elman


class TwoStates(Elman):
    """An Elman cell that declares a second state, c, and carries it unchanged."""

    state_names = ("h", "c")

    def step(self, x, state):
        h, _ = super().step(x, state[:1])
        return h, (h, state[1])


class ReturnsOneState(TwoStates):
    def step(self, x, state):
        h, _ = super().step(x, state)
        return h, (h,)


class ReturnsBareTensor(Elman):
    def step(self, x, state):
        h, _ = super().step(x, state)
        return h, h


class WideC(TwoStates):
    def step(self, x, state):
        h, _ = super().step(x, state)
        return h, (h, ops.concatenate([state[1], state[1]], axis=-1))


class WideOutput(Elman):
    def step(self, x, state):
        h, new_state = super().step(x, state)
        return ops.concatenate([h, h], axis=-1), new_state


class SequenceDropsC(TwoStates):
    def sequence(self, x, state, lengths, reverse):
        output, final = nn.scan(self.step, ops.unstack(x), state, lengths, reverse)
        return output, final[:1]


def breach(cell, fused=None) -> str:
    """The message of the CellContractError that building and running a layer raises."""
    with pytest.raises(CellContractError) as caught:
        nn.Recurrent(cell, 2, 3, fused=fused)(Tensor(np.ones((4, 5, 2), np.float32)))
    return str(caught.value)


@pytest.mark.parametrize("cell, part", [
    (ReturnsOneState, "step returned a state of 1 tensor(s); state_names ('h', 'c') declares "
                      "2 (return a tuple in state_names order)"),
    (ReturnsBareTensor, "step returned a state of Tensor; state_names ('h',) declares 1"),
    (WideC, "step returned state 'c' of shape (5, 6), expected (5, 3) (state_sizes)"),
    (WideOutput, "step returned the output h of shape (5, 6), expected (5, 3) (output_size)"),
    (SequenceDropsC, "sequence returned a state of 1 tensor(s); state_names ('h', 'c')"),
])
def test_a_breach_names_the_cell_and_the_part_of_the_contract(cell, part):
    message = breach(cell)
    assert message.startswith(f"cell {cell.__qualname__} ({__name__}) breaks the cell contract")
    assert part in message


def test_declarations_are_checked_when_the_layer_is_built():
    class NoSizeForC(TwoStates):
        state_sizes = (3,)

    with pytest.raises(CellContractError, match=r"state_sizes \(3,\) has 1 entry, state_names "
                                                r"\('h', 'c'\) has 2"):
        nn.Recurrent(NoSizeForC, 2, 3)


def test_a_correct_two_state_cell_runs_both_paths():
    layer = nn.Recurrent(TwoStates, 2, 3)
    output, (h, c) = layer(Tensor(np.ones((4, 5, 2), np.float32)))
    assert output.shape == (4, 5, 3) and h.shape == c.shape == (1, 5, 3)


class IndRNN(RecurrentCell):
    """h' = tanh(x W_ihᵀ + b_ih + u ⊙ h + b_hh), with u = weight_hh a recurrent weight per
    unit, drawn from U(0, 1) instead of U(-1/√H, 1/√H)."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1, weight_hh=(hidden_size,))   # u: (H,) instead of (H, H)
        nn.init.uniform_(self.weight_hh, 0.0, 1.0)

    def step(self, x, state):
        (h,) = state
        a = x @ self.weight_ih.T + self.weight_hh * h
        h = ops.tanh(a + self.bias_ih + self.bias_hh if self.bias else a)
        return h, (h,)


def test_create_parameters_replaces_a_standard_shape_in_its_place():
    manual_seed(0)
    cell = IndRNN(2, 3)
    assert [(name, p.shape) for name, p in cell.named_parameters()] == [
        ("weight_ih", (3, 2)), ("weight_hh", (3,)), ("bias_ih", (3,)), ("bias_hh", (3,))]
    assert ((0 <= cell.weight_hh.array) & (cell.weight_hh.array < 1)).all()
    report = check_cell(IndRNN, checks=["gradients", "reproducibility", "state_dict"],
                        max_examples=3)
    assert report.passed


def test_create_parameters_draws_u_of_one_over_root_h_from_the_package_generator():
    manual_seed(7)
    cell = Elman(2, 4, dtype=np.float64)
    expected = np.random.default_rng(7).uniform(-0.5, 0.5, 4 * 2 + 4 * 4 + 4 + 4)
    drawn = np.concatenate([p.array.ravel() for p in cell.parameters()])
    np.testing.assert_array_equal(drawn, expected)


# [contract: fused path]
class ElmanLoop(FusedRecurrence):
    """The time loop of h' = tanh(xp_t + h W_hhᵀ + b_hh) over arrays, forward and backward;
    ``xp`` (T, N, H) is the input projection x_t W_ihᵀ + b_ih that FusedRecurrence made."""

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse):
        output, h_in, h = np.zeros_like(xp), np.zeros_like(xp), states[0].copy()
        for t in reversed(range(len(xp))) if reverse else range(len(xp)):
            active = (t < lengths)[:, None]        # past its length a sequence holds still
            h_in[t] = h
            new = np.tanh(xp[t] + h @ w_hh.T + b_hh)
            output[t] = np.where(active, new, 0.0)
            h = np.where(active, new, h)
        return output, (h,), h_in, (output,)

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse):
        (output,) = saved
        dxp, gh = np.zeros_like(output), g_finals[0].copy()
        for t in range(len(output)) if reverse else reversed(range(len(output))):
            active = (t < lengths)[:, None]
            da = np.where(active, (gh + g_output[t]) * (1 - output[t] ** 2), 0.0)
            dxp[t] = da
            gh = np.where(active, da @ w_hh, gh)
        return dxp, dxp, (gh,)   # xp and h W_hhᵀ + b_hh are added: the same gradient


class FusedElman(Elman):
    def sequence(self, x, state, lengths=None, reverse=False):
        return ElmanLoop.run(self, x, state, lengths, reverse)
# [contract: end fused path]


def test_a_third_party_fused_path_is_checked_against_step_by_the_kit():
    # [contract: certify fused path]
    report = check_cell(FusedElman, checks=["sequence"], max_examples=5)
    assert [(result.name, result.status) for result in report] == [
        ("sequence", "passed"), ("sequence (bias=False)", "passed")]
    # [contract: end certify fused path]


class OffByOneStep(ElmanLoop):
    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse):
        return super().recurrence_forward(xp, w_hh, b_hh, states, lengths - 1, reverse)


class FusedElmanOffByOne(Elman):
    def sequence(self, x, state, lengths=None, reverse=False):
        return OffByOneStep.run(self, x, state, lengths, reverse)


def test_a_fused_path_that_mishandles_lengths_fails_the_kit():
    report = check_cell(FusedElmanOffByOne, checks=["sequence"], max_examples=5,
                        raise_on_failure=False)
    assert "fused=True vs step-by-step" in report["sequence"].detail


def test_a_duck_typed_cell_without_sizes_is_told_what_it_lacks():
    class Bare(nn.Module):
        state_names = ("h",)

        def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
            super().__init__()

        def step(self, x, state):
            return state[0], state

    with pytest.raises(CellContractError, match=r"cell .*Bare \(test_cell\) breaks the cell "
                       r"contract: .*state_sizes.* \(subclass RecurrentCell for the "
                       r"defaults\)"):
        nn.Recurrent(Bare, 2, 3)


class Declared:
    """A stand-in with the declarations of the contract, to check them one by one."""

    state_names = ("h",)

    def __init__(self, state_sizes=(3,), output_size=3):
        self.state_sizes, self.output_size = state_sizes, output_size


def test_every_bad_declaration_is_listed():
    with pytest.raises(CellContractError) as caught:
        check_declarations(Declared(state_sizes=(0,), output_size=None))
    assert str(caught.value) == (
        f"cell Declared ({__name__}) breaks the cell contract: state_sizes (0,) must hold "
        f"positive ints; output_size must be a positive int, got None")


@pytest.mark.parametrize("result, part", [
    (Tensor(np.zeros((2, 3))), "step must return (h, new_state), got Tensor"),
    ((np.zeros((2, 3)), ()), "step returned the output h of type ndarray, expected a Tensor"),
])
def test_a_step_result_of_the_wrong_form_is_named(result, part):
    with pytest.raises(CellContractError, match=re.escape(part)):
        check_step_result(Declared(), result, None, 2)
