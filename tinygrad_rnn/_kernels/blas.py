"""``gemm``: a matrix product inside kernels, through NumPy's own BLAS.

Inside a kernel, ``np.dot`` calls the BLAS that SciPy ships: a second copy of OpenBLAS
beside NumPy's, with a thread pool of its own. ``gemm`` calls NumPy's instead, the library
of every product outside the kernels, so the time loops' per-step products run in the same
library and the same threads as the rest, under the one thread setting.

How: at import, the address of NumPy's ``cblas_sgemm`` and ``cblas_dgemm`` (their 64-bit
integer versions, which NumPy's wheels export as ``scipy_cblas_?gemm64_``, or
``cblas_?gemm64_`` before NumPy 2) is registered with LLVM under a name of ours, and
kernels call that name as an external function. Cached machine code refers to the name,
not to an address, so it stays valid in every process. Where NumPy's BLAS exports neither
(another build of NumPy), the name is bound instead to a compiled stand-in of the same
signature that multiplies with ``np.dot`` (and so needs SciPy, as ``np.dot`` in Numba
does), so the same cached kernels run everywhere.

The same library gives :func:`numpy_blas_threads` and :func:`set_numpy_blas_threads`, the
thread count of NumPy's OpenBLAS through its own functions (``openblas_get_num_threads``
and ``openblas_set_num_threads``, named as the ``gemm`` symbols are): a call costs about a
microsecond, so ``threads.py`` checks it before every product.
"""

import ctypes
import importlib.machinery
import sys

import llvmlite.binding as llvm
import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

ROW_MAJOR, NO_TRANSPOSE = 101, 111   # CBLAS's constants
NUMPY_SYMBOLS = ("scipy_cblas_{}gemm64_", "cblas_{}gemm64_")


def _signature(real):
    """cblas_?gemm(order, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc),
    with 64-bit integers."""
    matrix, integer = types.CPointer(real), types.int64
    return types.void(types.intc, types.intc, types.intc, integer, integer, integer, real,
                      matrix, integer, matrix, integer, real, matrix, integer)


def _numpy_core_extension() -> str | None:
    """The file of NumPy's compiled core, which links its BLAS (``numpy._core`` from NumPy 2,
    ``numpy.core`` before; 1.26 also has a ``numpy._core`` of Python stubs)."""
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        if path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            return path
    return None


def _numpy_address(library, letter: str):
    """The address of NumPy's 64-bit ``cblas_{letter}gemm`` in ``library``, or None."""
    if library is None:
        return None
    for symbol in NUMPY_SYMBOLS:
        function = getattr(library, symbol.format(letter), None)
        if function is not None:
            return ctypes.cast(function, ctypes.c_void_p).value
    return None


def _stand_in_address(real) -> int:
    """The address of a compiled C = A B by ``np.dot``, for the only call ``gemm`` makes:
    row-major, no transposes, alpha 1, beta 0, every matrix contiguous."""
    @numba.cfunc(_signature(real), cache=True)
    def multiply(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        np.dot(numba.carray(a, (m, k)), numba.carray(b, (k, n)), numba.carray(c, (m, n)))
    return multiply.address


def _bind(library, letter: str, real) -> tuple[types.ExternalFunction, bool]:
    """The external function ``tinygrad_rnn_{letter}gemm``, bound to NumPy's BLAS (found in
    ``library``) or to the stand-in; and whether it is NumPy's."""
    name, address = f"tinygrad_rnn_{letter}gemm", _numpy_address(library, letter)
    if not numba.config.DISABLE_JIT:   # NOTE: then nothing is compiled, and ``gemm`` is np.dot
        llvm.add_symbol(name, address if address is not None else _stand_in_address(real))
    return types.ExternalFunction(name, _signature(real)), address is not None


_CORE = _numpy_core_extension()
_LIBRARY = _CORE and ctypes.CDLL(_CORE)
_BOUND = {real: _bind(_LIBRARY, letter, real)
          for letter, real in (("s", types.float32), ("d", types.float64))}
FROM_NUMPY = all(from_numpy for _, from_numpy in _BOUND.values())   # or the stand-in's

THREAD_SYMBOLS = ("scipy_openblas_{}_num_threads64_", "openblas_{}_num_threads64_",
                  "openblas_{}_num_threads")


def _thread_function(verb: str):
    """NumPy's OpenBLAS ``openblas_{verb}_num_threads``, through ctypes, or None."""
    for symbol in THREAD_SYMBOLS:
        function = getattr(_LIBRARY, symbol.format(verb), None) if _LIBRARY else None
        if function is not None:
            function.restype = ctypes.c_int if verb == "get" else None
            return function
    return None


_THREADS = {verb: _thread_function(verb) for verb in ("get", "set")}


def numpy_blas_threads() -> int:
    """The thread count of NumPy's OpenBLAS (1 where it is not found: unknown)."""
    return _THREADS["get"]() if _THREADS["get"] else 1


def set_numpy_blas_threads(n: int) -> None:
    """Set the thread count of NumPy's OpenBLAS (nothing where it is not found)."""
    if _THREADS["set"]:
        _THREADS["set"](n)


def gemm(a, b, out):
    """out = a @ b, for C-contiguous 2-D arrays of one float dtype, in NumPy's BLAS."""
    np.dot(a, b, out)


@overload(gemm)
def _gemm(a, b, out):
    if not all(array.layout == "C" and array.ndim == 2 for array in (a, b, out)):
        raise TypingError(f"gemm takes C-contiguous 2-D arrays, got {a}, {b}, {out}")
    external = _BOUND[a.dtype][0]
    one, zero = (np.dtype(str(a.dtype)).type(value) for value in (1, 0))

    def multiply(a, b, out):
        m, k = a.shape
        n = b.shape[1]
        external(ROW_MAJOR, NO_TRANSPOSE, NO_TRANSPOSE, m, n, k, one, a.ctypes, k, b.ctypes, n,
                 zero, out.ctypes, n)
    return multiply
