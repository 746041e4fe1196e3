"""The checks every kernel wrapper makes before it calls a jitted loop.

A compiled loop checks no bounds: an index past an array's end, or two arrays of different
lengths walked by one counter, reads or writes memory that is not theirs and may kill the
process. So each wrapper checks its arguments here first, with errors that name the wrapper,
the argument, what was expected and what was given:

* ``TypeError`` for a dtype the loops do not take: values must be float32 or float64
  (integer, bool, float16 and object arrays are refused, as ``Tensor`` refuses them),
  indices must be integers;
* ``ValueError`` for a number of dimensions or a shape that does not fit;
* ``IndexError`` for an index outside its range.
"""

import numpy as np

from ..dtypes import FLOAT_DTYPES


def floats(op: str, name: str, x, dtype=None) -> np.ndarray:
    """``x`` as a C-contiguous float32 or float64 array (of ``dtype`` when given)."""
    x = x if type(x) is np.ndarray else np.asarray(x)
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{op}: {name} must be a float32 or float64 array, got dtype {x.dtype}")
    if x.flags.c_contiguous and (dtype is None or x.dtype == dtype):
        return x  # the common case: nothing to convert
    return np.asarray(x, dtype, order="C")


def integers(op: str, name: str, x) -> np.ndarray:
    """``x`` as a C-contiguous int64 array."""
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer array, got dtype {x.dtype}")
    return np.asarray(x, np.int64, order="C")


def ndim(op: str, name: str, x: np.ndarray, expected: int) -> None:
    """Raise ValueError unless ``x`` has ``expected`` dimensions."""
    if x.ndim != expected:
        raise ValueError(f"{op}: {name} must have {expected} dimension(s), got shape {x.shape}")


def same_shape(op: str, name: str, x: np.ndarray, other: str, shape) -> None:
    """Raise ValueError unless ``x`` has the ``shape`` of the argument named ``other``."""
    if x.shape != tuple(shape):
        raise ValueError(f"{op}: {name} has shape {x.shape}, {other} has shape {tuple(shape)}; "
                         "they must be equal")


def in_range(op: str, name: str, indices: np.ndarray, stop: int, allowed=None) -> None:
    """Raise IndexError unless every index lies in [0, stop) or equals ``allowed``."""
    bad = (indices < 0) | (indices >= stop)
    if allowed is not None:
        bad &= indices != allowed
    if bad.any():
        also = "" if allowed is None else f" (or equal {allowed})"
        raise IndexError(f"{op}: {name} must lie in [0, {stop}){also}, got {indices[bad][0]}")
