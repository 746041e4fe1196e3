"""Recurrent training step: one forward over a whole sequence and one backward, for the RNN,
LSTM and GRU at five sizes, through every implementation side by side in one run.

A step starts from a zero state, takes loss = sum(output ⊙ W) with a fixed random W, and
computes the gradients of every weight and of the input; float32, time-major (T, N, I).
Implementations: tinygrad_rnn fused (the default path) and step by step (``fused=False``),
PyTorch and JAX when installed, and the hand-written NumPy baseline (``numpy_baseline.py``)
always. Then the first-call cost of Numba compilation and the peak memory of one step.

The timings are taken at each thread count of ``--threads`` (default 1 and 2): tinygrad_rnn
through ``tinygrad_rnn.set_num_threads`` (the NumPy baseline's BLAS gets the same count),
PyTorch through ``torch.set_num_threads``; JAX, whose XLA pool is sized once at start, in a
fresh process pinned to that many CPUs. At each size the implementations of this process
take turns, three rounds of a third of their repeats each (``time_in_turns``), so that a
drift in the machine's speed reaches them alike. A summary against the goals closes the
report.

Run alone (``make bench``), never beside a test run: it measures wall-clock time.

    python benchmarks/recurrent_step.py [--quick] [--check] [--cells lstm,gru]
        [--sizes tiny,medium] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

import numpy_baseline
from machine import machine_line

SIZES = {  # (T, N, I, H)
    "tiny": (20, 1, 32, 32),
    "small": (50, 32, 64, 64),
    "medium": (100, 32, 128, 128),
    "large": (100, 64, 256, 256),
    "wide": (50, 16, 512, 512),
}
CELLS = ("rnn", "lstm", "gru")
GATES = numpy_baseline.GATES
PARAMETERS = numpy_baseline.PARAMETERS
# Timing policy: after one warm-up call, repeat until about BUDGET seconds are spent,
# at least MIN and at most MAX times (a step of seconds is timed MIN times).
FULL = {"budget": 1.5, "min": 3, "max": 30}
QUICK = {"budget": 0.2, "min": 2, "max": 5}
FAULT_STEPS = 5      # steps over which the memory child counts page faults
IDLE_SECONDS = 0.3   # untimed calls before each turn, so other libraries' threads sleep
SAMPLE_SECONDS = 0.01  # a faster step is timed over several calls in a row per sample
ROUNDS = 3           # the implementations take turns this many times at each size
FAST_ROUNDS = 10     # ... or this many, when a step is faster than SAMPLE_SECONDS
THREAD_SETTINGS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "NUMBA_NUM_THREADS", "XLA_FLAGS")


def problem(cell: str, size: tuple, seed: int = 0):
    """The weights (PyTorch's layout and initialisation), input x and loss weights W."""
    T, N, I, H = size
    rng = np.random.default_rng(seed)
    params = numpy_baseline.init_params(cell, I, H, np.float32, seed)
    x = rng.standard_normal((T, N, I)).astype(np.float32)
    w = rng.standard_normal((T, N, H)).astype(np.float32)
    return params, x, w


def step_gflop(cell: str, size: tuple) -> float:
    """Matrix-product work of a training step: the forward's 2·T·N·(I+H)·G·H flops, and
    twice that again in the backward (gradients of the inputs and of the weights)."""
    T, N, I, H = size
    return 3 * 2 * T * N * (I + H) * GATES[cell] * H / 1e9


# ---------------------------------------------------------------- one builder per implementation
# Each takes (cell, params, x, w) and returns step(): one training step, returning the
# gradients (x, weight_ih, weight_hh, bias_ih, bias_hh) as arrays or array-likes.

def build_tinygrad(fused):
    def build(cell, params, x, w):
        import tinygrad_rnn as tg

        layer = tg.nn.Recurrent(cell, x.shape[2], params["weight_hh"].shape[1], fused=fused)
        layer.load_state_dict({f"{name}_l0": value for name, value in params.items()})
        weights = [getattr(layer, f"{name}_l0") for name in PARAMETERS]
        xt, wt = tg.Tensor(x, requires_grad=True), tg.Tensor(w)

        def step():
            layer.zero_grad()
            xt.zero_grad()
            output, _ = layer(xt)
            (output * wt).sum().backward()
            return (xt.grad.array, *(p.grad.array for p in weights))

        return step

    return build


def build_torch(cell, params, x, w):
    import torch

    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        x.shape[2], params["weight_hh"].shape[1])
    weights = [getattr(layer, f"{name}_l0") for name in PARAMETERS]
    with torch.no_grad():
        for p, name in zip(weights, PARAMETERS):
            p.copy_(torch.from_numpy(params[name]))
    xt, wt = torch.tensor(x, requires_grad=True), torch.from_numpy(w)

    def step():
        layer.zero_grad()
        xt.grad = None
        output, _ = layer(xt)
        (output * wt).sum().backward()
        return (xt.grad.data, *(p.grad.data for p in weights))  # PyTorch's .data

    return step


