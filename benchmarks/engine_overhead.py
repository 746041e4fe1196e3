"""Engine overhead: the per-iteration cost of small graphs, backward's scaling with graph
length, the cost of ``import tinygrad_rnn``, and the kernels' first-call compile times.

Run alone (``make bench``), never beside a test run: it measures wall-clock time. Every
speed figure is a ratio against a reference measured in the same run. PyTorch and MyGrad
are measured when installed; plain NumPy (forward only) always.

    python benchmarks/engine_overhead.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import timeit

import numpy as np

from machine import machine_line

SHAPE = (4, 4)
CHAIN_OPS = 100


def per_call_us(workloads: dict, rounds: int = 15, batch_seconds: float = 0.05) -> dict:
    """Microseconds per call of each of ``workloads`` (name -> function): the fastest of
    ``rounds`` rounds, each timing every workload in turn for about ``batch_seconds``, so
    that a slow spell of a shared machine slows every framework alike, and the minimum is
    the estimate least disturbed by it."""
    timers = {name: timeit.Timer(fn) for name, fn in workloads.items()}
    numbers = {name: max(1, int(timer.autorange()[0] * batch_seconds / 0.2))
               for name, timer in timers.items()}
    best = dict.fromkeys(workloads, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(numbers[name]) / numbers[name])
    return {name: seconds * 1e6 for name, seconds in best.items()}


# ---------------------------------------------------------------- the graphs, per framework

def numpy_workloads(a, b, c):
    def small():
        np.tanh(a * b + c).sum()

    def chain():
        y = a
        for _ in range(CHAIN_OPS // 2):
            y = np.tanh(y * b)
        y.sum()

    return small, chain


def autograd_workloads(make_leaf, tanh):
    """The two graphs for a framework whose tensors support ``*``, ``+``, ``.sum()`` and
    ``.backward()``: ``make_leaf(array)`` builds a tensor that requires grad."""

    def build(a, b, c):
        ta, tb, tc = (make_leaf(v) for v in (a, b, c))

        def small():
            tanh(ta * tb + tc).sum().backward()

        def chain():
            y = ta
            for _ in range(CHAIN_OPS // 2):
                y = tanh(y * tb)
            y.sum().backward()

        return small, chain

    return build


def tinygrad_workloads(a, b, c):
    import tinygrad_rnn as tg

    return autograd_workloads(lambda v: tg.Tensor(v, requires_grad=True), tg.tanh)(a, b, c)


def torch_workloads(a, b, c):
    import torch

    torch.set_num_threads(os.cpu_count())
    return autograd_workloads(lambda v: torch.tensor(v, requires_grad=True), torch.tanh)(a, b, c)


def mygrad_workloads(a, b, c):
    import mygrad as mg

    return autograd_workloads(mg.tensor, mg.tanh)(a, b, c)


def available_frameworks():
    frameworks = {"tinygrad_rnn": tinygrad_workloads}
    for name, workloads in (("torch", torch_workloads), ("mygrad", mygrad_workloads)):
        try:
            __import__(name)
        except ImportError:
            print(f"({name} is not installed: not measured)")
            continue
        frameworks[name] = workloads
    frameworks["numpy (forward only)"] = numpy_workloads
    return frameworks


# ---------------------------------------------------------------- backward scaling

def backward_pairs(short: int, long: int, pairs: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Time backward alone through a chain of ``short`` ops and one of ``long`` ops, the two
    back to back, ``pairs`` times: (short seconds, long seconds), one entry per pair. A pair
    runs within a fraction of a second, so whatever else the machine does disturbs both of
    its lengths alike, and the median of the pairs' ratios is the estimate of the scaling
    least moved by it (the ratio of two minima is not: the short run catches a quiet moment
    more often than the long one)."""
    import tinygrad_rnn as tg

    def seconds(length):
        x = tg.Tensor(np.ones(SHAPE, np.float32), requires_grad=True)
        y = x
        for _ in range(length):
            y = y * 1.0
        loss = y.sum()
        start = timeit.default_timer()
        loss.backward()
        return timeit.default_timer() - start

    times = np.array([(seconds(short), seconds(long)) for _ in range(pairs)])
    return times[:, 0], times[:, 1]


# ---------------------------------------------------------------- import and compile costs

