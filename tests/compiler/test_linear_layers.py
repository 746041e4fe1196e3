"""A step written with ``nn.Linear`` submodules, as a PyTorch user writes one, compiles: the
layer on x is hoisted out of the loop, the layers on the state and on a gated state are
per-step products, the submodules' parameters are found by their dotted names, and the
generated path equals the step path. What stays unsupported is refused by name."""

import numpy as np
import pytest
from step_only_cells import LinearGatedCell
from test_generated import assert_paths_agree, drawn_layer, tensors_for

from tinygrad_rnn import Tensor, cli, compiler, nn, ops, plugins
from tinygrad_rnn.compiler import CompileError
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.recurrent import sequence_path


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def test_the_linear_gated_cell_steps_as_its_numpy_reference():
    cell = LinearGatedCell(3, 4, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    a = x @ cell.input_gates.weight.array.T + cell.input_gates.bias.array
    r = sigmoid(a[:, :4] + h @ cell.reset_gate.weight.array.T)
    expected = np.tanh(a[:, 4:] + (r * h) @ cell.candidate.weight.array.T
                       + cell.candidate.bias.array)
    got, _ = cell.step(Tensor(x), (Tensor(h),))
    np.testing.assert_allclose(got.array, expected, rtol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_layers_compile_with_the_input_layer_hoisted_and_the_others_per_step(bias):
    cell = LinearGatedCell(3, 4, bias=bias, dtype=np.float64)
    assert compiler.why_not(cell) is None and sequence_path(cell) == "generated"
    program = compiler.compile_cell(cell)
    names = ["input_gates.weight", "input_gates.bias", "reset_gate.weight",
             "candidate.weight", "candidate.bias"]
    assert program.parameters == [n for n in names if bias or not n.endswith("bias")]
    # x W_xᵀ, for all T·N rows at once before the loop, which reads it
    assert [v.label for v in program.plan.frontiers] == ["MatMul of Linear"]
    assert [p.split("  ")[1] for p in program.products] == [
        "r = ops.sigmoid(a_r + self.reset_gate(h))",
        "h = ops.tanh(a_h + self.candidate(r * h))"]


def test_tinygrad_rnn_compile_reports_the_linear_layers_and_shows_their_source(capsys):
    plugins.register("linear_gated_cli", LinearGatedCell)
    try:
        assert cli.main(["compile", "linear_gated_cli", "--dtype", "float64", "--show"]) == 0
    finally:
        plugins.unregister("linear_gated_cli")
    output = capsys.readouterr().out
    assert "hoisted before the loop (over all T·N rows): 1 value(s)" in output
    assert "MatMul of Linear  step_only_cells.py" in output and "per-step products: 2" in output
    assert "self.candidate(r * h)" in output and "# Add of Linear back" in output


class ConcatenatedCell(RecurrentCell):
    """One layer on [x, h], the way many PyTorch cells are written."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.layer = nn.Linear(input_size + hidden_size, hidden_size, bias=bias, dtype=dtype)

    def step(self, x, state):
        h = ops.tanh(self.layer(ops.concatenate([x, state[0]], axis=-1)))
        return h, (h,)


class TwiceAppliedCell(RecurrentCell):
    """One layer applied twice in a step: its weight feeds two per-step products."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.input_layer = nn.Linear(input_size, hidden_size, bias=bias, dtype=dtype)
        self.layer = nn.Linear(hidden_size, hidden_size, bias=bias, dtype=dtype)

    def step(self, x, state):
        h = ops.tanh(self.input_layer(x) + self.layer(ops.relu(self.layer(state[0]))))
        return h, (h,)


class NestedCell(RecurrentCell):
    """A layer inside an ``nn.Sequential``: parameters named ``block.0.weight``."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)
        self.block = nn.Sequential(nn.Linear(hidden_size, hidden_size, dtype=dtype), nn.Tanh())

    def step(self, x, state):
        h = self.block(x @ self.weight_ih.T + state[0])
        return h, (h,)


class TwoLayersOnXCell(RecurrentCell):
    """Two layers on x with a tanh between: all x-only, so all hoisted out of the loop."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.first = nn.Linear(input_size, hidden_size, dtype=dtype)
        self.second = nn.Linear(hidden_size, hidden_size, dtype=dtype)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False, dtype=dtype)

    def step(self, x, state):
        h = ops.tanh(self.second(ops.tanh(self.first(x))) + self.recurrent(state[0]))
        return h, (h,)


def test_x_only_work_between_two_layers_is_hoisted_too():
    program = compiler.compile_cell(TwoLayersOnXCell(3, 4, dtype=np.float64))
    assert [v.label for v in program.plan.prelude if v.function.__name__ != "Permute"] == [
        "MatMul of Linear", "Add of Linear", "Tanh", "MatMul of Linear"]
    assert len(program.plan.products) == 1 and len(program.plan.frontiers) == 1


CASES = [(LinearGatedCell, {}), (LinearGatedCell, {"bias": False}), (ConcatenatedCell, {}),
         (TwiceAppliedCell, {"bias": False}), (NestedCell, {}), (TwoLayersOnXCell, {})]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0].__name__}-{case[1]}")
