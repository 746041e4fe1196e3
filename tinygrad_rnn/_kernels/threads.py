"""Threads: one setting for every thread pool under tinygrad_rnn, and one BLAS thread inside
the time loops.

Three libraries keep thread pools here. NumPy's BLAS does the large matrix products (an
input projection over a whole sequence, a weight gradient); inside ``@njit`` code,
``np.dot`` calls SciPy's BLAS, a separate library; and Numba has a pool of its own for
parallel kernels. Each sizes its pool for the whole machine, and their idle threads keep
spinning for a while after each task, so used in turn they compete for the same cores.

``tinygrad_rnn.set_num_threads(n)`` sets all of them to ``n`` threads (Numba's only once a parallel
kernel has started it; tinygrad_rnn has none). Without a call, the number comes from the
environment variable ``TINYGRAD_RNN_NUM_THREADS``, else ``OMP_NUM_THREADS``, else the
number of CPUs this process may run on, and it is applied at the first whole-sequence
kernel call (or at import, when ``TINYGRAD_RNN_NUM_THREADS`` is set), so that
``import tinygrad_rnn`` loads nothing more.

A recurrence multiplies a small (N, H) state by the hidden weights once per step, far too
little work to share between threads; yet OpenBLAS wakes its threads for every call.
Measured on 2 cores, a medium LSTM training step took 2.4× as long with SciPy's BLAS on
its default 2 threads as on 1. So ``single_blas_thread()`` puts SciPy's BLAS on one
thread for the time loops, whatever the setting.

Both need ``threadpoolctl``; without it, or without SciPy's BLAS, they change nothing.
"""

import contextlib
import functools
import os

ENVIRONMENT = "TINYGRAD_RNN_NUM_THREADS"
_state = {"requested": None}


def _from_environment() -> int | None:
    for name in (ENVIRONMENT, "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value:
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            return int(value)
    return None


def get_num_threads() -> int:
    """The number of threads each pool gets: the last ``set_num_threads(n)``, else the
    environment's ``TINYGRAD_RNN_NUM_THREADS`` or ``OMP_NUM_THREADS``, else the number of
    CPUs this process may use."""
    if _state["requested"] is not None:
        return _state["requested"]
    if (n := _from_environment()) is not None:
        return n
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in NumPy's and SciPy's BLAS and in Numba's pool (when started).

    >>> import tinygrad_rnn as tg
    >>> previous = tg.get_num_threads()
    >>> tg.set_num_threads(1)
    >>> tg.get_num_threads()
    1
    >>> tg.set_num_threads(previous)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _state["requested"] = n
    _apply()


def _apply() -> None:
    """Set every BLAS and OpenMP pool loaded now, and Numba's if started, to the setting."""
    n = get_num_threads()
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return
    for library in ThreadpoolController().lib_controllers:
        if library.user_api in ("blas", "openmp"):
            library.set_num_threads(n)
    import numba
    from numba.np.ufunc import parallel

    if parallel._is_initialized:  # NOTE: starting Numba's pool only to size it would load OpenMP
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


@functools.lru_cache(maxsize=1)
def _scipy_blas():
    """threadpoolctl's controller of the BLAS that SciPy loads, or None. Loading it also
    applies the thread setting, to this library as to the others."""
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (loads the library Numba calls)
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    _apply()  # NOTE: an earlier set_num_threads could not reach a library not loaded yet
    for library in ThreadpoolController().lib_controllers:
        if library.user_api == "blas" and "scipy" in library.filepath.replace("\\", "/").split("/")[-2]:
            return library
    return None


@contextlib.contextmanager
def single_blas_thread():
    """Run the block with SciPy's BLAS on one thread (see the module docstring); the first
    call loads that library and so applies the thread setting."""
    library = _scipy_blas()
    previous = None if library is None else library.num_threads
    if previous in (None, 1):  # no SciPy BLAS, or one thread already: nothing to switch
        yield
        return
    library.set_num_threads(1)
    try:
        yield
    finally:
        library.set_num_threads(previous)


if os.environ.get(ENVIRONMENT, "").strip():  # an explicit request governs from the start
    _apply()
