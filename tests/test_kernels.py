"""Each public kernel wrapper equals its slow reference in ``tests/naive.py``, in float32 and
float64, on C- and Fortran-ordered inputs, and returns the dtype it was given.

Run with the JIT on and off (``NUMBA_DISABLE_JIT=1``): both paths must agree with the reference.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn._kernels import activations, losses, rowwise, scatter, softmax
from tinygrad_rnn.testing.strategies import floats_arrays

import naive

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
IGNORE = -100


def layouts(array_strategy):
    """The drawn array, C-ordered or Fortran-ordered (the wrappers must accept either)."""
    return st.tuples(array_strategy, st.booleans()).map(
        lambda drawn: np.array(drawn[0], order="F") if drawn[1] else drawn[0])


def assert_matches(result, expected, dtype):
    assert result.dtype == dtype, f"kernel returned {result.dtype} for {np.dtype(dtype)} input"
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, **TOLERANCE[dtype])


# ---------------------------------------------------------------- activations

ELEMENTWISE = [
    (activations.sigmoid, naive.sigmoid),
    (activations.tanh, naive.tanh),
    (activations.relu, naive.relu),
    (activations.erf, naive.erf),
]
ELEMENTWISE_BACKWARD = [
    (activations.sigmoid_backward, naive.sigmoid_backward),
    (activations.tanh_backward, naive.tanh_backward),
    (activations.relu_backward, naive.relu_backward),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, reference", ELEMENTWISE, ids=lambda f: getattr(f, "__name__", ""))
@settings(deadline=None)
@given(data=st.data())
def test_activation_matches_reference(kernel, reference, dtype, data):
    x = data.draw(layouts(floats_arrays(dtype=dtype, min_value=-20, max_value=20)))
    assert_matches(kernel(x), reference(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, reference", ELEMENTWISE_BACKWARD,
                         ids=lambda f: getattr(f, "__name__", ""))
@settings(deadline=None)
@given(data=st.data())
def test_activation_backward_matches_reference(kernel, reference, dtype, data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), label="shape")
    y = data.draw(layouts(floats_arrays(shape, dtype, -2, 2)), label="y")
    gy = data.draw(layouts(floats_arrays(shape, dtype, -2, 2)), label="gy")
    assert_matches(kernel(y, gy), reference(y, gy), dtype)


# ---------------------------------------------------------------- softmax family

ROWS = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6)   # 1 row, 1 column too


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, reference", [
    (softmax.softmax_rows, naive.softmax_rows),
    (softmax.log_softmax_rows, naive.log_softmax_rows),
    (softmax.logsumexp_rows, naive.logsumexp_rows),
], ids=lambda f: getattr(f, "__name__", ""))
@settings(deadline=None)
@given(data=st.data())
def test_row_kernel_matches_reference(kernel, reference, dtype, data):
    x = data.draw(layouts(floats_arrays(ROWS, dtype, -20, 20)))
    assert_matches(kernel(x), reference(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, reference, forward", [
    (softmax.softmax_backward_rows, naive.softmax_backward_rows, naive.softmax_rows),
    (softmax.log_softmax_backward_rows, naive.log_softmax_backward_rows, naive.log_softmax_rows),
], ids=lambda f: getattr(f, "__name__", ""))
@settings(deadline=None)
@given(data=st.data())
def test_row_backward_matches_reference(kernel, reference, forward, dtype, data):
    shape = data.draw(ROWS, label="shape")
    x = data.draw(floats_arrays(shape, dtype, -5, 5), label="x")
    y = data.draw(layouts(st.just(forward(x).astype(dtype))), label="y")   # the forward's output
    gy = data.draw(layouts(floats_arrays(shape, dtype, -2, 2)), label="gy")
    assert_matches(kernel(y, gy), reference(y, gy), dtype)


# ---------------------------------------------------------------- cross-entropy

@st.composite
def logits_and_targets(draw, dtype):
    rows, classes = draw(ROWS)
    x = draw(layouts(floats_arrays((rows, classes), dtype, -10, 10)))
    labels = st.integers(0, classes - 1) | st.just(IGNORE)
    targets = draw(hnp.arrays(np.int64, rows, elements=labels))
    return x, targets


@pytest.mark.parametrize("dtype", DTYPES)
@settings(deadline=None)
@given(data=st.data())
def test_cross_entropy_rows_matches_reference(dtype, data):
    x, targets = data.draw(logits_and_targets(dtype))
    assert_matches(losses.cross_entropy_rows(x, targets, IGNORE),
                   naive.cross_entropy_rows(x, targets, IGNORE), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(deadline=None)
@given(data=st.data())
def test_cross_entropy_backward_rows_matches_reference(dtype, data):
    x, targets = data.draw(logits_and_targets(dtype))
    gy = data.draw(floats_arrays(targets.shape, dtype, -2, 2), label="gy")
    assert_matches(losses.cross_entropy_backward_rows(x, targets, IGNORE, gy),
                   naive.cross_entropy_backward_rows(x, targets, IGNORE, gy), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_row_kernels_cut_into_blocks_on_the_threads_give_the_same_bits(dtype):
    # NOTE: 1,500 rows of 600: 2 blocks of rows on one thread, 3 on three; each matches the
    # reference, and the cut changes no bit (rows are independent).
    from tinygrad_rnn import get_num_threads, set_num_threads

    rng = np.random.default_rng(0)
    x = rng.uniform(-10, 10, (1500, 600)).astype(dtype)
    gy = rng.uniform(-2, 2, x.shape).astype(dtype)
    targets = rng.integers(0, x.shape[1], x.shape[0])
    targets[::7] = IGNORE
    g_rows = rng.uniform(-2, 2, x.shape[0]).astype(dtype)
    y, log_y = naive.softmax_rows(x).astype(dtype), naive.log_softmax_rows(x).astype(dtype)
    cases = [
        (lambda: softmax.softmax_rows(x), naive.softmax_rows(x)),
        (lambda: softmax.log_softmax_rows(x), naive.log_softmax_rows(x)),
        (lambda: softmax.logsumexp_rows(x), naive.logsumexp_rows(x)),
        (lambda: softmax.softmax_backward_rows(y, gy), naive.softmax_backward_rows(y, gy)),
        (lambda: softmax.log_softmax_backward_rows(log_y, gy),
         naive.log_softmax_backward_rows(log_y, gy)),
        (lambda: losses.cross_entropy_rows(x, targets, IGNORE),
         naive.cross_entropy_rows(x, targets, IGNORE)),
        (lambda: losses.cross_entropy_backward_rows(x, targets, IGNORE, g_rows),
         naive.cross_entropy_backward_rows(x, targets, IGNORE, g_rows)),
    ]
    previous = get_num_threads()
    try:
        for kernel, expected in cases:
            set_num_threads(1)
            one = kernel()
            set_num_threads(3)
            three = kernel()
            assert_matches(one, expected, dtype)
            assert np.array_equal(one, three)
    finally:
        set_num_threads(previous)


# ---------------------------------------------------------------- scatter-add

@pytest.mark.parametrize("dtype", DTYPES)
@settings(deadline=None)
@given(data=st.data())
def test_scatter_add_rows_matches_reference(dtype, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    indices = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=5),
                                   elements=st.integers(0, shape[0] - 1)), label="indices")
    values = data.draw(layouts(floats_arrays(indices.shape + shape[1:], dtype, -5, 5)),
                       label="values")
    assert_matches(scatter.scatter_add_rows(indices, values, shape),
                   naive.scatter_add_rows(indices, values, shape), dtype)


def test_scatter_add_rows_accumulates_repeated_indices():
    out = scatter.scatter_add_rows(np.array([2, 0, 2, 2]), np.ones((4, 3)), (3, 3))
    np.testing.assert_array_equal(out, [[1, 1, 1], [0, 0, 0], [3, 3, 3]])


# ---------------------------------------------------------------- scalar tanh and sigmoid

def test_float32_rational_tanh_is_within_a_few_ulp_of_tanh():
    from tinygrad_rnn._kernels.scalar import tanh_rational

    x = np.linspace(-12, 12, 200_001).astype(np.float32)
    approx = np.array([tanh_rational(v) for v in x[::50]] + [tanh_rational(np.float32(0.0))])
    exact = np.tanh(np.append(x[::50], 0).astype(np.float64))
    assert approx.dtype == np.float32
    assert np.all(np.abs(approx - exact) <= 4e-7 * np.abs(exact) + 1e-30)


def test_scalar_functions_are_exact_in_float64_and_close_in_float32():
    from tinygrad_rnn._kernels import scalar

    for v in (-30.0, -2.5, -1e-3, 0.0, 0.7, 4.0, 30.0):
        assert scalar.tanh(np.float64(v)) == np.tanh(v)
        # NOTE: below 0 the form e^v / (1 + e^v), whose exp cannot overflow
        expected = 1.0 / (1.0 + np.exp(-v)) if v >= 0 else np.exp(v) / (1.0 + np.exp(v))
        assert scalar.sigmoid(np.float64(v)) == expected
        assert abs(scalar.tanh(np.float32(v)) - np.tanh(v)) <= 4e-7 * abs(np.tanh(v))
        assert abs(scalar.sigmoid(np.float32(v)) - 1 / (1 + np.exp(-v))) <= 1e-7


# ---------------------------------------------------------------- vectorised gate loops

@pytest.mark.parametrize("name", ["_forward_gates", "_backward_gates"])
def test_the_lstm_gate_loops_compile_to_vector_arithmetic_in_float32(name):
    import os
    import re

    import numba

    from tinygrad_rnn._kernels._jit import JIT_OPTIONS

    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing is compiled with NUMBA_DISABLE_JIT=1")
    kernels = pytest.importorskip("tinygrad_rnn_lstm.kernels")
    function = getattr(kernels, name)
    # NOTE: compiled afresh (not from the cache, which keeps no IR) from the plain function.
    fresh = numba.njit(**{**JIT_OPTIONS, "cache": False})(function.py_func)
    row = numba.types.Array(numba.float32, 1, "C")
    signature = (row,) * function.py_func.__code__.co_argcount
    fresh.compile(signature)
    assert re.search(r"fmul <\d+ x float>", fresh.inspect_llvm(signature))


# ---------------------------------------------------------------- BLAS threads

def _numpy_blas_threads():
    from threadpoolctl import threadpool_info

    return {i["num_threads"] for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i["filepath"]}


def test_set_num_threads_sizes_the_pool_and_a_product_keeps_numpys_blas_on_one_thread():
    import tinygrad_rnn as tg

    previous = tg.get_num_threads()
    try:
        for n in (1, 2):
            tg.set_num_threads(n)
            assert tg.get_num_threads() == n
            (tg.ones(300, 300) @ tg.ones(300, 300)).numpy()
            assert _numpy_blas_threads() == {1}
    finally:
        tg.set_num_threads(previous)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_set_num_threads_rejects_anything_but_a_positive_int(bad):
    import tinygrad_rnn as tg

    with pytest.raises(ValueError, match="positive int"):
        tg.set_num_threads(bad)


def test_the_environment_variable_sets_the_pool_and_leaves_the_blas_on_one_thread():
    import os
    import subprocess
    import sys

    code = ("import tinygrad_rnn as tg; from threadpoolctl import threadpool_info; "
            "tg.ones(2, 2) @ tg.ones(2, 2); "
            "print(tg.get_num_threads(), sorted({i['num_threads'] for i in threadpool_info() "
            "if i['user_api'] == 'blas'}))")
    env = {**os.environ, "TINYGRAD_RNN_NUM_THREADS": "3"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["3", "[1]"]


def test_a_malformed_environment_variable_is_named_in_the_error(monkeypatch):
    from tinygrad_rnn._kernels import threads

    monkeypatch.setitem(threads._state, "requested", None)
    monkeypatch.setenv("TINYGRAD_RNN_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="TINYGRAD_RNN_NUM_THREADS must be a positive integer"):
        threads.get_num_threads()


# ---------------------------------------------------------------- the compile announcement

def test_compilation_is_announced_once_and_a_warm_cache_stays_quiet(tmp_path):
    import os
    import subprocess
    import sys

    from tinygrad_rnn._kernels._jit import ANNOUNCEMENT

    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing is compiled with NUMBA_DISABLE_JIT=1")
    code = ("import numpy as np; from tinygrad_rnn._kernels import activations as a; "
            "a.relu(np.ones(3)); a.tanh(np.ones(3))")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stderr for _ in range(2)]
    assert runs[0].count(ANNOUNCEMENT) == 1
    assert ANNOUNCEMENT not in runs[1]


def test_a_cached_kernel_is_recompiled_when_a_helper_it_inlines_changes(tmp_path):
    """A plugin's kernel calls a helper of another file: editing (or upgrading) the helper
    must not leave the plugin running the helper's old machine code from the cache."""
    import os
    import subprocess
    import sys
    import textwrap

    from tinygrad_rnn._kernels._jit import ANNOUNCEMENT

    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("nothing is compiled with NUMBA_DISABLE_JIT=1")
    helpers, plugin = tmp_path / "helpers", tmp_path / "plugin"
    helpers.mkdir()
    plugin.mkdir()
    (plugin / "cell_kernels.py").write_text(textwrap.dedent("""
        from tinygrad_rnn._kernels import kernel
        from shared_helper import value

        @kernel
        def run():
            return value()
    """))
    code = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(helpers)!r}, {str(plugin)!r}]
        from tinygrad_rnn._kernels import _jit
        _jit.HELPERS = _jit.pathlib.Path({str(helpers)!r})   # stands for tinygrad_rnn/_kernels
        _jit.helpers_stamp.cache_clear()
        import cell_kernels
        print(cell_kernels.run())
    """)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}

    def run_with_helper_returning(number):
        (helpers / "shared_helper.py").write_text(
            f"from numba.extending import register_jitable\n\n"
            f"@register_jitable\ndef value():\n    return {number}\n")
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)
        return float(done.stdout), ANNOUNCEMENT in done.stderr

    assert run_with_helper_returning(1.5) == (1.5, True)    # compiled, cached
    assert run_with_helper_returning(1.5) == (1.5, False)   # loaded from the cache
    assert run_with_helper_returning(2.5) == (2.5, True)    # the helper changed: compiled again


# ---------------------------------------------------------------- row building blocks

def test_float32_exp_is_within_two_units_in_the_last_place_down_to_the_smallest_normal():
    v = np.linspace(-87.33, 0.0, 200_001, dtype=np.float32)
    out, bits = np.empty_like(v), np.empty(v.shape, np.int32)
    rowwise.exp_shifted(v, np.float32(0.0), out, bits)
    exact = np.exp(v.astype(np.float64))
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(out - exact) / ulp) <= 2.0


def test_float32_exp_is_zero_below_the_smallest_normal_and_keeps_nan():
    v = np.array([-87.34, -100.0, -np.inf, np.nan, 0.0], np.float32)
    out = np.empty_like(v)
    rowwise.exp_shifted(v + np.float32(3.0), np.float32(3.0), out, np.empty(5, np.int32))
    assert out[:3].tolist() == [0.0, 0.0, 0.0] and np.isnan(out[3]) and out[4] == 1.0


def test_float64_exp_is_libms():
    v = np.random.default_rng(0).uniform(-700, 0, 1000)
    out = np.empty_like(v)
    rowwise.exp_shifted(v + 2.5, 2.5, out, np.empty(0, np.int32))
    assert np.array_equal(out, np.exp((v + 2.5) - 2.5))


@settings(deadline=None)
@given(floats_arrays(st.integers(0, 70).map(lambda n: (n,)), np.float32, -1e3, 1e3))
def test_row_sum_is_the_sum_to_float64_rounding(a):
    assert abs(rowwise.row_sum(a) - math.fsum(a.astype(np.float64))) <= 1e-12 * max(
        1.0, math.fsum(np.abs(a.astype(np.float64))))
