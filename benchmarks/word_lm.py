"""The word-level language model's training step (PyTorch's ``word_language_model``
example on Wikitext-2), in tinygrad_rnn and in PyTorch, from one source written against
PyTorch's names: ``build(tg)`` and ``build(torch)`` make the same model.

The step: embedding 33,278 × 200, dropout 0.2, two LSTM layers of 200 (dropout 0.2
between them), dropout 0.2, decoder 200 → 33,278, ``log_softmax`` and ``NLLLoss`` over
35 × 20 tokens, the state carried over from the previous step (truncated BPTT),
``clip_grad_norm_(0.25)`` and SGD (lr 20). Also the output layer's loss alone:
``log_softmax`` + ``nll_loss``, and ``cross_entropy``, over 700 × 33,278 logits, forward
and backward.

Reported, at each thread count of ``--threads`` (default 1 and 2):

- time per call: both libraries in this process take turns (``time_in_turns`` of
  ``recurrent_step.py``: after a warm-up, three rounds of a third of their repeats each),
  the ratio is tinygrad_rnn's median over PyTorch's;
- peak memory of training: each library in a fresh process that imports only it, its
  peak resident memory (VmHWM) above its resident memory after the import, over building
  the model and five steps.

Before timing, one evaluation step (dropout off) from the same weights must give the same
loss in both, or the run stops: a benchmark of different work would mean nothing.
Goals (issue 19): the step ≤ 1.0 × PyTorch's time at 1 and 2 threads and its peak memory ≤
PyTorch's; each loss ≤ 1.2 × PyTorch's.

Run alone (never beside a test run: it measures wall-clock time); ``--quick`` is a smoke
run at a vocabulary of 2,000 with few repeats::

    python benchmarks/word_lm.py [--quick] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys

import numpy as np

from machine import machine_line
from recurrent_step import FULL, QUICK, peak_rss_bytes, print_table, set_threads, time_in_turns

SHAPE = {"vocabulary": 33278, "embedding": 200, "hidden": 200, "layers": 2, "dropout": 0.2,
         "steps": 35, "batch": 20, "clip": 0.25, "lr": 20.0}
QUICK_SHAPE = {**SHAPE, "vocabulary": 2000}
LIBRARIES = ("tinygrad_rnn", "torch")
GOALS = {"step": 1.0, "log_softmax + nll_loss": 1.2, "cross_entropy": 1.2}
MEMORY_STEPS = 5


def library(name: str):
    __import__(name)
    return sys.modules[name]


def build(lib, shape: dict, seed: int = 0):
    """The model, its optimizer and the data of one batch, written once for either library
    (PyTorch's example, with an SGD optimizer in place of its hand-written update)."""
    nn, F = lib.nn, lib.nn.functional
    V, E, H, L = shape["vocabulary"], shape["embedding"], shape["hidden"], shape["layers"]

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(shape["dropout"])
            self.encoder = nn.Embedding(V, E)
            self.rnn = nn.LSTM(E, H, L, dropout=shape["dropout"])
            self.decoder = nn.Linear(H, V)

        def forward(self, tokens, hidden):
            output, hidden = self.rnn(self.drop(self.encoder(tokens)), hidden)
            decoded = self.decoder(self.drop(output)).view(-1, V)
            return F.log_softmax(decoded, dim=1), hidden

    lib.manual_seed(seed)
    model = RNNModel()
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, V, (shape["steps"] + 1, shape["batch"]))
    data = lib.from_numpy(tokens[:-1].copy())
    targets = lib.from_numpy(tokens[1:].reshape(-1).copy())
    return model, lib.optim.SGD(model.parameters(), lr=shape["lr"]), data, targets


def training_step(lib, shape: dict):
    """step(): one training step of ``build``'s model, its state carried across calls."""
    model, optimizer, data, targets = build(lib, shape)
    criterion = lib.nn.NLLLoss()
    zeros = lib.zeros(shape["layers"], shape["batch"], shape["hidden"])
    hidden = [(zeros, zeros)]

    def step():
        h, c = hidden[0]
        model.zero_grad()
        output, state = model(data, (h.detach(), c.detach()))
        loss = criterion(output, targets)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), shape["clip"])
        optimizer.step()
        hidden[0] = state
        return loss.item()

    return step


