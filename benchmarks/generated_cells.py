"""The whole-sequence path generated from a cell's ``step`` (``fused="generated"``) against what
it replaces, each ratio measured in one run, at each thread count of ``--threads``:

1. step-only cells (the MGU, and the peephole LSTM, IndRNN and a gated cell of ``nn.Linear``
   layers of ``tests/step_only_cells.py``): their step path ÷ their generated path (goals,
   for the first three: ≥ 15 at tiny, ≥ 3 at medium);
2. the built-ins: generated LSTM and GRU (both resets) ÷ their hand-written kernels, at every
   size of ``recurrent_step.py`` (goal: ≤ 1.25);
3. the MGU generated ÷ the same cell as a Python loop of PyTorch ops, eager and under
   ``torch.compile`` where it works (goals: ≤ 0.2 at tiny, ≤ 0.5 at medium; < 1 against
   ``torch.compile``), when PyTorch is installed;
4. the first compile of the MGU in a fresh process with empty caches, then a cached load in
   another (goals: ≤ 10 s and ≤ 0.5 s);
5. the peak memory (NumPy's allocations, by tracemalloc) of one medium LSTM step, generated ÷
   hand-written (goal: ≤ 1.3), each in a fresh process.

A step is one forward over a (T, N, I) float32 sequence from a zero state and one backward of
sum(output ⊙ W) with a fixed random W, as in ``recurrent_step.py``, whose timing routine
(``time_in_turns``: implementations take turns, so a drift in the machine's speed reaches
them alike) this script shares. Run it alone, never beside a test run.

    python benchmarks/generated_cells.py [--quick] [--threads 1,2] [--sizes tiny,medium]
        [--kernel-sizes tiny,small,medium,large,wide] [--parts 1,2,3,4,5]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile
import tracemalloc

import numpy as np

from machine import machine_line
from recurrent_step import FULL, QUICK, SIZES, print_table, run_python, set_threads, time_in_turns

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))   # the step-only cells written in the tests

STEP_ONLY = ("mgu", "peephole", "indrnn", "linear-gated")
WITH_GOALS = ("mgu", "peephole", "indrnn")   # the step-only cells the goals name
BUILTINS = (("lstm", {}), ("gru", {}), ("gru", {"reset": "before"}))
GOALS = {"step-only tiny": 15.0, "step-only medium": 3.0, "builtin": 1.25, "torch tiny": 0.2,
         "torch medium": 0.5, "compile": 10.0, "cached": 0.5, "memory": 1.3}


def register_test_cells() -> None:
    from step_only_cells import IndRNNCell, LinearGatedCell, PeepholeLSTMCell

    from tinygrad_rnn import plugins
    plugins.register("peephole", PeepholeLSTMCell)
    plugins.register("indrnn", IndRNNCell)
    plugins.register("linear-gated", LinearGatedCell)


def tinygrad_step(cell: str, size: tuple, fused, options=None, seed: int = 0):
    """A step (forward and backward) of ``cell`` at ``size`` = (T, N, I, H) through ``fused``."""
    from tinygrad_rnn import Tensor, manual_seed
    from tinygrad_rnn.nn import Recurrent

    T, N, I, H = size
    manual_seed(seed)
    layer = Recurrent(cell, I, H, fused=fused, **(options or {}))
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((T, N, I)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((T, N, layer.cells[0].output_size)).astype(np.float32))

    def step():
        for p in (x, *layer.parameters()):
            p.grad = None
        output, _ = layer(x)
        (output * w).sum().backward()
        return layer
    return step


def torch_mgu_steps(size: tuple, seed: int = 0) -> dict:
    """The MGU as a PyTorch user writes a new cell: its step in PyTorch ops, a Python loop
    over time; eager, and with the step under ``torch.compile`` when that works here."""
    import torch

    layer = tinygrad_step("mgu", size, "generated", seed=seed)()
    T, N, I, H = size
    params = [torch.tensor(p.array, requires_grad=True) for p in layer.parameters()]
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.standard_normal((T, N, I)).astype(np.float32), requires_grad=True)
    w = torch.tensor(rng.standard_normal((T, N, H)).astype(np.float32))

    def mgu_step(x_t, h, w_ih, w_hh, b_ih, b_hh):
        x_f, x_n = (x_t @ w_ih.T + b_ih).split(H, dim=-1)
        w_hf, w_hn = w_hh.split(H, dim=0)
        b_hf, b_hn = b_hh.split(H)
        f = torch.sigmoid(x_f + h @ w_hf.T + b_hf)
        n = torch.tanh(x_n + (f * h) @ w_hn.T + b_hn)
        return (1 - f) * h + f * n

    def loop(step_fn):
        def step():
            for p in (x, *params):
                p.grad = None
            h, outputs = torch.zeros(N, H), []
            for t in range(T):
                h = step_fn(x[t], h, *params)
                outputs.append(h)
            (torch.stack(outputs) * w).sum().backward()
        return step

    steps = {"PyTorch loop": loop(mgu_step)}
    try:
        compiled = loop(torch.compile(mgu_step))
        compiled()
        steps["PyTorch loop, torch.compile"] = compiled
    except Exception as error:  # noqa: BLE001  (no compiler toolchain, say)
        print(f"torch.compile does not work here: {type(error).__name__}: {error}")
    return steps


def ratios(times: dict, numerator: str, denominator: str) -> float:
    return float(np.median(times[numerator]) / np.median(times[denominator]))


def part_step_only(sizes, policy) -> list:
    rows = []
    for cell in STEP_ONLY:
        for size in sizes:
            steps = {"step": tinygrad_step(cell, SIZES[size], False),
                     "generated": tinygrad_step(cell, SIZES[size], "generated")}
            times = time_in_turns(steps, policy)
            goal = GOALS.get(f"step-only {size}") if cell in WITH_GOALS else None
            rows.append([cell, size, f"{np.median(times['step']) * 1e3:.2f}",
                         f"{np.median(times['generated']) * 1e3:.2f}",
                         f"{ratios(times, 'step', 'generated'):.1f}x",
                         "-" if goal is None else f">= {goal:g}x"])
    return rows


def part_builtins(sizes, policy) -> list:
    rows = []
    for cell, options in BUILTINS:
        for size in sizes:
            steps = {"kernel": tinygrad_step(cell, SIZES[size], True, options),
                     "generated": tinygrad_step(cell, SIZES[size], "generated", options)}
            times = time_in_turns(steps, policy)
            name = cell + "".join(f" {v}" for v in options.values())
            rows.append([name, size, f"{np.median(times['kernel']) * 1e3:.2f}",
                         f"{np.median(times['generated']) * 1e3:.2f}",
                         f"{ratios(times, 'generated', 'kernel'):.2f}",
                         f"<= {GOALS['builtin']:g}"])
    return rows


def part_torch(sizes, policy) -> list:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: part 3 skipped")
        return []
    rows = []
    for size in sizes:
        steps = {"generated": tinygrad_step("mgu", SIZES[size], "generated"),
                 **torch_mgu_steps(SIZES[size])}
        times = time_in_turns(steps, policy)
        for name in steps:
            if name != "generated":
                goal = GOALS.get(f"torch {size}") if "compile" not in name else 1.0
                rows.append([size, name, f"{np.median(times[name]) * 1e3:.2f}",
                             f"{np.median(times['generated']) * 1e3:.2f}",
                             f"{ratios(times, 'generated', name):.2f}",
                             "-" if goal is None else f"<= {goal:g}"])
    return rows


COMPILE = """
import json, time
from generated_cells import tinygrad_step
tinygrad_step("mgu", (3, 2, 4, 5), False)()   # the engine's own kernels: not the compiler's
step = tinygrad_step("mgu", (3, 2, 4, 5), "generated")
start = time.perf_counter(); step(); first = time.perf_counter() - start
start = time.perf_counter(); step(); second = time.perf_counter() - start
print(json.dumps(first - second))
"""


def part_compile() -> list:
    """The first MGU compile (trace, generate, Numba), in a fresh process with empty caches,
    then a cached load in another: the first generated step's time less the second's."""
    with tempfile.TemporaryDirectory() as numba_cache, tempfile.TemporaryDirectory() as ours:
        env = {"NUMBA_CACHE_DIR": numba_cache, "TINYGRAD_RNN_CACHE_DIR": ours}
        first = json.loads(run_python(COMPILE, env))
        cached = json.loads(run_python(COMPILE, env))
    return [["first compile", f"{first:.2f} s", f"<= {GOALS['compile']:g} s"],
            ["cached load", f"{cached:.2f} s", f"<= {GOALS['cached']:g} s"]]


MEMORY = """
import json, tracemalloc, gc
from generated_cells import tinygrad_step, SIZES
step = tinygrad_step("lstm", SIZES["medium"], FUSED)
step()
gc.collect()
tracemalloc.start()
step()
print(json.dumps(tracemalloc.get_traced_memory()[1]))
"""


def part_memory() -> list:
    peaks = {name: json.loads(run_python(MEMORY.replace("FUSED", fused)))
             for name, fused in (("hand-written", "True"), ("generated", '"generated"'))}
    ratio = peaks["generated"] / peaks["hand-written"]
    return [[name, f"{peak / 2**20:.1f} MiB"] for name, peak in peaks.items()] + [
        ["generated / hand-written", f"{ratio:.2f} (goal <= {GOALS['memory']:g})"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--sizes", default="tiny,medium")
    parser.add_argument("--kernel-sizes", default=",".join(SIZES))
    parser.add_argument("--parts", default="1,2,3,4,5")
    args = parser.parse_args()
    policy = QUICK if args.quick else FULL
    sizes, kernel_sizes = args.sizes.split(","), args.kernel_sizes.split(",")
    parts = set(args.parts.split(","))
    register_test_cells()
    print(machine_line())
    for threads in map(int, args.threads.split(",")):
        set_threads(threads)
        print(f"\n## {threads} thread(s)")
        if "1" in parts:
            print("\nStep-only cells: step path ÷ generated (ms per step)")
            print_table(["cell", "size", "step", "generated", "speed-up", "goal"],
                        part_step_only(sizes, policy))
        if "2" in parts:
            print("\nBuilt-ins: generated ÷ hand-written kernel (ms per step)")
            print_table(["cell", "size", "kernel", "generated", "ratio", "goal"],
                        part_builtins(kernel_sizes, policy))
        if "3" in parts:
            rows = part_torch(sizes, policy)
            if rows:
                print("\nMGU: generated ÷ a PyTorch Python loop (ms per step)")
                print_table(["size", "PyTorch", "its time", "generated", "ratio", "goal"], rows)
    if "4" in parts:
        print("\nCompile time of the MGU (fresh processes)")
        print_table(["", "time", "goal"], part_compile())
    if "5" in parts:
        print("\nPeak memory of one medium LSTM step (NumPy allocations, tracemalloc)")
        print_table(["path", "peak"], part_memory())


if __name__ == "__main__":
    os.chdir(pathlib.Path(__file__).resolve().parent)
    main()
