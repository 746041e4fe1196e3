"""The time loops' per-step product gives x @ w in either orientation, on both sides of the
shape rule that picks one (``_kernels.products``)."""

import numpy as np
import pytest

from tinygrad_rnn._kernels.products import prepared, step_product

# (rows, inner, outer) on both sides of each bound of the rule
SHAPES = [(1, 64, 256), (1, 256, 1024), (32, 256, 1024), (33, 256, 1024), (32, 256, 1023),
          (16, 2048, 512), (4, 128, 512)]


@pytest.mark.parametrize("rows, inner, outer", SHAPES)
@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-13), (np.float32, 2e-6)])
def test_step_product_is_the_matrix_product(rows, inner, outer, dtype, tolerance):
    rng = np.random.default_rng(rows + inner + outer)
    x = rng.standard_normal((rows, inner)).astype(dtype)
    w = rng.standard_normal((inner, outer)).astype(dtype)
    out = np.full((rows, outer), np.nan, dtype)
    step_product(x, *prepared(w, rows), out)
    expected = x.astype(np.float64) @ w.astype(np.float64)
    assert np.max(np.abs(out - expected)) <= tolerance * np.max(np.abs(expected)) * np.sqrt(inner)


@pytest.mark.parametrize("rows, inner, outer, transposed", [
    (8, 256, 1024, True),     # an LSTM of 256 units, forward, thin batch
    (64, 256, 1024, False),   # the same, thick batch
    (16, 512, 2048, True),    # an LSTM of 512 units, forward
    (16, 2048, 512, False),   # its backward
    (16, 1024, 256, False),   # an LSTM of 256 units, backward
    (32, 128, 512, False),    # the medium LSTM of the benchmarks
    (1, 32, 128, False),      # the tiny one
])
def test_the_rule_picks_the_orientation_of_the_benchmark_table(rows, inner, outer, transposed):
    operand, picked = prepared(np.ones((inner, outer), np.float32), rows)
    assert picked is transposed
    assert operand.shape == ((outer, inner) if transposed else (inner, outer))
    assert operand.flags.c_contiguous