def jax_cell_step(cell: str):
    """One time step of ``cell`` in JAX: (state, xp_t, w_hh, b_hh) -> (state, h)."""
    import jax
    import jax.numpy as jnp

    def rnn(h, xp, w_hh, b_hh):
        h = jnp.tanh(xp + h @ w_hh.T + b_hh)
        return h, h

    def lstm(state, xp, w_hh, b_hh):
        h, c = state
        i, f, g, o = jnp.split(xp + h @ w_hh.T + b_hh, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    def gru(h, xp, w_hh, b_hh):
        x_r, x_z, x_n = jnp.split(xp, 3, axis=-1)
        a_r, a_z, a_n = jnp.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = jax.nn.sigmoid(x_r + a_r), jax.nn.sigmoid(x_z + a_z)
        h = (1 - z) * jnp.tanh(x_n + r * a_n) + z * h
        return h, h

    return {"rnn": rnn, "lstm": lstm, "gru": gru}[cell]


def build_jax(cell, params, x, w):
    import jax
    import jax.numpy as jnp

    cell_step = jax_cell_step(cell)

    def loss(weights, x, w):
        w_ih, w_hh, b_ih, b_hh = weights
        xp = x @ w_ih.T + b_ih                      # the input projection, all steps at once
        h0 = jnp.zeros((x.shape[1], w_hh.shape[1]), x.dtype)
        state = (h0, h0) if cell == "lstm" else h0
        _, output = jax.lax.scan(lambda s, xp_t: cell_step(s, xp_t, w_hh, b_hh), state, xp)
        return jnp.sum(output * w)

    args = (tuple(jnp.asarray(params[name]) for name in PARAMETERS), jnp.asarray(x), jnp.asarray(w))
    # Compiled ahead, so neither the timings nor the memory peak include XLA's compiler.
    gradients = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(*args).compile()

    def step():
        g_weights, g_x = jax.block_until_ready(gradients(*args))
        return (g_x, *g_weights)

    return step


def build_numpy(cell, params, x, w):
    import tinygrad_rnn as tg
    from tinygrad_rnn._kernels.blas import set_numpy_blas_threads

    def step():
        # NOTE: tinygrad_rnn keeps NumPy's BLAS on one thread (its own pool runs its
        # products); the baseline's products get the thread count of the table.
        set_numpy_blas_threads(tg.get_num_threads())
        grads = numpy_baseline.training_step(cell, params, x, w)
        return tuple(grads[name] for name in ("x", *PARAMETERS))

    return step


def implementations(report=True) -> dict:
    """Name -> builder, for every implementation that is installed, in table order."""
    found = {"tinygrad_rnn fused": build_tinygrad(None),
             "tinygrad_rnn step-by-step": build_tinygrad(False)}
    for name, module, builder in (("PyTorch", "torch", build_torch), ("JAX", "jax", build_jax)):
        try:
            __import__(module)
        except ImportError:
            if report:
                print(f"({name} is not installed: not measured)\n")
            continue
        found[name] = builder
    found["NumPy hand-written"] = build_numpy
    return found


# ---------------------------------------------------------------- measurements

def warm_up(step) -> None:
    """Call ``step`` untimed for :data:`IDLE_SECONDS` (once at least), so that the
    previous implementation's spinning threads have gone to sleep before any call is timed.
    Calls rather than a pause: after a pause, a core of this virtual machine runs slowly for
    a while, and a step of a fraction of a millisecond timed right after it measured up to
    twice its time (the tiny GRU step's samples spread from 0.15 to 0.39 ms)."""
    end = time.perf_counter() + IDLE_SECONDS
    step()
    while time.perf_counter() < end:
        step()


def timed(fn, calls: int = 1) -> float:
    """Seconds per call of ``fn``, over ``calls`` calls in a row."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def time_in_turns(steps: dict, policy, rounds: int = ROUNDS) -> dict:
    """{name: seconds per call} of every step of ``steps``, timed side by side: after a
    first timed call each, ``rounds`` rounds in which each step in turn runs its share of its
    repeats. On a machine whose speed drifts (other virtual machines on the same host), the
    drift then reaches every implementation alike instead of whichever ran in the slow
    second. Each turn starts with untimed calls (:func:`warm_up`): the first call after
    another implementation's turn pays for what that turn left behind (the word-level model's
    first tinygrad_rnn step after a PyTorch turn took 0.7 s against 0.45 s, its extra time
    spent in the kernel compacting memory for huge pages), which a program that uses one
    library never meets. A step faster than :data:`SAMPLE_SECONDS` is timed over enough
    calls in a row to fill that long per sample, and the turns are :data:`FAST_ROUNDS`: three
    turns let one slow moment of the machine move a median."""
    single = {}
    # NOTE: BLAS and OpenMP worker threads spin for up to ~0.2 s after their last task; on
    # few cores the previous implementation's spinning threads would slow this one down
    # (PyTorch's tiny RNN step took 40 ms instead of 1 ms right after tinygrad_rnn's).
    for name, step in steps.items():
        warm_up(step)
        gc.collect()
        single[name] = timed(step)
    calls = {name: max(1, int(SAMPLE_SECONDS / first)) for name, first in single.items()}
    if max(calls.values()) > 1:
        rounds = max(rounds, FAST_ROUNDS)
    repeats = {name: -(-int(np.clip(policy["budget"] / (single[name] * calls[name]),
                                    policy["min"], policy["max"])) // rounds)   # per round
               for name in steps}
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            warm_up(step)
            times[name] += [timed(step, calls[name]) for _ in range(repeats[name])]
    return {name: np.array(t) for name, t in times.items()}


def gemm_gflops(n=1024, repeats=10) -> float:
    """The machine's float32 matrix-product rate: np.dot of two n×n matrices, best of
    ``repeats``, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    best = min(timed(lambda: np.dot(a, b)) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def check_implementations(found: dict, cells, size=(6, 3, 5, 7)) -> None:
    """Every implementation's float32 gradients against the NumPy baseline's, on one tiny
    problem per cell: a benchmark of different work would mean nothing."""
    for cell in cells:
        params, x, w = problem(cell, size)
        reference = build_numpy(cell, params, x, w)()
        for name, build in found.items():
            for ref, got, label in zip(reference, build(cell, params, x, w)(), ("x", *PARAMETERS)):
                error = np.abs(np.asarray(got) - ref).max() / np.abs(ref).max()
                assert error < 1e-4, (f"{name} {cell}: d{label} differs from the baseline "
                                      f"by {error:.1e}")


# ---------------------------------------------------------------- first calls, in fresh processes

def run_python(code: str, env=None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, check=True,
                            cwd=os.path.dirname(os.path.abspath(__file__)))
    return result.stdout.strip()


FIRST_STEP = """
import json, time
start = time.perf_counter()
import tinygrad_rnn as tg
imported = time.perf_counter()
from recurrent_step import SIZES, build_tinygrad, problem
step = build_tinygrad(None)("lstm", *problem("lstm", SIZES["small"]))
built = time.perf_counter()
step()
first = time.perf_counter()
step()
second = time.perf_counter()
print(json.dumps({"import": imported - start, "first step": first - built,
                  "second step": second - first}))
"""

# The step-by-step step first compiles the engine's own kernels (and the loss's), so the
# difference between the first and second fused steps is the cell's kernels alone.
CELL_COMPILE = """
import json, time
from recurrent_step import build_tinygrad, problem
args = problem("CELL", (3, 2, 4, 5))
build_tinygrad(False)("CELL", *args)()
step = build_tinygrad(None)("CELL", *args)
times = []
for _ in range(2):
    start = time.perf_counter(); step(); times.append(time.perf_counter() - start)
print(json.dumps(times[0] - times[1]))
"""


def first_calls(cells):
    """(cold, warm) first LSTM step timings, and per cell (cold, warm) kernel compile times."""
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        step = [json.loads(run_python(FIRST_STEP, env)) for _ in ("cold", "warm")]
    compiles = {}
    for cell in cells:
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache}
            code = CELL_COMPILE.replace("CELL", cell)
            compiles[cell] = [json.loads(run_python(code, env)) for _ in ("cold", "warm")]
    return step, compiles


