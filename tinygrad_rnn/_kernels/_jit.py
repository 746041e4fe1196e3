"""The one place that sets how kernels are compiled.

``cache=True``: compiled machine code is written beside the source and reused by later
processes for as long as the kernel's own file and every helper module of this package
(``tinygrad_rnn/_kernels/*.py``) are unchanged. Numba itself checks only the kernel's own
file, yet a kernel carries the compiled code of the helpers it calls (``step_product``,
``scalar.tanh``): without the second check, a plugin's cached time loop would keep running
an old helper after tinygrad_rnn is upgraded or edited. ``fastmath=False``: IEEE
arithmetic, which the float64 gradient checks rely on. ``error_model="numpy"``: a division
by zero gives inf or NaN as in NumPy instead of raising, which also lets LLVM vectorise
loops that divide.
Compilation is lazy: the first call of a kernel with new argument types compiles it, so
``import tinygrad_rnn`` compiles nothing. A process that has to compile (the cache is
empty or stale) says so once on stderr. ``NUMBA_DISABLE_JIT=1`` runs the same functions
as plain Python.
"""

import functools
import hashlib
import pathlib
import sys
import weakref

import numba
from numba.core import caching, event

JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}
ANNOUNCEMENT = ("tinygrad_rnn: compiling Numba kernels for their first use; this happens "
                "once, later runs load them from the cache")

HELPERS = pathlib.Path(__file__).parent   # the modules whose code kernels compile in
_KERNELS = weakref.WeakSet()              # the functions compiled through ``kernel``


def kernel(function):
    """Compile ``function`` with the project's policy (the plain function stays at ``.py_func``)."""
    _KERNELS.add(function)
    return numba.njit(**JIT_OPTIONS)(function)


@functools.cache
def helpers_stamp() -> str:
    """A digest of the source of every helper module in :data:`HELPERS`."""
    digest = hashlib.sha256()
    for path in sorted(HELPERS.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class _StampsHelpers:
    """A Numba cache locator for ``kernel`` functions only, whose source stamp (saved with
    the cached code, compared when it is loaded) covers the helpers as well as the
    function's own file."""

    def get_source_stamp(self):
        return super().get_source_stamp(), helpers_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        return super().from_function(py_func, py_file) if py_func in _KERNELS else None


def _numba(name: str):
    """Numba's caching class ``name`` (older releases spell it with a leading underscore)."""
    return getattr(caching, name, None) or getattr(caching, "_" + name)


# Numba tries its locators in order and takes the first that accepts a function: each of
# ours goes before the one it extends (a user's NUMBA_CACHE_DIR, __pycache__, the user cache).
_numba("CacheImpl")._locator_classes[:0] = [
    type(f"Kernel{base.__name__}", (_StampsHelpers, base), {})
    for base in map(_numba, ("UserProvidedCacheLocator", "InTreeCacheLocator",
                             "UserWideCacheLocator"))]


class _AnnounceCompilation(event.Listener):
    """Print :data:`ANNOUNCEMENT` at the first compilation of a ``kernel`` function (ours or
    a plugin's): Numba signals ``numba:compile`` only when the cache had no machine code to
    load."""

    def __init__(self):
        self.announced = False

    def on_start(self, compilation):
        if not self.announced and compilation.data["dispatcher"].py_func in _KERNELS:
            self.announced = True
            print(ANNOUNCEMENT, file=sys.stderr, flush=True)

    def on_end(self, compilation):
        pass


event.register("numba:compile", _AnnounceCompilation())
