"""Which orientation of a time loop's per-step product is faster, by shape: the evidence for
the rule in ``tinygrad_rnn/_kernels/products.py``.

A step multiplies the state x (N, K) by the hidden weights w (K, P): the forward's
``h W_hhᵀ`` (K = H, P = G·H) and the backward's ``da W_hh`` (K = G·H, P = H), G = 4, 3, 1
for the LSTM, GRU and RNN. Each is timed inside a Numba loop through the kernels' own
``step_product``, plain and as ``(wᵀ xᵀ)ᵀ`` with both transposes, on one thread; the table
gives transposed time / plain time, forward / backward (below 1: the transposed is faster).

Run alone, never beside a test run: it measures wall-clock time (about 1 minute).

    python benchmarks/product_orientation.py
"""

from __future__ import annotations

import time

import numba
import numpy as np
from tinygrad_rnn._kernels.products import step_product

from machine import machine_line

HIDDEN = (32, 64, 128, 256, 512)
BATCH = (1, 4, 8, 16, 24, 32, 64)
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
WORK = 2e7  # multiply-adds per timed call


@numba.njit
def repeated(x, w, transposed, out, repeats):
    """``repeats`` calls of the time loops' own per-step product, in one orientation."""
    for _ in range(repeats):
        step_product(x, w, transposed, out)


def best_seconds(fn, repeats=15) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def ratio(n, k, p, rng) -> float:
    """Transposed time / plain time for x (n, k) @ w (k, p), float32."""
    x = rng.standard_normal((n, k)).astype(np.float32)
    w = rng.standard_normal((k, p)).astype(np.float32)
    w_t, out = np.ascontiguousarray(w.T), np.empty((n, p), np.float32)
    repeats = max(1, int(WORK / (n * k * p)))
    return (best_seconds(lambda: repeated(x, w_t, True, out, repeats))
            / best_seconds(lambda: repeated(x, w, False, out, repeats)))


def main() -> None:
    import tinygrad_rnn as tg

    tg.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(machine_line())
    print("\nTransposed / plain time of the per-step product, forward / backward, float32, "
          "1 thread (below 1: transposed is faster).\n")
    for cell, gates in GATES.items():
        print(f"### {cell} (G = {gates})\n")
        print("| H | " + " | ".join(f"N = {n}" for n in BATCH) + " |")
        print("|---|" + "---:|" * len(BATCH))
        for hidden in HIDDEN:
            cells = [f"{ratio(n, hidden, gates * hidden, rng):.2f} / "
                     f"{ratio(n, gates * hidden, hidden, rng):.2f}" for n in BATCH]
            print(f"| {hidden} | " + " | ".join(cells) + " |")
        print()

if __name__ == "__main__":
    main()