# ---------------------------------------------------------------- peak memory, in fresh processes

TRACED = ("tinygrad_rnn fused", "tinygrad_rnn step-by-step", "NumPy hand-written")


def reset_peak_rss() -> None:
    """Lower the peak RSS to the current RSS (Linux), so the peak measures what comes next."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # elsewhere the earlier peak stays: the growth measured is then a lower bound


def peak_rss_bytes() -> int:
    """This process's peak RSS: VmHWM on Linux, else ``ru_maxrss``.

    NOTE: on Linux ``ru_maxrss`` also counts the peak of the process that spawned this one
    (it survives exec), so in a child of a large parent it never moves; VmHWM is this
    process's own, and ``reset_peak_rss`` can lower it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def memory_child(name: str, threads: int) -> None:
    """Print, as JSON, the peak memory of one medium LSTM step through ``name`` on
    ``threads`` threads."""
    build = implementations(report=False)[name]
    step = build("lstm", *problem("lstm", SIZES["medium"]))
    set_threads(threads)
    build("lstm", *problem("lstm", SIZES["tiny"]))()   # warm-up: compile, initialise
    gc.collect()
    reset_peak_rss()
    before = peak_rss_bytes()
    step()
    after = peak_rss_bytes()
    traced = None
    if name in TRACED:   # NOTE: tracemalloc sees NumPy's arrays, not Numba's own allocations
        tracemalloc.start()
        step()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(FAULT_STEPS):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / FAULT_STEPS
    print(json.dumps({"rss": after - before, "traced": traced, "faults": faults}))


