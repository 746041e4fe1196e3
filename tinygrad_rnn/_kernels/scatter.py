"""Scatter-add of rows: the backward of a row lookup (embedding, ``x[int_array]``).

    out[indices[i], :] += values[i, :]   for every i, repeated indices accumulating.
"""

import numpy as np

from . import _checks
from ._jit import kernel


@kernel
def _scatter_add_rows(indices, values, out):
    for i in range(indices.size):
        row = indices[i]
        for j in range(values.shape[1]):
            out[row, j] += values[i, j]


def scatter_add_rows(indices, values, shape):
    """Zeros of ``shape`` with each ``values[i]`` added at row ``indices[i]``.

    ``indices`` holds integers in [0, shape[0]) of any shape; ``values`` has shape
    ``indices.shape + shape[1:]``. Both are checked first (see ``_checks``).
    """
    op = "scatter_add_rows"
    shape = tuple(shape)
    if not shape or not all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape):
        raise ValueError(f"{op}: shape must be a non-empty tuple of sizes >= 0, got {shape}")
    indices = _checks.integers(op, "indices", indices)
    values = _checks.floats(op, "values", values)
    _checks.same_shape(op, "values", values, "indices.shape + shape[1:]",
                       indices.shape + shape[1:])
    _checks.in_range(op, "indices", indices, shape[0])
    width = int(np.prod(shape[1:], dtype=np.int64))
    out = np.zeros((shape[0], width), dtype=values.dtype)
    _scatter_add_rows(indices.reshape(-1), values.reshape(indices.size, width), out)
    return out.reshape(shape)
