"""The default thread setting beside a busy neighbour: training steps at the default setting
and at one thread, on a quiet machine and while another process keeps one core busy.

Three workloads, each a training step (forward, loss, backward, optimizer step), float32:

* ``word``: PyTorch's word-level language model, untied: a vocabulary of 33,278 words
  (WikiText-2's), embeddings of 200, two LSTM layers of 200, a batch of 20 sequences of 35
  tokens, cross-entropy over the vocabulary, gradients clipped to norm 0.25, SGD;
* ``lstm`` and ``gru``: ``recurrent_step.py``'s medium step, (T, N, I, H) = (100, 32, 128,
  128).

Each (workload, setting, condition) runs in a fresh child process: the default setting is
the environment with no thread variable at all (``TINYGRAD_RNN_NUM_THREADS``,
``OMP_NUM_THREADS`` and the BLAS's removed), one thread is ``TINYGRAD_RNN_NUM_THREADS=1``.
A child times ``--steps`` steps after one warm-up and reports the median. The busy
neighbour is a child process of this script that spins on the CPU (unpinned, wherever the
system puts it) for at most ``--neighbour-seconds``, started before the busy runs and
stopped after them.

Goals (issue "PyTorch parity in the details"): busy, the default setting's time at most
1.3× one thread's; quiet, the default setting's time within 10% of the previous release's
(run this script on both and compare the quiet default column).

    python benchmarks/busy_neighbour.py                          # the real sizes (minutes)
    python benchmarks/busy_neighbour.py --small --steps 3        # a smoke run (seconds)

Run it alone: it measures wall-clock time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

from machine import machine_line
from recurrent_step import SIZES, THREAD_SETTINGS, print_table

WORKLOADS = ("word", "lstm", "gru")
WORD = {"vocabulary": 33278, "embedding": 200, "hidden": 200, "layers": 2, "steps": 35,
        "batch": 20}
WORD_SMALL = {"vocabulary": 1000, "embedding": 32, "hidden": 32, "layers": 2, "steps": 10,
              "batch": 4}
SETTINGS = {"default": {}, "one thread": {"TINYGRAD_RNN_NUM_THREADS": "1"}}
BUSY_GOAL = 1.3


# ---------------------------------------------------------------- the steps (in a child)

def word_step(sizes: dict):
    """A training step of the word-level language model at ``sizes``."""
    import numpy as np

    import tinygrad_rnn as tg
    from tinygrad_rnn import nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(sizes["vocabulary"], sizes["embedding"])
            self.rnn = nn.LSTM(sizes["embedding"], sizes["hidden"], sizes["layers"])
            self.decoder = nn.Linear(sizes["hidden"], sizes["vocabulary"])

        def forward(self, tokens):
            output, _ = self.rnn(self.encoder(tokens))
            return self.decoder(output)

    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    model = RNNModel()
    optimizer = tg.optim.SGD(model.parameters(), lr=20.0)
    criterion = nn.CrossEntropyLoss()
    shape = (sizes["steps"] + 1, sizes["batch"])

    def step():
        tokens = tg.tensor(rng.integers(0, sizes["vocabulary"], shape))
        optimizer.zero_grad()
        logits = model(tokens[:-1])
        loss = criterion(logits.reshape(-1, sizes["vocabulary"]), tokens[1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
    return step


def recurrent_step(cell: str, size: tuple):
    """``recurrent_step.py``'s tinygrad_rnn training step (fused path) of ``cell``."""
    from recurrent_step import build_tinygrad, problem

    return build_tinygrad(None)(cell, *problem(cell, size))


def child(workload: str, small: bool, steps: int) -> dict:
    if workload == "word":
        step = word_step(WORD_SMALL if small else WORD)
    else:
        step = recurrent_step(workload, SIZES["small" if small else "medium"])
    step()   # warm-up: compile, allocate
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    import tinygrad_rnn as tg
    return {"median": statistics.median(times), "min": min(times),
            "threads": tg.get_num_threads()}


# ---------------------------------------------------------------- the neighbour and the runs

def spin(seconds: float) -> None:
    """Keep one CPU busy for ``seconds`` (the busy neighbour)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def measure(workload: str, setting: str, args) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in THREAD_SETTINGS
           and name != "TINYGRAD_RNN_NUM_THREADS"}
    command = [sys.executable, os.path.abspath(__file__), "--child", workload,
               "--steps", str(args.steps)] + (["--small"] if args.small else [])
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**env, **SETTINGS[setting]})
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--steps", type=int, default=10, help="timed steps per child")
    parser.add_argument("--small", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--neighbour-seconds", type=float, default=900.0,
                        help="the longest the busy neighbour may spin")
    parser.add_argument("--child", choices=WORKLOADS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.small, args.steps)))
        return
    workloads = args.workloads.split(",")
    print(f"Machine: {machine_line()}\n")
    results = {}
    for workload in workloads:
        for setting in SETTINGS:
            results[workload, setting, "quiet"] = measure(workload, setting, args)
    neighbour = multiprocessing.Process(target=spin, args=(args.neighbour_seconds,), daemon=True)
    neighbour.start()
    try:
        for workload in workloads:
            for setting in SETTINGS:
                results[workload, setting, "busy"] = measure(workload, setting, args)
    finally:
        neighbour.terminate()
        neighbour.join()
    threads = results[workloads[0], "default", "quiet"]["threads"]
    print(f"### Training step, median ms of {args.steps} (default setting: {threads} threads; "
          f"busy: one other process spinning on one core)\n")
    rows = []
    for workload in workloads:
        ms = {(s, c): results[workload, s, c]["median"] * 1e3
              for s in SETTINGS for c in ("quiet", "busy")}
        busy_ratio = ms["default", "busy"] / ms["one thread", "busy"]
        rows.append([workload, f"{ms['default', 'quiet']:.1f}", f"{ms['one thread', 'quiet']:.1f}",
                     f"{ms['default', 'quiet'] / ms['one thread', 'quiet']:.2f}",
                     f"{ms['default', 'busy']:.1f}", f"{ms['one thread', 'busy']:.1f}",
                     f"{busy_ratio:.2f} ({'met' if busy_ratio <= BUSY_GOAL else 'missed'})"])
    print_table(["workload", "quiet default", "quiet 1 thread", "quiet default / 1",
                 "busy default", "busy 1 thread", f"busy default / 1 (goal <= {BUSY_GOAL})"], rows)


if __name__ == "__main__":
    main()