def peak_memory(names, thread_counts) -> dict:
    """{(threads, name): the memory child's figures}."""
    out = {}
    for threads in thread_counts:
        for name in names:
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-of",
                                     name, "--threads", str(threads)],
                                    capture_output=True, text=True, check=True)
            out[threads, name] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def lstm_minimum_bytes(size) -> int:
    """What any LSTM step must hold: gate activations and gradients (4H each), states h and
    c (2H), input (I) and output (H), per step and sequence, in float32."""
    T, N, I, H = size
    return 4 * T * N * (4 * H + 2 * H + 4 * H + I + H)


# ---------------------------------------------------------------- report

def print_table(header, rows) -> None:
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def blas_lines() -> list[str]:
    """Which BLAS does each implementation's matrix products."""
    from tinygrad_rnn._kernels import blas

    numpy_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    numpy_blas = f"{numpy_blas.get('name', '?')} {numpy_blas.get('version', '')}".strip()
    lines = [f"NumPy {np.__version__} (tinygrad_rnn, the baseline): {numpy_blas}",
             "The fused kernels' per-step products: "
             + ("NumPy's BLAS, the same library" if blas.FROM_NUMPY
                else "the np.dot stand-in (SciPy's BLAS): NumPy's exports no 64-bit CBLAS")]
    try:
        import torch
        mkl, onednn = torch.backends.mkl.is_available(), torch.backends.mkldnn.is_available()
        lines.append(f"PyTorch {torch.__version__}: {'MKL' if mkl else 'no MKL'}, "
                     f"oneDNN {'on' if onednn else 'off'}")
    except ImportError:
        pass
    try:
        import jax
        lines.append(f"JAX {jax.__version__}: XLA on {jax.devices()[0].platform.upper()}")
    except ImportError:
        pass
    # NOTE: NumPy's and SciPy's OpenBLAS are two thread pools, used in turn by the fused
    # path; beside other busy processes their spinning idle threads made steps 10-50× slower
    # in trial runs. Say how threads were set, so that such a run can be recognised.
    threads = [f"{key}={os.environ[key]}" for key in THREAD_SETTINGS if key in os.environ]
    lines.append(f"Thread settings in the environment: {', '.join(threads) or 'none'} "
                 f"(each table below sets its own thread count)")
    return lines


