"""The trainer: one loop for every task, with a progress bar, evaluations, a run folder,
checkpoints, Ctrl-C and exact resume.

Each step draws the task's batch for that step from the batch generator, computes the
loss, backpropagates, clips the gradient norm, and lets the optimizer (and the schedule)
step. Every ``eval_every`` steps the model is evaluated on held-out data in eval mode with
the graph off; every ``checkpoint_every`` steps, at the end and on Ctrl-C the checkpoint
(:mod:`tinygrad_rnn.tasks.checkpoint`) and ``metrics.csv`` are written. Since a batch
depends only on the step and the saved generators, a resumed run repeats exactly what the
uninterrupted run would have done.
"""

from __future__ import annotations

import math
import pathlib
import signal
import sys
import time

import numpy as np

from .. import no_grad, optim
from ..random import manual_seed
from . import TASKS, checkpoint, run_dir
from .options import OPTIMIZERS, make_config
from .plots import plot_curves
from .task import Task

INTERRUPTED = 130   # the shell's status for a process stopped by SIGINT


class TrainingError(RuntimeError):
    """Training cannot go on (the loss is no longer finite)."""


class _StopRequest:
    """Ctrl-C while training: the first sets ``requested``, which the loop checks between
    steps (so the checkpoint is that of a whole step); a second one interrupts at once."""

    def __enter__(self):
        self.requested = False
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info):
        signal.signal(signal.SIGINT, self._previous)


def make_optimizer(config: dict, model):
    return OPTIMIZERS[config["optimizer"]](list(model.parameters()), lr=config["lr"])


def make_scheduler(config: dict, optimizer):
    """None for a constant learning rate; a cosine decay to 0 over ``steps`` otherwise."""
    if config["lr_schedule"] == "cosine":
        return optim.CosineAnnealingLR(optimizer, T_max=config["steps"])
    return None


def batch_generator(config: dict) -> np.random.Generator:
    """The batches' generator: a stream of the seed apart from the one ``make_data`` uses."""
    return np.random.default_rng([config["seed"], 1])


def evaluate(task, model, data, config) -> tuple[float, list[str]]:
    """The task's held-out metric and report lines, in eval mode with the graph off."""
    model.eval()
    try:
        with no_grad():
            return float(task.evaluate(model, data, config)), list(task.report(model, data, config))
    finally:
        model.train()


def train_step(task, model, optimizer, scheduler, data, config, rng, step: int) -> float:
    """One optimizer step on the batch of ``step``; returns its loss."""
    batch = task.sample_batch(data, config, rng, step)
    optimizer.zero_grad()
    loss = task.loss(model, batch)
    loss.backward()
    if config["clip"]:
        optim.clip_grad_norm_(model.parameters(), config["clip"])
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    value = float(loss.array)
    if not math.isfinite(value) and step == 1:   # the loss of step k follows k - 1 updates
        raise TrainingError(f"the training loss was {value} at step 1, before any update: "
                            f"the model or the data gives it, not the learning rate")
    if not math.isfinite(value):
        raise TrainingError(f"the training loss became {value} at step {step}, after step "
                            f"{step - 1}'s update; try a smaller --lr (now {config['lr']}) or "
                            f"--clip")
    return value