def run_python(code: str, env=None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, check=True)
    return result.stdout.strip()


def import_seconds(module: str, runs: int = 7) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(np.median([float(run_python(code)) for _ in range(runs)]))


FIRST_CALLS = """
import json, time
import numpy as np
from tinygrad_rnn._kernels import activations, losses, scatter, softmax
x = np.linspace(-2, 2, 12, dtype=np.DTYPE).reshape(3, 4)
t = np.array([0, 3, 1])
calls = {
    "sigmoid + backward": lambda: activations.sigmoid_backward(activations.sigmoid(x), x),
    "tanh + backward": lambda: activations.tanh_backward(activations.tanh(x), x),
    "relu + backward": lambda: activations.relu_backward(x, activations.relu(x)),
    "softmax + backward": lambda: softmax.softmax_backward_rows(softmax.softmax_rows(x), x),
    "log_softmax + backward": lambda: softmax.log_softmax_backward_rows(softmax.log_softmax_rows(x), x),
    "logsumexp": lambda: softmax.logsumexp_rows(x),
    "cross_entropy + backward": lambda: losses.cross_entropy_backward_rows(
        x, t, -100, losses.cross_entropy_rows(x, t, -100)),
    "scatter_add_rows": lambda: scatter.scatter_add_rows(t, x, (4, 4)),
}
times = {}
for name, call in calls.items():
    start = time.perf_counter(); call(); times[name] = time.perf_counter() - start
print(json.dumps(times))
"""


def first_call_seconds(dtype: str) -> tuple[dict, dict]:
    """First-call time of each kernel with an empty Numba cache, then with it warm."""
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        code = FIRST_CALLS.replace("DTYPE", dtype)
        cold = json.loads(run_python(code, env))
        warm = json.loads(run_python(code, env))
    return cold, warm


# ---------------------------------------------------------------- report

def main() -> None:
    print(f"# Engine overhead\n\nMachine: {machine_line()}\n")
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(SHAPE).astype(np.float32) for _ in range(3))

    graphs = {name: workloads(a, b, c) for name, workloads in available_frameworks().items()}
    small = per_call_us({name: pair[0] for name, pair in graphs.items()})
    chain = per_call_us({name: pair[1] for name, pair in graphs.items()})
    rows = {name: (small[name], chain[name]) for name in graphs}
    ours = rows["tinygrad_rnn"]
    print("## Time per iteration (float32, 4x4), forward + backward\n")
    print("The fastest of 15 rounds, each timing every framework in turn.\n")
    print("| framework | `(a*b + c).tanh().sum()` µs | ratio to ours | 100-op chain µs | ratio to ours |")
    print("|---|---:|---:|---:|---:|")
    for name, (small, chain) in rows.items():
        print(f"| {name} | {small:.1f} | {small / ours[0]:.2f}x | {chain:.1f} | {chain / ours[1]:.2f}x |")

    short, long = backward_pairs(1_000, 10_000)
    ratios = long / short
    print("\n## Backward time against graph length\n")
    print(f"Backward alone through a chain of 1,000 ops and one of 10,000, back to back, "
          f"{len(ratios)} times. Median 1,000 ops: {np.median(short) * 1e3:.2f} ms; 10,000 ops: "
          f"{np.median(long) * 1e3:.2f} ms; median of the pairs' ratios {np.median(ratios):.2f} "
          f"(quartiles {np.percentile(ratios, 25):.2f} to {np.percentile(ratios, 75):.2f}; "
          f"linear is 10, goal at most 11)\n")

    print("## Import cost (median of 7 fresh processes)\n")
    for module in ("numpy", "numba", "tinygrad_rnn"):
        print(f"- `import {module}`: {import_seconds(module):.3f} s")

    for dtype in ("float32", "float64"):
        cold, warm = first_call_seconds(dtype)
        print(f"\n## First call of each kernel, {dtype} (Numba cache cold / warm)\n")
        print("| kernel | cold s | warm s |\n|---|---:|---:|")
        for name in cold:
            print(f"| {name} | {cold[name]:.3f} | {warm[name]:.4f} |")
        print(f"| total | {sum(cold.values()):.2f} | {sum(warm.values()):.3f} |")


if __name__ == "__main__":
    main()