def check_same_loss(shape: dict) -> float:
    """The evaluation loss of one batch in both libraries from tinygrad_rnn's weights; stops
    the run if they differ."""
    import torch

    import tinygrad_rnn as tg

    losses = []
    ours, _, data, targets = build(tg, shape)
    state = {name: torch.from_numpy(np.asarray(value)) for name, value in ours.state_dict().items()}
    theirs, _, _, _ = build(torch, shape)
    theirs.load_state_dict(state)
    for lib, model in ((tg, ours), (torch, theirs)):
        model.eval()
        zeros = lib.zeros(shape["layers"], shape["batch"], shape["hidden"])
        with lib.no_grad():
            output, _ = model(lib.from_numpy(np.asarray(data)), (zeros, zeros))
            losses.append(float(lib.nn.functional.nll_loss(
                output, lib.from_numpy(np.asarray(targets)))))
    assert abs(losses[0] - losses[1]) < 1e-4 * abs(losses[1]), f"the losses differ: {losses}"
    return losses[1]


def loss_steps(lib, shape: dict, which: str):
    """step(): the forward and backward of the output layer's loss over T·N rows of logits."""
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    rows = shape["steps"] * shape["batch"]
    logits = lib.from_numpy(rng.standard_normal((rows, shape["vocabulary"]), np.float32))
    logits.requires_grad_(True)
    targets = lib.from_numpy(rng.integers(0, shape["vocabulary"], rows))

    def step():
        logits.grad = None
        if which == "cross_entropy":
            loss = F.cross_entropy(logits, targets)
        else:
            loss = F.nll_loss(F.log_softmax(logits, dim=1), targets)
        loss.backward()

    return step


def timings(shape: dict, policy, threads) -> dict:
    """{(threads, what): (tinygrad_rnn's median, PyTorch's median)} in seconds."""
    libs = {name: library(name) for name in LIBRARIES}
    medians = {}
    for n in threads:
        set_threads(n)
        for what in GOALS:
            steps = {name: (training_step(lib, shape) if what == "step" else
                            loss_steps(lib, shape, what)) for name, lib in libs.items()}
            times = time_in_turns(steps, policy)
            medians[n, what] = tuple(float(np.median(times[name])) for name in LIBRARIES)
            del steps
            gc.collect()
    return medians


def current_rss_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_child(name: str, threads: int, shape: dict) -> None:
    """Print, as JSON, the peak resident memory of building the model and training
    ``MEMORY_STEPS`` steps, above the resident memory after importing ``name`` alone."""
    lib = library(name)
    set_threads(threads)
    before = current_rss_bytes()
    step = training_step(lib, shape)
    for _ in range(MEMORY_STEPS):
        step()
    print(json.dumps({"peak": peak_rss_bytes() - before}))


def peak_memory(threads, quick: bool) -> dict:
    """{(threads, library): peak bytes}, each from its own process."""
    out = {}
    for n in threads:
        for name in LIBRARIES:
            command = [sys.executable, __file__, "--memory-of", name, "--threads", str(n)]
            result = subprocess.run(command + (["--quick"] if quick else []),
                                    capture_output=True, text=True, check=True)
            out[n, name] = json.loads(result.stdout.strip().splitlines()[-1])["peak"]
    return out


def report(shape, medians, memory, threads) -> None:
    rows = []
    for n in threads:
        for what in GOALS:
            ours, theirs = medians[n, what]
            rows.append([what, str(n), f"{ours * 1e3:.1f}", f"{theirs * 1e3:.1f}",
                         f"{ours / theirs:.2f}×", f"≤ {GOALS[what]}×",
                         "met" if ours / theirs <= GOALS[what] else "NOT met"])
    print_table(["time per call", "threads", "tinygrad_rnn ms", "PyTorch ms", "ratio", "goal",
                 ""], rows)
    rows = [[str(n), f"{memory[n, 'tinygrad_rnn'] / 2**20:.0f}",
             f"{memory[n, 'torch'] / 2**20:.0f}",
             f"{memory[n, 'tinygrad_rnn'] / memory[n, 'torch']:.2f}×",
             "met" if memory[n, "tinygrad_rnn"] <= memory[n, "torch"] else "NOT met"]
            for n in threads]
    print_table(["peak memory of training", "tinygrad_rnn MiB", "PyTorch MiB", "ratio",
                 "goal ≤ 1.0×"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small, few repeats")
    parser.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    parser.add_argument("--memory-of", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = [int(n) for n in args.threads.split(",")]
    shape = QUICK_SHAPE if args.quick else SHAPE
    if args.memory_of:
        memory_child(args.memory_of, threads[0], shape)
        return
    print(f"# The word-level language model's step, tinygrad_rnn against PyTorch\n\n"
          f"{machine_line()}\n\nShape: {json.dumps(shape)}\n")
    print(f"Evaluation loss of one batch, the same in both: {check_same_loss(shape):.5f}\n")
    medians = timings(shape, QUICK if args.quick else FULL, threads)
    report(shape, medians, peak_memory(threads, args.quick), threads)


if __name__ == "__main__":
    main()
