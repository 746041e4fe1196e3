"""The per-step matrix product of a time loop, in the orientation the BLAS runs fastest.

Each step of a recurrence multiplies a thin state (N rows: the batch) by the hidden weights,
``out = x @ w`` with w (K, P). The same product can be computed transposed,
``out = (wᵀ xᵀ)ᵀ``, and OpenBLAS (NumPy's, which :func:`~tinygrad_rnn._kernels.blas.gemm`
calls) picks a different kernel for each orientation. ``benchmarks/product_orientation.py``
times both over the recurrent shapes. In two runs of that table on the AMD EPYC of
``benchmarks/RESULTS.md``, the transposed product, transposes included, took 0.3-0.96
times as long for a thin batch by wide weights, N <= 32 and P >= 1024, in the LSTM's
forward (256 and 512 units), about as long in the GRU's (512 units: 0.7-1.2), and longer
or about as long everywhere else. :func:`prepared` applies that rule once per sequence and
gives :func:`step_product` the weights in the layout its orientation reads; the rule
depends on shapes only, never on timings, so a run gives the same numbers every time.
"""

import numpy as np

from ._jit import kernel
from .blas import gemm

THIN_ROWS, WIDE_COLUMNS = 32, 1024


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
