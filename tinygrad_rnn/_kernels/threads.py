"""Threads: tinygrad_rnn's own pool for its matrix products, and the BLAS kept on one thread.

Every matrix product of the engine (the ``@`` op and the large products of the fused
recurrent layers) goes through :func:`~tinygrad_rnn._kernels.products.matmul`, which cuts
a large product into tiles by a rule of shapes alone and hands them to :func:`run_tiles`.
That runs them on ``get_num_threads()`` threads: the calling thread and the workers of a
pool take the next tile from one shared list until none is left, each tile a call of
NumPy's BLAS on one thread. The time loops' small per-step products run in the calling
thread, on one BLAS thread too.

Three properties follow, which a BLAS's own threads do not give:

* **The same bits at every thread count.** A tile is the same computation whichever thread
  runs it; OpenBLAS's threads instead split a product by a rule of the thread count, and
  the edges of the split change the order of some sums.
* **No spinning.** A worker with no tile waits on a lock, which costs no CPU time; the
  calling thread, when the last tiles are being finished, waits the same way. OpenBLAS's
  threads spin for a while after each product, and its calling thread spins until every
  part is done, which makes a step wait for a thread that another process has pushed off
  its core.
* **Load balancing.** A thread that loses its core for a while holds up one tile; the
  others take the rest.

So NumPy's BLAS is set to one thread (:func:`blas_on_one_thread`, when tinygrad_rnn first
multiplies and again whenever something has changed it), and SciPy's, where loaded, too:
a NumPy product of the user's own code then runs on one thread as well.

``tinygrad_rnn.set_num_threads(n)`` sets the number of threads of the pool; the
environment variable ``TINYGRAD_RNN_NUM_THREADS``, read when no ``set_num_threads`` was
called, does the same, then ``OMP_NUM_THREADS``, else the number of CPUs this process may
run on. tinygrad_rnn starts no Numba pool (it has no parallel kernel).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .blas import numpy_blas_threads, set_numpy_blas_threads

ENVIRONMENT = "TINYGRAD_RNN_NUM_THREADS"
_inside = threading.local()   # whether this thread is running a tile
_state = {"requested": None, "pool": None, "workers": 0, "pid": None, "blas_checked": False}


def _from_environment() -> int | None:
    for name in (ENVIRONMENT, "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value:
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            return int(value)
    return None


def get_num_threads() -> int:
    """The number of threads that run tinygrad_rnn's products: the last
    ``set_num_threads(n)``, else the environment's ``TINYGRAD_RNN_NUM_THREADS`` or
    ``OMP_NUM_THREADS``, else the number of CPUs this process may use."""
    if _state["requested"] is not None:
        return _state["requested"]
    if (n := _from_environment()) is not None:
        return n
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Run tinygrad_rnn's products on ``n`` threads (the results are the same bits at
    every ``n``).

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


def _pool(workers: int) -> ThreadPoolExecutor:
    """The pool of ``workers`` threads, made again when the setting has changed or the
    process is a fork of the one that made it (whose threads a fork does not copy)."""
    if (_state["workers"], _state["pid"]) != (workers, os.getpid()):
        if _state["pool"] is not None and _state["pid"] == os.getpid():
            _state["pool"].shutdown(wait=True)
        _state["pool"] = ThreadPoolExecutor(workers, thread_name_prefix="tinygrad_rnn")
        _state["workers"], _state["pid"] = workers, os.getpid()
    return _state["pool"]


def run_tiles(tiles: list) -> None:
    """Call every function of ``tiles`` (no arguments, no result) once, on up to
    ``get_num_threads()`` threads, the calling thread included; return when all are done.
    A tile that itself calls ``run_tiles`` runs its tiles in its own thread."""
    if len(tiles) == 1:
        tiles[0]()
        return
    threads = min(get_num_threads(), len(tiles))
    remaining = iter(tiles)   # NOTE: next() on a list iterator is atomic under the GIL

    def work():
        # NOTE: nested tiles stay in this thread: handed to the pool they could wait for
        # a worker that is busy running this very tile.
        _inside.active = True
        try:
            for tile in remaining:
                tile()
        finally:
            _inside.active = False

    if threads <= 1 or getattr(_inside, "active", False):
        for tile in remaining:
            tile()
        return
    helpers = [_pool(threads - 1).submit(work) for _ in range(threads - 1)]
    work()
    for helper in helpers:
        helper.result()


# Elements per block of :func:`run_row_blocks`, at least: less would cost more in hand-over
# than a second thread gives.
ROW_BLOCK_WORK = 1 << 18


def run_row_blocks(work, rows: int, columns: int) -> None:
    """Call ``work(r0, r1)`` on blocks of consecutive rows that together cover
    ``range(rows)``, on the threads of :func:`run_tiles`: about two blocks per thread, each
    of at least :data:`ROW_BLOCK_WORK` of the ``rows × columns`` elements. For work whose
    rows are independent (a softmax, a cross-entropy), so that any cut gives the same bits."""
    blocks = max(1, min(rows, 2 * get_num_threads(), rows * columns // ROW_BLOCK_WORK))
    edges = [rows * b // blocks for b in range(blocks + 1)]
    run_tiles([lambda r0=r0, r1=r1: work(r0, r1) for r0, r1 in zip(edges, edges[1:])])


def blas_on_one_thread() -> None:
    """Set NumPy's BLAS to one thread if it is not (the first time: every BLAS loaded, by
    threadpoolctl when installed)."""
    if not _state["blas_checked"]:
        _state["blas_checked"] = True
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            threadpool_limits(1, user_api="blas")
    if numpy_blas_threads() != 1:
        set_numpy_blas_threads(1)
