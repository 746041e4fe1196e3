"""The PyTorch side of the task benchmark: without PyTorch it says so and succeeds; with it,
each task's PyTorch mirror, given the tinygrad_rnn model's weights and the task's batch,
computes the same first loss, and a few steps of training keep both on one path."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import torch_tasks  # noqa: E402

from tinygrad_rnn.tasks import TASKS  # noqa: E402
from tinygrad_rnn.tasks.options import make_config  # noqa: E402

# Small configurations: every task, each recurrent cell at least once, both directions.
SMALL = [
    ("adding", dict(cell="lstm", hidden=8, seq_len=12, batch=4)),
    ("adding", dict(cell="rnn", hidden=8, seq_len=12, batch=4)),
    ("charlm", dict(cell="gru", hidden=8, layers=2, seq_len=10, batch=3)),
    ("forecast", dict(hidden=8, bidirectional=True, batch=5)),
    ("sentiment", dict(cell="lstm", hidden=8, bidirectional=True, batch=5)),
    ("tag", dict(hidden=8, bidirectional=True, batch=5)),
    ("translate", dict(cell="lstm", hidden=8, batch=5)),
    ("caption", dict(cell="lstm", hidden=8, layers=2, batch=5)),
]


def test_without_torch_it_says_so_and_succeeds(monkeypatch, capsys):
    monkeypatch.setattr(torch_tasks, "torch", None)
    assert torch_tasks.main([]) == 0
    assert "PyTorch is not installed" in capsys.readouterr().out


@pytest.mark.parametrize("name, options", SMALL, ids=[f"{n}-{o.get('cell', 'default')}" for n, o in SMALL])
def test_torch_mirror_has_the_same_first_loss(name, options):
    pytest.importorskip("torch")
    from torch_mirrors import MIRRORS

    ours, theirs = torch_tasks.check_first_loss(TASKS[name], MIRRORS[name],
                                                make_config(TASKS[name], options))
    assert ours == pytest.approx(theirs, rel=torch_tasks.LOSS_RTOL)


def test_a_few_steps_keep_both_on_one_path():
    """After 5 identical Adam steps from the same weights the held-out MSEs agree closely,
    and differ from the untrained model's (so the steps did something)."""
    pytest.importorskip("torch")
    from torch_mirrors import MIRRORS

    config = make_config(TASKS["adding"], dict(hidden=8, seq_len=12, batch=8, steps=5,
                                               eval_every=5))
    ours, _ = torch_tasks.run_tinygrad(TASKS["adding"], config)
    theirs, _ = torch_tasks.run_torch(TASKS["adding"], MIRRORS["adding"], config)
    untrained, _ = torch_tasks.run_tinygrad(TASKS["adding"], {**config, "steps": 1, "lr": 1e-12})
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)
    assert abs(ours - untrained) > 100 * abs(ours - theirs)
