"""Every task of ``tinygrad-rnn train`` with its default options: the final metric against
the issue's target and the task's baseline, and the time (goal: within 5 minutes on 2 cores).

Each run is a fresh process (``python -m tinygrad_rnn train TASK --quiet --json``), so the
wall time includes the start-up and loading the Numba cache; "training s" is the trainer's
own count (steps and evaluations). Run it alone (``make bench``), or name tasks to run only
those: ``python benchmarks/tasks.py charlm adding``. It prints Markdown for RESULTS.md.

Then, when PyTorch is installed, ``torch_tasks.py`` trains the same models from the same
initial weights on the same batches in both tinygrad_rnn and PyTorch, in one process, and
prints both final metrics and both training times.
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch_tasks
from machine import machine_line
from task_runs import RUNS

TIME_GOAL_S = 300


def train(task: str, options: list, folder: Path) -> tuple[dict, float]:
    """The JSON summary of one run and its wall time in seconds."""
    command = [sys.executable, "-m", "tinygrad_rnn", "train", task, *options, "--quiet",
               "--json", "--out", str(folder)]
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1]), time.perf_counter() - began


def main(only: list) -> None:
    print(f"# Tasks with their default options\n\nMachine: {machine_line()}\n")
    print("| task | options | metric | value | baseline | target | met? | training s "
          "| wall s | ≤ 5 min? |")
    print("|---|---|---|---:|---:|---|---|---:|---:|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for k, (task, options, target, check) in enumerate(RUNS):
            if only and task not in only:
                continue
            summary, wall = train(task, options, Path(scratch) / f"{k}-{task}")
            value, baseline = summary["value"], summary["baseline"]
            shown = "—" if baseline is None else f"{baseline:.4f}"
            print(f"| {task} | {' '.join(options) or 'defaults'} | {summary['metric']} "
                  f"| {value:.4f} | {shown} | {target} | {'yes' if check(value, baseline) else 'no'} "
                  f"| {summary['seconds']:.0f} | {wall:.0f} | {'yes' if wall <= TIME_GOAL_S else 'no'} |",
                  flush=True)
    print()
    torch_tasks.main(only)


if __name__ == "__main__":
    main(sys.argv[1:])
