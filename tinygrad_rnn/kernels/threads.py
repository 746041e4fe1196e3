"""One BLAS thread for the matrix products inside a kernel's time loop.

Inside ``@njit`` code, ``np.dot`` calls SciPy's BLAS, a library separate from NumPy's.
A recurrence multiplies a small (N, H) state by the hidden weights once per step, far too
little work to share between threads; yet OpenBLAS wakes its threads for every call, and
on a small machine they compete with NumPy's own BLAS threads, which keep spinning for a
while after each large product. Measured on 2 cores, a medium LSTM training step took 2.4×
as long with SciPy's BLAS on its default 2 threads as on 1.

``single_blas_thread()`` sets SciPy's BLAS to one thread for a ``with`` block and restores
it after. It needs ``threadpoolctl`` (a dependency of the plugins with fused kernels); if
that package or SciPy's BLAS is absent, it changes nothing.
"""

import contextlib
import functools


@functools.lru_cache(maxsize=1)
def _scipy_blas():
    """threadpoolctl's controller of the BLAS that SciPy loads, or None."""
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (loads the library Numba calls)
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    for library in ThreadpoolController().lib_controllers:
        if library.user_api == "blas" and "scipy" in library.filepath.replace("\\", "/").split("/")[-2]:
            return library
    return None


@contextlib.contextmanager
def single_blas_thread():
    """Run the block with SciPy's BLAS on one thread (see the module docstring)."""
    library = _scipy_blas()
    if library is None:
        yield
        return
    previous = library.num_threads
    library.set_num_threads(1)
    try:
        yield
    finally:
        library.set_num_threads(previous)
