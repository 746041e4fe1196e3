"""The time loops' per-step product gives x @ w in either orientation, on both sides of the
shape rule that picks one (``_kernels.products``)."""

import numpy as np
import pytest

from tinygrad_rnn._kernels.products import LARGE_WEIGHTS, THIN_ROWS, prepared, step_product


@pytest.mark.parametrize("rows", [1, THIN_ROWS[0] - 1, THIN_ROWS[0], THIN_ROWS[1], THIN_ROWS[1] + 1])
@pytest.mark.parametrize("inner, outer", [(64, 256), (512, LARGE_WEIGHTS // 512),
                                          (LARGE_WEIGHTS // 512, 512 - 1)])
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-13), (np.float32, 2e-6)])
def test_step_product_is_the_matrix_product(rows, inner, outer, dtype, tolerance):
    rng = np.random.default_rng(rows + inner)
    x = rng.standard_normal((rows, inner)).astype(dtype)
    w = rng.standard_normal((inner, outer)).astype(dtype)
    out = np.full((rows, outer), np.nan, dtype)
    step_product(x, *prepared(w, rows), out)
    expected = x.astype(np.float64) @ w.astype(np.float64)
    assert np.max(np.abs(out - expected)) <= tolerance * np.max(np.abs(expected)) * np.sqrt(inner)
