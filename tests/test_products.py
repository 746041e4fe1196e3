"""``_kernels.products.matmul`` and ``_kernels.threads.run_tiles``: every product of the
engine, cut into tiles by its shape alone and run on tinygrad_rnn's threads, equals NumPy's
``@`` and gives the same bits at every thread count."""

import signal
import threading

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn._kernels.products import depth_edges, matmul, tile_edges
from tinygrad_rnn._kernels.threads import run_tiles

SHAPES = [(1, 300, 2000), (7, 513, 3), (700, 32, 200), (200, 700, 3000), (3200, 128, 512),
          (40, 2000, 300), (128, 3200, 128), (20, 60000, 30)]   # the last two: cut along k


@pytest.fixture
def threads():
    previous = tg.get_num_threads()
    yield tg.set_num_threads
    tg.set_num_threads(previous)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", SHAPES)
def test_matmul_gives_the_same_bits_at_every_thread_count(threads, m, k, n, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape).astype(dtype) for shape in ((m, k), (k, n)))
    products = []
    for count in (1, 2, 3):
        threads(count)
        products.append([matmul(a, b), matmul(np.asfortranarray(a), b), matmul(b.T, a.T)])
    for later in products[1:]:
        for got, first in zip(later, products[0]):
            np.testing.assert_array_equal(got, first)
    np.testing.assert_allclose(products[0][0], np.float64(a) @ np.float64(b),
                               rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-3)


def test_matmul_follows_numpys_rules_for_vectors_and_stacks():
    rng = np.random.default_rng(1)
    for shapes in [((5,), (5, 3)), ((4, 5), (5,)), ((2, 3, 4, 5), (5, 6)), ((3, 4, 5), (3, 5, 2)),
                   ((4, 5), (2, 5, 3)), ((5,), (5,))]:
        a, b = (rng.standard_normal(shape) for shape in shapes)
        np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-12)
    integers = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(matmul(integers, integers.T), integers @ integers.T)


def test_tiles_cover_the_output_once_and_depend_on_the_shape_alone(threads):
    cut_deep = []
    for m, k, n in SHAPES:
        rows, columns = tile_edges(m, n, k)
        depth = depth_edges(m, n, k)
        assert rows[0] == columns[0] == depth[0] == 0
        assert rows[-1] == m and columns[-1] == n and depth[-1] == k
        assert all(b > a for edges in (rows, columns, depth) for a, b in zip(edges, edges[1:]))
        if len(depth) > 2:
            cut_deep.append((m, k, n))
            assert len(rows) == len(columns) == 2   # only an output that is one tile
        threads(1)
        first = tile_edges(m, n, k), depth_edges(m, n, k)
        threads(4)
        assert (tile_edges(m, n, k), depth_edges(m, n, k)) == first
    assert cut_deep == [(128, 3200, 128), (20, 60000, 30)]


def test_run_tiles_calls_each_tile_once_on_several_threads(threads):
    threads(3)
    calls, names = [], set()
    lock = threading.Lock()

    def tile(i):
        def call():
            with lock:
                calls.append(i)
                names.add(threading.current_thread().name)
            threading.Event().wait(0.01)   # long enough for the other threads to take some
        return call

    run_tiles([tile(i) for i in range(12)])
    assert sorted(calls) == list(range(12))
    assert len(names) > 1


def test_an_error_in_a_tile_reaches_the_caller(threads):
    threads(2)

    def fails():
        raise ArithmeticError("tile failed")

    with pytest.raises(ArithmeticError, match="tile failed"):
        run_tiles([fails, fails, fails])


def test_a_forked_process_makes_its_own_pool(threads):
    import os

    threads(2)
    run_tiles([lambda: None] * 4)   # the parent's pool exists
    pid = os.fork()
    if pid == 0:   # the child: a hang here would be the parent's pool, without its threads
        signal.alarm(60)   # then SIGALRM ends the child, and the test fails
        try:
            a = np.ones((600, 600))
            os._exit(0 if matmul(a, a)[0, 0] == 600 else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
