"""The matrix products: every large one on tinygrad_rnn's threads (:func:`matmul`), and the
per-step product of a time loop in the orientation the BLAS runs fastest (:func:`step_product`).

Each step of a recurrence multiplies a thin state (N rows: the batch) by the hidden weights,
``out = x @ w`` with w (K, P). The same product can be computed transposed,
``out = (wᵀ xᵀ)ᵀ``, and OpenBLAS (NumPy's, which :func:`~tinygrad_rnn._kernels.blas.gemm`
calls) picks a different kernel for each orientation. The rule: the transposed orientation
for a thin batch by wide weights, N <= ``THIN_ROWS`` and P >= ``WIDE_COLUMNS`` (the LSTM's
forward at 256 and 512 units), the plain one everywhere else; it is where the transposed
product, transposes included, measured faster (``benchmarks/product_orientation.py`` times
both orientations over the recurrent shapes; its figures are in ``benchmarks/RESULTS.md``).
:func:`prepared` applies the rule once per sequence and gives :func:`step_product` the
weights in the layout its orientation reads; the rule depends on shapes only, never on
timings, so a run gives the same numbers every time.
"""

import numpy as np

from ._jit import kernel
from .blas import gemm
from .threads import blas_on_one_thread, run_tiles

THIN_ROWS, WIDE_COLUMNS = 32, 1024
TILE_WORK = 1 << 24   # multiply-adds per tile of ``matmul``: about 0.2 ms on one core
MAX_TILES = 32
TILE_EDGE = 256       # rows or columns per tile, at least: each tile reads all of the
                      # other operand, so a thin tile would spend its time reading it
TILE_ALIGN = 16       # tile edges fall on multiples of this many rows or columns


@kernel
def _transpose_into(source, target):
    """target = sourceᵀ; the inner loop writes contiguously."""
    rows, columns = source.shape
    for column in range(columns):
        for row in range(rows):
            target[column, row] = source[row, column]


def prepared(w, rows: int):
    """``(operand, transposed)`` for :func:`step_product` of ``rows`` rows by ``w`` (K, P):
    whether the rule picks the transposed orientation, and ``w``, or ``wᵀ`` when it does,
    C-contiguous (a copy only when the layout differs)."""
    transposed = rows <= THIN_ROWS and w.shape[1] >= WIDE_COLUMNS
    return np.ascontiguousarray(w.T if transposed else w), transposed


@kernel
def step_product(x, w, transposed, out):
    """out = x @ w for x (M, K), with the weights as :func:`prepared` gave them: w (K, P)
    itself, or wᵀ (P, K) when ``transposed``, computed then as (wᵀ xᵀ)ᵀ."""
    if transposed:
        M, K = x.shape
        x_t = np.empty((K, M), x.dtype)
        out_t = np.empty((w.shape[0], M), x.dtype)
        _transpose_into(x, x_t)
        gemm(w, x_t, out_t)
        _transpose_into(out_t, out)
    else:
        gemm(x, w, out)


def matmul(a, b):
    """``a @ b`` with NumPy's rules, on the threads of ``threads.run_tiles``: the same bits
    at every thread count.

    A product of 2-D operands (or of a stack of matrices by one matrix, whose rows are
    stacked into one) is cut into tiles of its output by a rule of its shape alone
    (:func:`tile_edges`), each tile one call of NumPy's BLAS on one thread; an output too
    small to cut is summed over pieces of the depth instead (:func:`depth_edges`). Products
    of a vector, and of two stacks of matrices, are one call."""
    blas_on_one_thread()
    if a.ndim > 2 and b.ndim == 2:
        rows = a.reshape(-1, a.shape[-1])
        return matmul(rows, b).reshape(*a.shape[:-1], b.shape[-1])
    if a.ndim != 2 or b.ndim != 2 or a.dtype.kind != "f" or b.dtype.kind != "f":
        return a @ b
    (m, k), n = a.shape, b.shape[1]
    if _small(m, n, k):
        return a @ b
    row_edges, column_edges = tile_edges(m, n, k)
    if len(row_edges) == len(column_edges) == 2:   # one tile
        return _summed_over_depth(a, b, depth_edges(m, n, k))
    out = np.empty((m, n), np.result_type(a, b))
    tiles = []
    for r0, r1 in zip(row_edges, row_edges[1:]):
        for c0, c1 in zip(column_edges, column_edges[1:]):
            tiles.append(lambda r0=r0, r1=r1, c0=c0, c1=c1:
                         np.matmul(a[r0:r1], b[:, c0:c1], out=out[r0:r1, c0:c1]))
    run_tiles(tiles)
    return out


def _small(m: int, n: int, k: int) -> bool:
    """Whether an (m, k) by (k, n) product is one tile, whatever the rest of the rule says."""
    return m * n * k < 2 * TILE_WORK


def _summed_over_depth(a, b, edges: list[int]):
    """``a @ b`` as the sum of the products of its pieces along k (``edges``), each on a
    thread, added in order."""
    if len(edges) == 2:
        return a @ b
    parts = [None] * (len(edges) - 1)

    def part(i, k0, k1):
        parts[i] = a[:, k0:k1] @ b[k0:k1]

    run_tiles([lambda i=i, k0=k0, k1=k1: part(i, k0, k1)
               for i, (k0, k1) in enumerate(zip(edges, edges[1:]))])
    total = parts[0]
    for piece in parts[1:]:
        total += piece
    return total


def depth_edges(m: int, n: int, k: int) -> list[int]:
    """Where :func:`matmul` cuts the depth k of a product whose (m, n) output is one tile:
    a small output summed over many rows, such as a weight's gradient Gᵀ x over all T·N
    rows. The same rule as :func:`tile_edges`, along k."""
    if max(m, n) >= 2 * TILE_EDGE:   # the output is cut instead
        return [0, k]
    pieces = int(max(1, min(MAX_TILES, m * n * k // TILE_WORK, k // TILE_EDGE)))
    return _edges(k, pieces)


def _edges(length: int, pieces: int) -> list[int]:
    """``pieces`` nearly equal cuts of ``range(length)``, at multiples of :data:`TILE_ALIGN`."""
    step = -(-length // pieces)
    step = -(-step // TILE_ALIGN) * TILE_ALIGN
    return list(range(0, length, step)) + [length]


def tile_edges(m: int, n: int, k: int) -> tuple[list[int], list[int]]:
    """Where :func:`matmul` cuts an (m, k) by (k, n) product's output: about one tile per
    :data:`TILE_WORK` multiply-adds, at most :data:`MAX_TILES`, each at least
    :data:`TILE_EDGE` wide, across the longer side, at multiples of :data:`TILE_ALIGN`. A
    rule of the shape alone, never of the threads."""
    if _small(m, n, k):
        return [0, m], [0, n]
    longer = max(m, n)
    tiles = int(max(1, min(MAX_TILES, m * n * k // TILE_WORK, longer // TILE_EDGE)))
    edges = _edges(longer, tiles)
    return (edges, [0, n]) if m >= n else ([0, m], edges)
