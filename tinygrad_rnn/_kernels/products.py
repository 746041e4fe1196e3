"""The per-step matrix product of a time loop, in the orientation the BLAS runs fastest.

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
