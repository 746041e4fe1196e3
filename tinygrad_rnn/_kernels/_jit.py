"""The one place that sets how kernels are compiled.

``cache=True``: compiled machine code is written beside the source and reused by later
processes. ``fastmath=False``: IEEE arithmetic, which the float64 gradient checks rely on.
``error_model="numpy"``: a division by zero gives inf or NaN as in NumPy instead of raising,
which also lets LLVM vectorise loops that divide.
Compilation is lazy: the first call of a kernel with new argument types compiles it, so
``import tinygrad_rnn`` compiles nothing. A process that has to compile (the cache is
empty or stale) says so once on stderr. ``NUMBA_DISABLE_JIT=1`` runs the same functions
as plain Python.
"""

import sys

import numba
from numba.core import event

JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}
ANNOUNCEMENT = ("tinygrad_rnn: compiling Numba kernels for their first use; this happens "
                "once, later runs load them from the cache")


def kernel(function):
    """Compile ``function`` with the project's policy (the plain function stays at ``.py_func``)."""
    return numba.njit(**JIT_OPTIONS)(function)


class _AnnounceCompilation(event.Listener):
    """Print :data:`ANNOUNCEMENT` at the first compilation of one of our kernels: Numba
    signals ``numba:compile`` only when the cache had no machine code to load."""

    def __init__(self):
        self.announced = False

    def on_start(self, compilation):
        module = compilation.data["dispatcher"].py_func.__module__ or ""
        if not self.announced and module.startswith("tinygrad_rnn"):
            self.announced = True
            print(ANNOUNCEMENT, file=sys.stderr, flush=True)

    def on_end(self, compilation):
        pass


event.register("numba:compile", _AnnounceCompilation())