class Run:
    """One training run of ``task`` with ``config`` in the folder ``path``."""

    def __init__(self, name: str, task: Task, config: dict, path: pathlib.Path,
                 quiet: bool = False):
        self.name, self.task, self.config, self.path, self.quiet = name, task, config, path, quiet
        self.data = task.make_data(config, config["seed"])
        manual_seed(config["seed"])
        self.model = task.build_model(config, self.data)
        self.model.train()
        self.optimizer = make_optimizer(config, self.model)
        self.scheduler = make_scheduler(config, self.optimizer)
        self.rng = batch_generator(config)
        self.step, self.seconds, self.rows = 0, 0.0, []

    # ------------------------------------------------------------ the folder

    def start(self) -> None:
        run_dir.create(self.path, self.name, self.config)

    def resume(self) -> None:
        """Load the checkpoint of the folder and cut ``metrics.csv`` back to its step."""
        state = checkpoint.load(self.path / run_dir.CHECKPOINT, self.model, self.optimizer,
                                self.scheduler, self.rng)
        self.step, self.seconds = state.step, state.seconds
        if state.carry:
            self.task.set_carry(self.model, state.carry)
        self.rows = [row for row in run_dir.read_metrics(self.path) if row["step"] <= self.step]
        run_dir.write_config(self.path, self.name, self.config)

    def save(self) -> None:
        checkpoint.save(self.path / run_dir.CHECKPOINT, self.model, self.optimizer,
                        self.scheduler, step=self.step, seconds=self.seconds,
                        batch_rng=self.rng, carry=self.task.get_carry(self.model),
                        position=self.task.position(self.data, self.config, self.step))
        run_dir.write_metrics(self.path, self.rows)

    # ------------------------------------------------------------ training

    def say(self, line: str) -> None:
        if not self.quiet:
            from tqdm import tqdm   # NOTE: here, so that importing the command stays light
            tqdm.write(line, file=sys.stdout)

    def train(self) -> dict:
        """Train up to ``config["steps"]``; return the summary (``interrupted`` is True when
        Ctrl-C stopped it)."""
        from tqdm import tqdm

        config, steps = self.config, self.config["steps"]
        self.baseline = baseline = self.task.baseline(self.data, config)
        bar = tqdm(total=steps, initial=self.step, unit="step", disable=self.quiet,
                   file=sys.stderr, dynamic_ncols=True, desc=self.name)
        with bar, _StopRequest() as stop:
            for step in range(self.step + 1, steps + 1):
                began = time.perf_counter()
                loss = train_step(self.task, self.model, self.optimizer, self.scheduler,
                                  self.data, config, self.rng, step)
                row = {"step": step, "seconds": None, "train_loss": loss, "metric": None}
                if step % config["eval_every"] == 0 or step == steps:
                    row["metric"], lines = evaluate(self.task, self.model, self.data, config)
                    self.say(self.eval_line(row, baseline))
                    for line in lines:
                        self.say("    " + line)
                self.seconds += time.perf_counter() - began
                row["seconds"] = round(self.seconds, 3)
                self.rows.append(row)
                self.step = step
                bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
                bar.update(1)
                if step % config["checkpoint_every"] == 0 or step == steps or stop.requested:
                    self.save()
                if stop.requested:
                    break
        self.draw()
        return self.summary(interrupted=self.step < steps)

    def eval_line(self, row: dict, baseline) -> str:
        recent = [r["train_loss"] for r in self.rows[-self.config["eval_every"] + 1:]]
        mean = np.mean(recent + [row["train_loss"]])
        format_metric = self.task.format_metric
        text = (f"step {row['step']:>6}  train loss {mean:.4f}  "
                f"{self.task.metric} {format_metric(row['metric'])}")
        return text + ("" if baseline is None else f"  (baseline {format_metric(baseline)})")

    def draw(self) -> None:
        """The curves, and the task's own picture of the model as it is now."""
        plot_curves(self.rows, self.task.metric, self.baseline, self.path / "curves.png")
        self.model.eval()
        try:
            with no_grad():
                self.task.picture(self.model, self.data, self.config, self.path / "picture.png")
        finally:
            self.model.train()

    def summary(self, interrupted: bool) -> dict:
        evaluated = [row["metric"] for row in self.rows if row["metric"] is not None]
        value = evaluated[-1] if evaluated else evaluate(self.task, self.model, self.data,
                                                         self.config)[0]
        return {"task": self.name, "cell": self.config["cell"], "steps": self.step,
                "metric": self.task.metric, "value": value, "baseline": self.baseline,
                "seconds": round(self.seconds, 3), "run_dir": str(self.path),
                "interrupted": interrupted}


def train(name: str, folder, **options) -> dict:
    """Train the task ``name`` into the new folder ``folder``, quietly, as
    ``tinygrad-rnn train NAME --quiet --out FOLDER`` with ``options`` (``steps=200``,
    ``cell="gru"``, ...) does, and return the run's summary. The folder then holds what the
    command writes, ``curves.png`` and ``picture.png`` included; the task pages of the docs
    draw their plots this way.

    Raises:
        ValueError: ``name`` is not a task the trainer runs, or an option is bad
            (:class:`~tinygrad_rnn.tasks.options.OptionError`).
    """
    if name not in TASKS:
        raise ValueError(f"train: expected one of {', '.join(sorted(TASKS))}, got {name!r}")
    task = TASKS[name]
    run = Run(name, task, make_config(task, options), pathlib.Path(folder), quiet=True)
    run.start()
    return run.train()