def set_threads(n: int) -> None:
    """``n`` threads for tinygrad_rnn (and the NumPy baseline) and for PyTorch when installed."""
    import tinygrad_rnn as tg

    tg.set_num_threads(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def time_child(name, threads, cells, sizes, policy) -> None:
    """Print, as JSON, the step times of implementation ``name`` in this process, pinned to
    ``threads`` CPUs (and XLA to one thread when ``threads`` is 1)."""
    build = implementations(report=False)[name]
    times = {f"{cell} {size}": time_in_turns({name: build(cell, *problem(cell, SIZES[size]))},
                                             policy, rounds=1)[name].tolist()
             for cell in cells for size in sizes}
    print(json.dumps(times))


def times_in_child(name, threads, cells, sizes, quick) -> dict:
    """{(cell, size): step seconds} of ``name`` timed by ``time_child`` in a fresh process
    on ``threads`` CPUs: for JAX, whose thread pool cannot be resized once started."""
    env = dict(os.environ)
    if threads == 1:
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()
    command = [sys.executable, os.path.abspath(__file__), "--time-of", name, "--threads",
               str(threads), "--cells", ",".join(cells), "--sizes", ",".join(sizes)]
    result = subprocess.run(command + (["--quick"] if quick else []), env=env,
                            capture_output=True, text=True, check=True)
    times = json.loads(result.stdout.strip().splitlines()[-1])
    return {tuple(key.split()): np.array(value) for key, value in times.items()}


def pin_to_cpus(count: int) -> None:
    """Run this process on its first ``count`` CPUs only (Linux; elsewhere nothing)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:count])


def timing_tables(found, cells, sizes, policy, gemm, threads, in_child=None) -> dict:
    """Print one table per cell; return {(cell, size, implementation): median seconds}.
    ``in_child`` maps an implementation timed in its own process to its times."""
    medians = {}
    for cell in cells:
        print(f"## {cell.upper()}: one training step, float32, {threads} thread(s) "
              f"(median and minimum ms; × PyTorch is median time / PyTorch's)\n")
        rows = []
        for size_name in sizes:
            size = SIZES[size_name]
            in_process = {name: build(cell, *problem(cell, size))
                          for name, build in found.items() if name not in (in_child or {})}
            times = {**time_in_turns(in_process, policy),
                     **{name: in_child[name][cell, size_name] for name in in_child or {}}}
            times = {name: times[name] for name in found}   # the table's order
            medians.update({(cell, size_name, name): float(np.median(t))
                            for name, t in times.items()})
            torch_median = np.median(times["PyTorch"]) if "PyTorch" in times else None
            for name, t in times.items():
                median = float(np.median(t))
                ratio = f"{median / torch_median:.2f}" if torch_median else "—"
                rows.append([f"{size_name} {size}", name, f"{median * 1e3:.2f}",
                             f"{t.min() * 1e3:.2f}", ratio,
                             f"{step_gflop(cell, size) / median:.1f}", str(len(t))])
        print_table(["size (T, N, I, H)", "implementation", "median ms", "min ms", "× PyTorch",
                     f"GFLOP/s (GEMM: {gemm:.0f})", "runs"], rows)
    return medians


def goal_summary(medians_by_threads: dict, memory: dict | None) -> None:
    """The goals of the fast-path issues, each as a ratio from this run's medians."""
    fused, stepwise = "tinygrad_rnn fused", "tinygrad_rnn step-by-step"
    print("## Summary against the goals\n")
    rows = []
    for threads, medians in medians_by_threads.items():
        def ratio(cell, size, other, name=fused):
            key, ref = (cell, size, name), (cell, size, other)
            return medians[key] / medians[ref] if key in medians and ref in medians else None

        cells = sorted({key[0] for key in medians})
        sizes = [size for size in SIZES if any(key[1] == size for key in medians)]
        for cell in cells:
            for other in ("PyTorch", "JAX"):
                found = [(size, ratio(cell, size, other)) for size in sizes]
                if any(r is not None for _, r in found):
                    rows.append([f"{threads}", f"{cell} fused × {other}",
                                 ", ".join(f"{size} {r:.2f}" for size, r in found if r is not None)])
            r = ratio(cell, "medium", fused, stepwise)
            if r is not None:
                rows.append([f"{threads}", f"{cell} step-by-step × fused", f"medium {r:.2f}"])
    print_table(["threads", "ratio", "by size (goal: LSTM ≤ 0.2 tiny, ≤ 0.9 small to large, "
                 "≤ 1.0 wide; GRU, RNN < 1; step-by-step ≤ 4)"], rows)
    for threads, name in memory or {}:
        if name == "PyTorch":
            ours, minimum = memory[threads, fused]["rss"], lstm_minimum_bytes(SIZES["medium"])
            print(f"Medium LSTM peak memory, {threads} thread(s): "
                  f"{ours / memory[threads, name]['rss']:.2f}× PyTorch's, "
                  f"{ours / minimum:.2f}× the analytic minimum (goals ≤ 1 and ≤ 1.3).\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, sizes tiny and small")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated, e.g. lstm,gru")
    parser.add_argument("--sizes", default=None, help=f"comma-separated from {', '.join(SIZES)}")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--check", action="store_true",
                        help="first check every implementation's gradients against the baseline")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)   # the memory child process
    parser.add_argument("--time-of", help=argparse.SUPPRESS)     # the timing child process
    args = parser.parse_args()
    thread_counts = [int(n) for n in args.threads.split(",")]
    if args.memory_of:
        return memory_child(args.memory_of, thread_counts[0])
    cells = args.cells.split(",")
    default_sizes = ["tiny", "small"] if args.quick else list(SIZES)
    sizes = args.sizes.split(",") if args.sizes else default_sizes
    unknown = [c for c in cells if c not in CELLS] + [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown cell or size {unknown}; cells: {CELLS}, sizes: {tuple(SIZES)}")
    policy = QUICK if args.quick else FULL
    if args.time_of:
        pin_to_cpus(thread_counts[0])
        return time_child(args.time_of, thread_counts[0], cells, sizes, policy)

    started = time.perf_counter()
    print(f"# Recurrent training step\n\nMachine: {machine_line()}\n")
    for line in blas_lines():
        print(f"- {line}")
    print()
    found = implementations()
    if args.check:
        worst = numpy_baseline.check_against_tinygrad(cells)
        check_implementations(found, cells)
        print(f"Check: the NumPy baseline's float64 gradients equal tinygrad_rnn's (fused and "
              f"step by step) to {worst:.1e}; every implementation's float32 gradients match "
              f"the baseline's.\n")
    gemm = gemm_gflops()
    print(f"float32 GEMM rate (np.dot, 1024×1024, best of 10): {gemm:.1f} GFLOP/s. "
          f"GFLOP/s below counts a step's matrix products: 3 × 2·T·N·(I+H)·G·H, "
          f"G = 1, 3, 4 for rnn, gru, lstm.\n")
    medians = {}
    for threads in thread_counts:
        in_child = {"JAX": times_in_child("JAX", threads, cells, sizes, args.quick)} \
            if "JAX" in found else None
        set_threads(threads)
        medians[threads] = timing_tables(found, cells, sizes, policy, gemm, threads, in_child)

    step, compiles = first_calls(cells)
    print("## First call: `import tinygrad_rnn` and the first LSTM step (small), "
          "Numba cache cold / warm\n")
    print_table(["", "cold s", "warm s"],
                [[key, f"{step[0][key]:.3f}", f"{step[1][key]:.3f}"] for key in step[0]])
    print("## One-time compile of a cell's fused kernels (float32): "
          "first fused step minus second, cache cold / warm\n")
    print_table(["cell", "cold s", "warm s"],
                [[cell, f"{cold:.2f}", f"{warm:.3f}"] for cell, (cold, warm) in compiles.items()])

    medium = SIZES["medium"]
    print(f"## Peak memory of one medium LSTM step {medium}, each in a fresh process\n")
    print("Peak RSS growth during the step (peak RSS after the step minus RSS before it, after "
          "a tiny warm-up step); tracemalloc peak for the NumPy-based ones (it does not see "
          f"Numba's own allocations); minor page faults per step over {FAULT_STEPS} more steps "
          "(each process imports tinygrad_rnn, whose allocator setting PyTorch's step shares). "
          f"Analytic minimum: {lstm_minimum_bytes(medium) / 2**20:.1f} MiB "
          "(gate activations 4H + states 2H + gate gradients 4H + input I + output H, "
          "per step and sequence, float32).\n")
    memory = peak_memory(found, thread_counts)
    print_table(["implementation", "threads", "peak RSS growth MiB", "tracemalloc peak MiB",
                 "page faults per step"],
                [[name, f"{threads}", f"{m['rss'] / 2**20:.1f}",
                  "—" if m["traced"] is None else f"{m['traced'] / 2**20:.1f}",
                  f"{m['faults']:.0f}"]
                 for (threads, name), m in memory.items()])
    goal_summary(medians, memory if "lstm" in cells else None)
    print(f"(This report took {time.perf_counter() - started:.0f} s.)")


if __name__ == "__main__":
    main()
