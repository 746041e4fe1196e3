"""The tasks of ``tinygrad-rnn train`` against PyTorch: the same model, data, initial
weights, optimizer and steps in both, with both final metrics and both training times.

For every run of ``tasks.py`` (each task, ``tag`` in both directions, ``adding`` with each
cell), the PyTorch model (``torch_mirrors.py``) mirrors the task's own module layer for layer
with the same parameter names, and starts from the very weights of the tinygrad_rnn model
(its ``state_dict``: the task's initialisation scheme included, e.g. ``adding``'s chrono
biases). Both read the batches the task's own ``sample_batch`` draws (NumPy, from the same
seed), take the same optimizer, learning rate, gradient clipping and steps, and are scored by
the task's metric on the same held-out data. Before timing, the first batch's loss of the two
models must agree to float32 rounding (else AssertionError), which checks the mirror, the
weight copy and the data path.

Both runs are in this process, with as many threads, timed alike: the training steps and an evaluation every
``eval_every`` steps, nothing else (no progress bar, samples, plots or checkpoints, which
the command's own "training s" in ``tasks.py`` counts). Usage::

    python benchmarks/torch_tasks.py [--steps S] [TASK ...]

``--steps`` shortens every run (the same for both sides). Without PyTorch it says so and
exits 0. It prints Markdown for RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from machine import machine_line
from task_runs import RUNS

try:
    import torch
except ImportError:
    torch = None

LOSS_RTOL = 1e-5    # float32 rounding of two sums done in different orders


# ---------------------------------------------------------------- the runs

def config_of(task, options: list, steps: int | None) -> dict:
    """The task's config for ``tasks.py``'s command-line ``options`` (``--cell NAME``,
    ``--bidirectional``), with ``steps`` if given."""
    from tinygrad_rnn.tasks.options import make_config

    given, rest = {}, list(options)
    while rest:
        name = rest.pop(0)[2:].replace("-", "_")
        given[name] = True if not rest or rest[0].startswith("--") else rest.pop(0)
    if steps is not None:
        given["steps"] = steps
    return make_config(task, given)


def tinygrad_model(task, config):
    """The data and the model as the trainer makes them (seeded, in train mode)."""
    from tinygrad_rnn.random import manual_seed

    data = task.make_data(config, config["seed"])
    manual_seed(config["seed"])
    model = task.build_model(config, data)
    model.train()
    return data, model


def torch_twin(mirror, config, data, model):
    """The mirror of ``model`` in PyTorch, with its weights."""
    torch.manual_seed(config["seed"])
    twin = mirror.Model(config, data).to(getattr(torch, config["dtype"]))
    twin.load_state_dict({name: torch.from_numpy(array) for name, array in model.state_dict().items()})
    twin.train()
    return twin


def check_first_loss(task, mirror, config) -> tuple[float, float]:
    """The first batch's loss in both, asserted equal to float32 rounding."""
    from tinygrad_rnn.tasks.runner import batch_generator

    data, model = tinygrad_model(task, config)
    twin = torch_twin(mirror, config, data, model)
    batch = task.sample_batch(data, config, batch_generator(config), 1)
    ours = float(task.loss(model, batch).array)
    theirs = float(mirror.loss(twin, batch).item())
    if not abs(ours - theirs) <= LOSS_RTOL * abs(theirs):
        raise AssertionError(f"{task.name}: the first loss is {ours!r} in tinygrad_rnn but "
                             f"{theirs!r} in the PyTorch mirror")
    return ours, theirs


def timed(step, evaluate, config) -> tuple[float, float]:
    """Run ``step(k)`` for k = 1..steps with ``evaluate()`` every ``eval_every`` steps and
    at the end; the last metric and the seconds taken."""
    began = time.perf_counter()
    for k in range(1, config["steps"] + 1):
        step(k)
        if k % config["eval_every"] == 0 or k == config["steps"]:
            metric = evaluate()
    return metric, time.perf_counter() - began


def scored(model, no_grad, evaluate) -> float:
    """``evaluate()`` with ``model`` in eval mode and the graph off."""
    model.eval()
    try:
        with no_grad():
            return float(evaluate())
    finally:
        model.train()


def run_tinygrad(task, config) -> tuple[float, float]:
    """Train the task's model as the trainer does: the final metric and the seconds."""
    from tinygrad_rnn import no_grad
    from tinygrad_rnn.tasks.runner import (batch_generator, make_optimizer, make_scheduler,
                                           train_step)

    data, model = tinygrad_model(task, config)
    optimizer = make_optimizer(config, model)
    scheduler = make_scheduler(config, optimizer)
    rng = batch_generator(config)

    def step(k):
        train_step(task, model, optimizer, scheduler, data, config, rng, k)

    return timed(step, lambda: scored(model, no_grad, lambda: task.evaluate(model, data, config)),
                 config)


def run_torch(task, mirror, config) -> tuple[float, float]:
    """The same in PyTorch, from the same weights and batches."""
    from tinygrad_rnn.tasks.runner import batch_generator
    from torch_mirrors import evaluate, make_optimizer, make_scheduler

    data, model = tinygrad_model(task, config)
    twin = torch_twin(mirror, config, data, model)
    optimizer = make_optimizer(config, twin.parameters())
    scheduler = make_scheduler(config, optimizer)
    rng = batch_generator(config)

    def step(k):
        batch = task.sample_batch(data, config, rng, k)
        optimizer.zero_grad()
        loss = mirror.loss(twin, batch)
        loss.backward()
        if config["clip"]:
            torch.nn.utils.clip_grad_norm_(twin.parameters(), config["clip"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()

    return timed(step, lambda: scored(twin, torch.no_grad, lambda: evaluate(task, mirror, twin, data, config)),
                 config)


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="*", help="tasks to run (default: every mirrored one)")
    parser.add_argument("--steps", type=int, help="steps of every run (default: the task's)")
    args = parser.parse_args(argv)
    if torch is None:
        print("PyTorch is not installed: nothing to compare against (pip install torch)")
        return 0
    from torch_mirrors import MIRRORS

    unknown = sorted(set(args.tasks) - set(MIRRORS))
    if unknown:
        parser.error(f"no PyTorch mirror for {', '.join(unknown)}; mirrored: {', '.join(MIRRORS)}")
    from tinygrad_rnn import get_num_threads
    from tinygrad_rnn.tasks import TASKS

    torch.set_num_threads(get_num_threads())   # the same threads on both sides
    print(f"# Tasks against PyTorch\n\nMachine: {machine_line()}; PyTorch {torch.__version__} "
          f"({torch.get_num_threads()} threads)\n")
    print("| task | options | steps | metric | tinygrad_rnn | PyTorch | first loss (both) "
          "| tinygrad_rnn s | PyTorch s | × PyTorch |")
    print("|---|---|---:|---|---:|---:|---|---:|---:|---:|")
    for name, options, _, _ in RUNS:
        if name not in MIRRORS or (args.tasks and name not in args.tasks):
            continue
        task, mirror = TASKS[name], MIRRORS[name]
        config = config_of(task, options, args.steps)
        ours, theirs = check_first_loss(task, mirror, config)
        value, seconds = run_tinygrad(task, config)
        torch_value, torch_seconds = run_torch(task, mirror, config)
        print(f"| {name} | {' '.join(options) or 'defaults'} | {config['steps']} | {task.metric} "
              f"| {value:.4f} | {torch_value:.4f} | {ours:.6f} / {theirs:.6f} | {seconds:.1f} "
              f"| {torch_seconds:.1f} | {seconds / torch_seconds:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
