"""``_kernels.blas.gemm``: the kernels' matrix product, in NumPy's own BLAS or, where NumPy's
build exports no 64-bit CBLAS, in a compiled stand-in."""

import ctypes
import os

import numpy as np
import pytest
from numba import njit, types

from tinygrad_rnn._kernels import blas

JIT = os.environ.get("NUMBA_DISABLE_JIT") != "1"


@njit
def _gemm_in_a_kernel(a, b, out):
    blas.gemm(a, b, out)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-13), (np.float32, 2e-6)])
@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (1, 32, 128), (7, 5, 3), (32, 128, 512)])
def test_gemm_in_a_kernel_is_the_matrix_product(m, k, n, dtype, tolerance):
    rng = np.random.default_rng(m * k * n)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    out = np.full((m, n), np.nan, dtype)
    _gemm_in_a_kernel(a, b, out)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    assert np.max(np.abs(out - expected)) <= tolerance * np.max(np.abs(expected)) * np.sqrt(k)


@pytest.mark.skipif(not JIT, reason="nothing is compiled with NUMBA_DISABLE_JIT=1")
def test_gemm_refuses_a_strided_view_when_the_kernel_is_compiled():
    from numba.core.errors import TypingError

    a = np.ones((4, 6))
    with pytest.raises(TypingError, match="C-contiguous 2-D arrays"):
        _gemm_in_a_kernel(a[:, ::2], np.ones((3, 2)), np.empty((4, 2)))


@pytest.mark.skipif(not JIT, reason="nothing is compiled with NUMBA_DISABLE_JIT=1")
@pytest.mark.parametrize("real, dtype", [(types.float32, np.float32), (types.float64, np.float64)])
def test_the_stand_in_computes_the_product_that_gemm_asks_for(real, dtype):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    c = np.full((5, 4), np.nan, dtype)
    scalar = {np.float32: ctypes.c_float, np.float64: ctypes.c_double}[dtype]
    pointer, i64 = ctypes.c_void_p, ctypes.c_int64
    call = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64, scalar,
                            pointer, i64, pointer, i64, scalar, pointer, i64)(
        blas._stand_in_address(real))
    call(blas.ROW_MAJOR, blas.NO_TRANSPOSE, blas.NO_TRANSPOSE, 5, 4, 3, 1.0, a.ctypes.data, 3,
         b.ctypes.data, 4, 0.0, c.ctypes.data, 4)
    np.testing.assert_allclose(c, a @ b, rtol=1e-6)


@pytest.mark.skipif(not JIT, reason="nothing is compiled with NUMBA_DISABLE_JIT=1")
def test_numpys_wheels_bind_their_own_blas_not_the_stand_in():
    library = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    if library not in ("scipy-openblas", "openblas64"):   # NumPy 2's wheels, and 1.26's
        pytest.skip(f"NumPy built with {library}, not the OpenBLAS of its wheels")
    assert blas.FROM_NUMPY
