"""Threads: one setting for every thread pool under tinygrad_rnn.

Two libraries keep thread pools here. NumPy's BLAS does every matrix product: the large
ones outside the time loops (an input projection over a whole sequence, a weight gradient)
and, through ``_kernels.blas.gemm``, the small per-step products inside them. Numba has a
pool of its own for parallel kernels. Each sizes its pool for the whole machine by default,
and an idle BLAS thread keeps spinning for a while after each task, so two pools used in
turn compete for the same cores. (The per-step products used to go through ``np.dot``,
which inside Numba calls SciPy's copy of OpenBLAS: a third pool, which had to be held to
one thread during the loops.)

``tinygrad_rnn.set_num_threads(n)`` sets all of them to ``n`` threads (Numba's only once a
parallel kernel has started it; tinygrad_rnn has none), and SciPy's BLAS too when it is
loaded. The environment variable ``TINYGRAD_RNN_NUM_THREADS`` does the same at import.
Without either, the pools keep their defaults: ``OMP_NUM_THREADS`` when that is set, else
the number of CPUs this process may run on, which is also what ``get_num_threads`` reports.

It needs ``threadpoolctl``; without it, ``set_num_threads`` changes nothing.
"""

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


if os.environ.get(ENVIRONMENT, "").strip():  # an explicit request governs from the start
    _apply()
