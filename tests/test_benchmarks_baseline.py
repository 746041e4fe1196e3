"""The benchmarks' hand-written NumPy baseline computes the gradients tinygrad_rnn computes:
a benchmark against it compares equal work."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import numpy_baseline  # noqa: E402


@pytest.mark.parametrize("cell", sorted(numpy_baseline.GATES))
def test_numpy_baseline_gradients_equal_tinygrad_rnn_fused_and_stepwise_in_float64(cell):
    assert numpy_baseline.check_against_tinygrad(cells=(cell,)) < 1e-10


def test_numpy_baseline_check_names_the_gradient_that_differs(monkeypatch):
    """A wrong baseline fails the check (the check is not vacuous)."""
    rnn_backward = numpy_baseline.BACKWARD["rnn"]

    def wrong(params, saved, g_output):
        grads = rnn_backward(params, saved, g_output)
        return {**grads, "weight_hh": 1.01 * grads["weight_hh"]}

    monkeypatch.setitem(numpy_baseline.BACKWARD, "rnn", wrong)
    with pytest.raises(AssertionError, match="rnn dweight_hh"):
        numpy_baseline.check_against_tinygrad(cells=("rnn",))
