"""The language-model benchmark compares like with like: from the same weights its model
gives the same loss in tinygrad_rnn and in PyTorch, and a training step runs in both."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import word_lm  # noqa: E402

TINY = {**word_lm.SHAPE, "vocabulary": 50, "embedding": 6, "hidden": 5, "steps": 4, "batch": 3}


def test_both_libraries_give_the_same_evaluation_loss():
    pytest.importorskip("torch")
    loss = word_lm.check_same_loss(TINY)
    assert abs(loss - np.log(TINY["vocabulary"])) < 1.0   # near uniform for a fresh model


@pytest.mark.parametrize("which", ["tinygrad_rnn", "torch"])
def test_a_training_step_lowers_the_loss_of_its_batch(which):
    lib = pytest.importorskip(which)
    step = word_lm.training_step(lib, {**TINY, "dropout": 0.0, "lr": 1.0})
    first = float(step())
    for _ in range(5):
        last = float(step())
    assert last < first
