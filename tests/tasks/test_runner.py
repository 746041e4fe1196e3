"""The trainer: exact resume after Ctrl-C, the run folder, the JSON summary."""

import dataclasses
import json
import os
import signal

import numpy as np
import pytest
import safetensors.numpy

from tinygrad_rnn import cli
from tinygrad_rnn.tasks import TASKS, run_dir

TEXT = "To be, or not to be, that is the question: whether 'tis nobler in the mind. " * 3

# charlm: dropout, truncated BPTT with the state carried, an epoch every 7 chunks (each
# epoch at its own offset); adding: every batch drawn from the saved batch generator, and a
# learning-rate schedule.
SMALL = {
    "charlm": ["--hidden", "8", "--layers", "2", "--dropout", "0.3", "--batch", "4",
               "--seq-len", "6", "--eval-every", "4"],
    "adding": ["--hidden", "8", "--batch", "8", "--seq-len", "12", "--eval-every", "4",
               "--dropout", "0.2", "--layers", "2", "--lr-schedule", "cosine"],
}


def small_run(name, tmp_path, out, steps, *extra):
    options = SMALL[name]
    text = tmp_path / "text.txt"
    text.write_text(TEXT)
    argv = ["train", name, *options, "--steps", str(steps), "--out", str(tmp_path / out),
            "--quiet", *extra]
    return cli.main(argv + (["--text", str(text)] if name == "charlm" else []))


def arrays(path):
    return safetensors.numpy.load_file(str(path / run_dir.CHECKPOINT))


def interrupt_at(monkeypatch, name, step):
    """Send SIGINT to this process while task ``name`` draws the batch of ``step``."""
    task = TASKS[name]

    def sample_batch(data, config, rng, k):
        if k == step:
            os.kill(os.getpid(), signal.SIGINT)
        return task.sample_batch(data, config, rng, k)

    monkeypatch.setitem(TASKS, name, dataclasses.replace(task, sample_batch=sample_batch))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_interrupted_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one(
        name, tmp_path, monkeypatch, capsys):
    assert small_run(name, tmp_path, "straight", 11) == 0
    with monkeypatch.context() as patch:
        interrupt_at(patch, name, 6)
        assert small_run(name, tmp_path, "stopped", 11) == 130
    message = capsys.readouterr().err
    assert f"interrupted at step 6" in message and f"--resume {tmp_path / 'stopped'}" in message
    stopped = tmp_path / "stopped"
    assert json.loads((tmp_path / "stopped" / "config.json").read_text())["config"]["steps"] == 11
    assert cli.main(["train", "--resume", str(stopped), "--quiet"]) == 0
    straight, resumed = arrays(tmp_path / "straight"), arrays(stopped)
    assert sorted(straight) == sorted(resumed)
    for key in straight:
        np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)
    losses = [[row["train_loss"] for row in run_dir.read_metrics(tmp_path / folder)]
              for folder in ("straight", "stopped")]
    assert len(losses[0]) == 11 and losses[0] == losses[1]


def test_resume_can_extend_the_steps_and_continues_the_metrics(tmp_path):
    assert small_run("adding", tmp_path, "run", 4) == 0
    assert cli.main(["train", "adding", "--resume", str(tmp_path / "run"), "--steps", "8",
                     "--quiet"]) == 0
    assert [row["step"] for row in run_dir.read_metrics(tmp_path / "run")] == list(range(1, 9))


def test_a_run_folder_holds_config_metrics_plots_and_checkpoint(tmp_path, capsys):
    assert small_run("adding", tmp_path, "run", 8, "--json") == 0
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert set(summary) == {"task", "cell", "steps", "metric", "value", "baseline", "seconds",
                            "run_dir"}
    assert (summary["task"], summary["steps"], summary["metric"]) == ("adding", 8, "mse")
    folder = tmp_path / "run"
    record = json.loads((folder / "config.json").read_text())
    assert record["task"] == "adding" and record["config"]["hidden"] == 8
    assert {"tinygrad_rnn", "tinygrad-rnn-lstm"} <= set(record["versions"])
    rows = run_dir.read_metrics(folder)
    assert [row["step"] for row in rows] == list(range(1, 9))
    assert [row["step"] for row in rows if row["metric"] is not None] == [4, 8]
    assert rows[-1]["metric"] == pytest.approx(summary["value"])
    for picture in ("curves.png", "picture.png"):
        assert (folder / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_runs_through_the_trainer_and_draws_its_picture(name, tmp_path, capsys):
    folder = tmp_path / name
    assert cli.main(["train", name, "--hidden", "4", "--batch", "4", "--steps", "2",
                     "--eval-every", "1", "--out", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("step      1  train loss") == 1 and out.count("step      2  train loss") == 1
    assert (folder / "picture.png").read_bytes()[:4] == b"\x89PNG"
