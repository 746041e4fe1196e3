"""Peak memory of cells called step by step: PyTorch's sine-wave example, in both frameworks.

PyTorch's time-sequence-prediction example learns sine waves with two ``LSTMCell`` of 51
units in float64, called once per time step in a Python loop: 97 waves of 999 steps each
(of 100 waves of 1,000 points, the first three are kept for testing), a ``Linear`` reading
each step's h, the outputs concatenated, the mean squared error against the next point.
The same program, written once for either framework's module (``tinygrad_rnn`` or
``torch``), runs in a fresh child process per framework: build, ``--iterations`` training
iterations (forward over all steps, loss, backward, an optimizer step), then a prediction
without gradients that runs ``--future`` steps past the input. The model is
``sequence_model`` of ``tests/programs/sine_lbfgs.py``, the test program that checks it
against PyTorch at a small size.

The example optimises with L-BFGS; both run plain SGD here. L-BFGS evaluates the same
closure (forward and backward) several times per step and keeps a history of
parameter-sized vectors (about 32,000 numbers each), the same in both frameworks, so the
peak is the forward and backward measured here.

Each child reports its peak resident set size (VmHWM) over the whole run, its resident size
after building the model (the libraries and the data: the baseline), and the growth
between them. The goal: tinygrad_rnn's peak at most 1.2 times PyTorch's.

    python benchmarks/cell_memory.py [--stepwise]        # the example's sizes
    python benchmarks/cell_memory.py --steps 50 --batch 8 --future 10 --iterations 1   # smoke
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

from machine import machine_line
from recurrent_step import peak_rss_bytes, print_table

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "programs"))   # the model, written in the test program
from sine_lbfgs import sequence_model  # noqa: E402

HIDDEN = 51
GOAL = 1.2     # tinygrad_rnn's peak over PyTorch's, at most
FRAMEWORKS = ("tinygrad_rnn", "torch")


def sine_waves(steps: int, batch: int, seed: int = 2) -> np.ndarray:
    """The example's data: ``batch + 3`` sine waves of ``steps + 1`` points, each shifted by
    a random whole number of points in [-80, 80), period 2π·20 points, float64."""
    rng = np.random.default_rng(seed)
    period = 20
    x = np.arange(steps + 1) + rng.integers(-4 * period, 4 * period, batch + 3)[:, None]
    return np.sin(x / 1.0 / period).astype(np.float64)


def resident_bytes() -> int:
    """This process's resident set size now (VmRSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def child(framework: str, steps: int, batch: int, future: int, iterations: int) -> dict:
    """Run the program under ``framework``; its memory figures and seconds."""
    lib = importlib.import_module(framework)
    lib.manual_seed(0)
    data = sine_waves(steps, batch)
    input, target = lib.from_numpy(data[3:, :-1]), lib.from_numpy(data[3:, 1:])
    test_input = lib.from_numpy(data[:3, :-1])
    model = sequence_model(lib, HIDDEN).double()
    criterion = lib.nn.MSELoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    baseline = resident_bytes()
    start = time.perf_counter()
    for _ in range(iterations):
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        loss.backward()
        optimizer.step()
    with lib.no_grad():
        prediction = model(test_input, future=future)
    seconds = time.perf_counter() - start
    assert prediction.shape == (3, steps + future)
    return {"peak": peak_rss_bytes(), "baseline": baseline, "seconds": seconds,
            "loss": float(loss.item())}


def measure(framework: str, args, env=None) -> dict:
    """The child's figures for ``framework``, from a fresh process (with ``env`` added)."""
    command = [sys.executable, os.path.abspath(__file__), "--child", framework,
               "--steps", str(args.steps), "--batch", str(args.batch),
               "--future", str(args.future), "--iterations", str(args.iterations)]
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})})
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=999)
    parser.add_argument("--batch", type=int, default=97)
    parser.add_argument("--future", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--stepwise", action="store_true",
                        help="also run tinygrad_rnn's op-by-op steps (TINYGRAD_RNN_STEPWISE=1; slow)")
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps, args.batch, args.future,
                               args.iterations)))
        return
    print(f"Machine: {machine_line()}\n")
    print(f"### Sine waves: two LSTMCell of {HIDDEN} units, float64, {args.steps} steps, batch "
          f"{args.batch}, {args.iterations} training iteration(s), {args.future} predicted "
          f"steps; each framework in a fresh process\n")
    results = {}
    for framework in FRAMEWORKS:
        try:
            results[framework] = measure(framework, args)
        except subprocess.CalledProcessError as error:
            if framework == "torch" and "No module named 'torch'" in error.stderr:
                print("PyTorch is not installed: no reference, no ratio.\n")
                continue
            raise
    if args.stepwise:
        results["tinygrad_rnn op by op"] = measure("tinygrad_rnn", args,
                                                   {"TINYGRAD_RNN_STEPWISE": "1"})
    mib = 1 << 20
    print_table(["framework", "peak MiB", "baseline MiB", "growth MiB", "seconds", "loss"],
                [[name, f"{r['peak'] / mib:.0f}", f"{r['baseline'] / mib:.0f}",
                  f"{(r['peak'] - r['baseline']) / mib:.0f}", f"{r['seconds']:.2f}",
                  f"{r['loss']:.6f}"] for name, r in results.items()])
    if len(results) == 2:
        ours, theirs = results["tinygrad_rnn"], results["torch"]
        ratio = ours["peak"] / theirs["peak"]
        growth = (ours["peak"] - ours["baseline"]) / (theirs["peak"] - theirs["baseline"])
        print(f"Peak: tinygrad_rnn / PyTorch = {ratio:.2f} (goal <= {GOAL}: "
              f"{'met' if ratio <= GOAL else 'missed'}); growth over the baseline: "
              f"{growth:.2f}")


if __name__ == "__main__":
    main()
