"""Which path a layer takes, why a step falls back, the disk cache of generated modules, the
graph a generated sequence leaves, and the safety of the compiled loops."""

import json

import numpy as np
import pytest
from isolated import run_isolated
from step_only_cells import IndRNNCell, ValueBranchCell

from tinygrad_rnn import Tensor, compiler, ops, plugins, viz
from tinygrad_rnn.compiler import CompileError, cache
from tinygrad_rnn.nn import Recurrent
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.recurrent import STEPWISE_ENV, sequence_path


class SoftmaxCell(RecurrentCell):
    """A step with an op the compiler does not take (a softmax over the features)."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)

    def step(self, x, state):
        h = ops.softmax(x @ self.weight_ih.T + state[0] @ self.weight_hh.T, -1)
        return h, (h,)


def test_the_default_path_is_the_own_kernel_else_the_generated_one_else_the_step(monkeypatch):
    lstm, mgu = plugins.get("lstm")(3, 4), plugins.get("mgu")(3, 4)
    assert sequence_path(lstm) == "kernel" and sequence_path(lstm, "generated") == "generated"
    assert sequence_path(mgu) == "generated" and sequence_path(mgu, True) == "generated"
    assert sequence_path(plugins.get("lstm")(3, 4, proj_size=2)) == "generated"
    assert sequence_path(SoftmaxCell(3, 4)) == "step"
    assert sequence_path(mgu, False) == "step"
    monkeypatch.setenv(STEPWISE_ENV, "1")
    assert sequence_path(mgu) == "step" and sequence_path(mgu, "generated") == "generated"


def test_an_unknown_fused_value_is_refused():
    with pytest.raises(ValueError, match="fused must be None, True, False or 'generated'"):
        sequence_path(plugins.get("mgu")(3, 4), "kernel")


def test_an_unsupported_op_is_named_and_forcing_the_generated_path_raises():
    reason = compiler.why_not(SoftmaxCell(3, 4))
    assert "Softmax" in reason and "is not supported" in reason and "test_paths" in reason
    layer = Recurrent(SoftmaxCell, 3, 4, fused="generated")
    with pytest.raises(CompileError, match="Softmax"):
        layer(Tensor(np.ones((2, 1, 3), np.float32)))


def test_a_value_dependent_step_falls_back_to_the_step_path_with_its_reason():
    reason = compiler.why_not(ValueBranchCell(3, 4, dtype=np.float64))
    assert "depends on the values" in reason and "h.array.sum()" in reason
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 3)))
    layer = Recurrent(ValueBranchCell, 3, 4, dtype=np.float64)
    default, _ = layer(x)
    layer.fused = False
    stepwise, _ = layer(x)
    np.testing.assert_array_equal(default.array, stepwise.array)


class TransposedStateCell(IndRNNCell):
    def step(self, x, state):
        (h,) = state
        h = ops.tanh(x @ self.weight_ih.T + (self.weight_ih[:, :1] * h.T).T)
        return h, (h,)


def test_a_value_with_the_batch_on_another_axis_is_named_as_such():
    reason = compiler.why_not(TransposedStateCell(1, 4, dtype=np.float64))
    assert reason.startswith("cannot compile TransposedStateCell.step: a value has the batch "
                             "on axis 1: value 6 (Permute, at test_paths_and_fallback.py:")
    assert "has shape (4, 2) for a batch of 2" in reason
    assert "depends on the values" not in reason


def test_generated_source_is_cached_on_disk_by_its_text(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))

    class Plain(IndRNNCell):
        pass

    class Changed(IndRNNCell):
        def step(self, x, state):
            h = ops.tanh(x @ self.weight_ih.T + self.weight_hh * state[0])
            return h, (h,)

    first = compiler.compile_cell(Plain(3, 4, dtype=np.float64))
    second = compiler.compile_cell(Changed(3, 4, dtype=np.float64))
    files = sorted(tmp_path.glob("cell_*.py"))
    assert len(files) == 2 and first.source != second.source
    assert {f.read_text() for f in files} == {first.source, second.source}
    assert first.module.__file__ in map(str, files)


def test_a_generated_sequence_is_one_node_per_layer_and_direction_whatever_t():
    counts = []
    for steps in (3, 9):
        layer = Recurrent("mgu", 3, 4, num_layers=2, bidirectional=True)
        output, _ = layer(Tensor(np.ones((steps, 2, 3), np.float32)))
        dot = viz.to_dot(output.sum(), max_nodes=None)
        counts.append((dot.count('label="GeneratedSequence"'), dot.count('label="Tanh"')))
    assert counts == [(4, 0), (4, 0)]


def test_mismatched_states_and_lengths_are_refused_before_the_kernel_runs():
    # NOTE: in a child process: a compiled loop that read past an array would crash it.
    out = run_isolated("""
        import json
        import numpy as np
        from tinygrad_rnn import Tensor, compiler, plugins
        cell = plugins.get("mgu")(3, 4, dtype=np.float64)
        x = Tensor(np.ones((5, 2, 3)))
        cases = {
            "batch": lambda: compiler.run(cell, x, (Tensor(np.ones((3, 4))),)),
            "width": lambda: compiler.run(cell, x, (Tensor(np.ones((2, 5))),)),
            "states": lambda: compiler.run(cell, x, ()),
            "long": lambda: compiler.run(cell, x, (Tensor(np.ones((2, 4))),), [5, 6]),
            "count": lambda: compiler.run(cell, x, (Tensor(np.ones((2, 4))),), [5]),
            "dtype": lambda: compiler.run(cell, Tensor(np.ones((5, 2, 3), np.float32)),
                                          (Tensor(np.ones((2, 4))),)),
        }
        found = {}
        for name, call in cases.items():
            try:
                call()
                found[name] = "no error"
            except (TypeError, ValueError) as error:
                found[name] = type(error).__name__
        rng = np.random.default_rng(0)
        for _ in range(80):   # fuzz: random batches, state shapes and lengths
            T, N = (int(v) for v in rng.integers(1, 5, 2))
            rows = N if rng.random() < 0.6 else int(rng.integers(0, 5))
            width = 4 if rng.random() < 0.6 else int(rng.integers(1, 6))
            draw = rng.random()
            lengths = (None if draw < 0.3 else rng.integers(1, T + 1, N) if draw < 0.65
                       else rng.integers(-1, 7, int(rng.integers(0, 5))))
            valid = rows == N and width == 4 and (lengths is None or (
                len(lengths) == N and lengths.min() >= 1 and lengths.max() <= T))
            try:
                compiler.run(cell, Tensor(rng.standard_normal((T, N, 3))),
                             (Tensor(rng.standard_normal((rows, width))),), lengths)
                found.setdefault("fuzz", []).append("ran" if valid else "ran on bad input")
            except (TypeError, ValueError):
                found.setdefault("fuzz", []).append("refused" if not valid else "refused good input")
        print(json.dumps(found))
    """)
    found = json.loads(out)
    fuzz = found.pop("fuzz")
    assert set(fuzz) <= {"ran", "refused"} and {"ran", "refused"} <= set(fuzz)
    assert found == {"batch": "ValueError", "width": "ValueError", "states": "ValueError",
                     "long": "ValueError", "count": "ValueError", "dtype": "TypeError"}