def test_two_bidirectional_layers_with_lengths_equal_the_step_path(case):
    assert compiler.why_not(case[0](3, 4, dtype=np.float64, **case[1])) is None
    x, lengths = np.random.default_rng(3).standard_normal((6, 3, 3)), np.array([6, 2, 4])
    layer = drawn_layer(*case, 4, 2, True, False, 0.0, np.float64, x, 5)
    x, states, upstream = tensors_for(layer, x, lengths, False, 5, np.float64)
    assert_paths_agree(layer, x, states, lengths, upstream, 5, 1e-10)


def test_cells_whose_submodules_differ_do_not_share_a_compiled_step():
    x, lengths = np.random.default_rng(4).standard_normal((4, 2, 3)), np.array([4, 3])
    with_bias = drawn_layer(LinearGatedCell, {}, 4, 1, False, False, 0.0, np.float64, x, 6)
    without = drawn_layer(LinearGatedCell, {}, 4, 1, False, False, 0.0, np.float64, x, 6)
    without.cells[0].candidate = nn.Linear(4, 4, bias=False, dtype=np.float64)
    first, second = (compiler.compile_cell(layer.cells[0]) for layer in (with_bias, without))
    assert first is not second and "candidate.bias" not in second.parameters
    x, states, upstream = tensors_for(without, x, lengths, False, 6, np.float64)
    assert_paths_agree(without, x, states, lengths, upstream, 6, 1e-10)


class FixedWeightCell(RecurrentCell):
    """A linear layer on the state whose weight is a tensor, not a parameter of the cell."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32, seed=0,
                 requires_grad=False):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)
        weight = np.random.default_rng(seed).standard_normal((hidden_size, hidden_size))
        self.fixed = Tensor(weight.astype(dtype), requires_grad=requires_grad)

    def step(self, x, state):
        h = ops.tanh(x @ self.weight_ih.T + F.linear(state[0], self.fixed))
        return h, (h,)


def test_a_linear_layer_with_a_constant_weight_compiles_it_by_value():
    x, lengths = np.random.default_rng(5).standard_normal((4, 2, 3)), np.array([4, 2])
    for seed in (1, 2):   # the second cell's weight differs: it must not get the first's
        layer = drawn_layer(FixedWeightCell, {"seed": seed}, 4, 1, False, False, 0.0,
                            np.float64, x, 7)
        xs, states, upstream = tensors_for(layer, x, lengths, False, 7, np.float64)
        assert_paths_agree(layer, xs, states, lengths, upstream, 7, 1e-10)


def test_a_weight_that_needs_a_gradient_but_is_no_parameter_is_refused_by_name():
    cell = FixedWeightCell(3, 4, dtype=np.float64, requires_grad=True)
    reason = compiler.why_not(cell)
    assert "Linear (at test_linear_layers.py" in reason
    assert "requires a gradient but is not a parameter" in reason and "Parameter" in reason


class StateWeightCell(RecurrentCell):
    """Not a cell to use: a linear layer whose weight is computed from the state."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)

    def step(self, x, state):
        (h,) = state
        h = ops.tanh(x @ self.weight_ih.T + F.linear(h, self.weight_hh * ops.sum(h, axis=0)))
        return h, (h,)


def test_a_linear_layer_whose_weight_is_computed_per_step_is_refused_by_name():
    cell = StateWeightCell(3, 4, dtype=np.float64)
    reason = compiler.why_not(cell)
    assert "MatMul of Linear (at test_linear_layers.py" in reason
    assert "parameter matrices only" in reason
    layer = nn.Recurrent(StateWeightCell, 3, 4, dtype=np.float64, fused="generated")
    with pytest.raises(CompileError, match="MatMul of Linear"):
        layer(Tensor(np.ones((2, 1, 3))))

