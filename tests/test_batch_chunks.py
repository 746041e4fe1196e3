"""A whole-sequence call with enough work splits its batch over the threads: the chunks run
side by side with every BLAS on one thread, and the results are the step-by-step path's."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import tinygrad_rnn as tg
from tinygrad_rnn._kernels import threads
from tinygrad_rnn.nn import Recurrent

from test_fused_paths import CASES, IDS, assert_fused_equals_stepwise


@pytest.fixture
def three_threads():
    import scipy.linalg.cython_blas  # noqa: F401  (loaded first, so that every BLAS is set)

    previous = tg.get_num_threads()
    tg.set_num_threads(3)
    yield
    tg.set_num_threads(previous)


def _blas_threads():
    return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


@pytest.mark.parametrize("batch, work, expected", [
    (32, threads.PARALLEL_WORK, [(0, 10), (10, 21), (21, 32)]),
    (2 * threads.MIN_CHUNK_ROWS, threads.PARALLEL_WORK,
     [(0, threads.MIN_CHUNK_ROWS), (threads.MIN_CHUNK_ROWS, 2 * threads.MIN_CHUNK_ROWS)]),
    (2 * threads.MIN_CHUNK_ROWS - 1, threads.PARALLEL_WORK, [(0, 2 * threads.MIN_CHUNK_ROWS - 1)]),
    (32, threads.PARALLEL_WORK - 1, [(0, 32)]),
])
def test_the_batch_is_split_in_one_even_chunk_per_thread_given_enough_work(
        three_threads, batch, work, expected):
    assert [(s.start, s.stop) for s in threads.batch_chunks(batch, work)] == expected


def test_parallel_map_runs_the_chunks_at_once_with_one_blas_thread_each(three_threads):
    before = _blas_threads()
    all_started = threading.Barrier(3, timeout=5)   # broken unless the three run at once

    def run(item):
        all_started.wait()
        return item, _blas_threads()

    for _ in range(2):   # the second time on the pool's threads from the first
        results = threads.parallel_map(run, [0, 1, 2])
        assert [item for item, _ in results] == [0, 1, 2]
        assert all(blas == {1} for _, blas in results)
    assert _blas_threads() == before == {3}


def test_an_error_in_a_chunk_reaches_the_caller(three_threads):
    def fail_on_two(item):
        if item == 2:
            raise ValueError("chunk 2")
        return item

    with pytest.raises(ValueError, match="chunk 2"):
        threads.parallel_map(fail_on_two, [0, 1, 2])
    assert _blas_threads() == {3}


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_a_split_batch_gives_the_step_by_step_results(three_threads, monkeypatch, name, options):
    monkeypatch.setattr(threads, "PARALLEL_WORK", 0)
    monkeypatch.setattr(threads, "MIN_CHUNK_ROWS", 1)
    tg.manual_seed(0)
    layer = Recurrent(name, 3, 4, num_layers=2, bidirectional=True, dtype=np.float64, **options)
    rng = np.random.default_rng(5)
    x = tg.Tensor(rng.standard_normal((4, 5, 3)), requires_grad=True)
    states = [tg.Tensor(rng.standard_normal((4, 5, size)), requires_grad=True)
              for size in layer.cells[0].state_sizes]
    upstream = rng.standard_normal((4, 5, 2 * layer.cells[0].output_size))
    assert_fused_equals_stepwise(layer, x, states, np.array([4, 1, 3, 4, 2]), upstream)


def test_a_split_batch_with_a_retained_graph_gives_the_same_gradients_twice(three_threads,
                                                                             monkeypatch):
    monkeypatch.setattr(threads, "PARALLEL_WORK", 0)
    monkeypatch.setattr(threads, "MIN_CHUNK_ROWS", 1)
    layer = tg.nn.LSTM(3, 4, dtype=np.float64)
    x = tg.Tensor(np.random.default_rng(6).standard_normal((5, 4, 3)), requires_grad=True)
    loss = (layer(x)[0] ** 2).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy()
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * once, rtol=1e-12)


def test_a_thread_setting_made_before_scipys_blas_loads_reaches_it():
    import subprocess
    import sys

    code = ("import sys, tinygrad_rnn as tg; assert 'scipy.linalg.cython_blas' not in sys.modules; "
            "tg.set_num_threads(1); tg.nn.LSTM(2, 3)(tg.zeros(4, 1, 2)); "
            "from threadpoolctl import threadpool_info; "
            "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[1]"]
