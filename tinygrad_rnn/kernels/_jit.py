"""The one place that sets how kernels are compiled.

``cache=True``: compiled machine code is written beside the source and reused by later
processes. ``fastmath=False``: IEEE arithmetic, which the float64 gradient checks rely on.
``error_model="numpy"``: a division by zero gives inf or NaN as in NumPy instead of raising,
which also lets LLVM vectorise loops that divide.
Compilation is lazy: the first call of a kernel with new argument types compiles it, so
``import tinygrad_rnn`` compiles nothing. ``NUMBA_DISABLE_JIT=1`` runs the same functions
as plain Python.
"""

import numba

JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}


def kernel(function):
    """Compile ``function`` with the project's policy (the plain function stays at ``.py_func``)."""
    return numba.njit(**JIT_OPTIONS)(function)
