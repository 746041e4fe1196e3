"""A cell called step by step (PyTorch's ``LSTMCell``, ``GRUCell``, ``RNNCell``) is one graph
node per step, ``FusedStep``: its values and gradients match the op-by-op ``step`` and
finite differences in float64, and it falls back to ``step`` where there is no fused step."""

import numpy as np
import pytest

from helpers import Elman

from tinygrad_rnn import nn, ops
from tinygrad_rnn.compiler import GeneratedSequence
from tinygrad_rnn.nn.cell_step import FusedStep
from tinygrad_rnn.nn.recurrent import resolve_cell
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import gradcheck

N, I, H = 3, 4, 5
CELLS = {
    "lstm": lambda bias: nn.LSTMCell(I, H, bias=bias, dtype=np.float64),
    "gru": lambda bias: nn.GRUCell(I, H, bias=bias, dtype=np.float64),
    "gru-before": lambda bias: nn.GRUCell(I, H, bias=bias, dtype=np.float64, reset="before"),
    "rnn": lambda bias: nn.RNNCell(I, H, bias=bias, dtype=np.float64),
    "rnn-relu": lambda bias: nn.RNNCell(I, H, bias=bias, dtype=np.float64, nonlinearity="relu"),
}


def inputs(cell, seed=0):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((N, I)), requires_grad=True)
    state = tuple(Tensor(rng.standard_normal((N, size)), requires_grad=True)
                  for size in cell.state_sizes)
    return x, state


def call(cell, x, state):
    """``cell(x, hx)`` as PyTorch's cells are called; the new state as a tuple."""
    new_state = cell(x, state if len(state) > 1 else state[0])
    return new_state if isinstance(new_state, tuple) else (new_state,)


def three_steps(cell, x, state, stepper):
    """A loss over three steps of ``stepper`` and every input's and parameter's gradient."""
    loss = 0.0
    for t in range(3):
        _, state = stepper(x * (t + 1.0), state)
        loss = loss + sum((s * s).sum() for s in state)
    for p in (x, *cell.parameters()):
        p.grad = None
    loss.backward()
    return loss.array, [p.grad.numpy().copy() for p in (x, *cell.parameters())]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("name", CELLS)
def test_a_called_cell_is_one_node_per_step_and_agrees_with_the_op_by_op_step(name, bias):
    cell = CELLS[name](bias)
    x, state = inputs(cell)
    new_state = call(cell, x, state)
    for part in new_state:
        assert part._node.function is FusedStep
        assert all(t._node is None for t in part._node.inputs)   # nothing in between
    _, expected = cell.step(x, state)
    for got, want in zip(new_state, expected):
        np.testing.assert_allclose(got.array, want.array, rtol=1e-13, atol=1e-14)
    fused = three_steps(cell, x, state, lambda x, s: (None, call(cell, x, s)))
    by_ops = three_steps(cell, x, state, cell.step)
    np.testing.assert_allclose(fused[0], by_ops[0], rtol=1e-13)
    for got, want in zip(fused[1], by_ops[1]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def recurrence_and_options(cell):
    """The FusedRecurrence class and options that ``cell.fused_step`` runs, read from the
    node it records."""
    x, state = inputs(cell)
    node = call(cell, x, state)[0]._node
    return node.ctx.recurrence, node.ctx.options


@pytest.mark.parametrize("name", CELLS)
def test_the_fused_step_gradients_match_finite_differences(name):
    cell = CELLS[name](True)
    x, state = inputs(cell, seed=1)
    weights = [Tensor(p.array.copy(), requires_grad=True) for p in cell.parameters()]
    recurrence, options = recurrence_and_options(cell)

    def step(x, w_ih, w_hh, b_ih, b_hh, *state):
        return FusedStep.apply(x, w_ih, w_hh, b_ih, b_hh, *state, recurrence=recurrence,
                               options=options)

    assert gradcheck(step, [x, *weights, *state])


class ClippedElman(Elman):
    """Elman through a clip, whose mask comes from the values: the compiler refuses it."""

    def step(self, x, state):
        h, _ = super().step(x, state)
        h = ops.clip(h, -2.0, 2.0)
        return h, (h,)


@pytest.mark.parametrize("make", [
    lambda: resolve_cell("lstm")(I, H, dtype=np.float64, proj_size=2),
    lambda: resolve_cell("mgu")(I, H, dtype=np.float64)], ids=["lstm-projection", "mgu"])
def test_a_cell_without_a_fused_step_is_one_node_of_its_generated_kernels(make, monkeypatch):
    cell = make()
    assert cell.fused_step is None
    x, state = inputs(cell)
    new_state = call(cell, x, state)
    for part in new_state:
        assert part._node.function is GeneratedSequence
    _, expected = cell.step(x, state)
    for got, want in zip(new_state, expected):
        np.testing.assert_allclose(got.array, want.array, rtol=1e-12, atol=1e-12)
    loss, grads = three_steps(cell, x, state, lambda x, s: (None, call(cell, x, s)))
    monkeypatch.setenv("TINYGRAD_RNN_STEPWISE", "1")
    assert call(cell, x, state)[0]._node.function is not GeneratedSequence
    loss_by_ops, grads_by_ops = three_steps(cell, x, state,
                                            lambda x, s: (None, call(cell, x, s)))
    np.testing.assert_allclose(loss, loss_by_ops, rtol=1e-12)
    for got, want in zip(grads, grads_by_ops):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_a_cell_that_does_not_compile_and_the_environment_switch_run_the_op_by_op_step(
        monkeypatch):
    cell = ClippedElman(I, H, dtype=np.float64)
    x, state = inputs(cell)
    new_state = call(cell, x, state)
    assert new_state[0]._node.function not in (FusedStep, GeneratedSequence)
    np.testing.assert_array_equal(new_state[0].array, cell.step(x, state)[1][0].array)
    monkeypatch.setenv("TINYGRAD_RNN_STEPWISE", "1")
    cell = CELLS["lstm"](True)
    x, state = inputs(cell)
    assert cell(x, state)[0]._node.function is not FusedStep


def test_a_state_of_another_batch_is_refused_before_any_kernel_runs():
    cell = CELLS["lstm"](True)
    x, (h, c) = inputs(cell)
    with pytest.raises(ValueError, match=r"LSTMCell step: expected state 'c' of shape \(3, 5\)"):
        cell(x, (h, Tensor(np.zeros((2, H)))))
    with pytest.raises(TypeError, match="LSTMCell step: x has dtype float32"):
        cell(Tensor(np.zeros((N, I), np.float32)), (h, c))
