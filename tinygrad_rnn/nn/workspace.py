"""The whole-sequence kernels' workspace: large scratch arrays kept from one call to the next.

A training step of a fused recurrent layer allocates the same few large arrays every time:
the input projection, the gates and states the backward needs, the backward's own
scratch. Such arrays are large enough that the C allocator maps fresh pages for them on
each call and returns the pages after, and the operating system then takes one page fault
per 4 KiB on first touch. On the machine of ``benchmarks/RESULTS.md`` that was about 2,100
faults and 5 ms of a 40 ms medium LSTM step; PyTorch's step took none.

So the kernels draw these arrays from here with :func:`empty`, and ``FusedRecurrence``
gives them back with :func:`release` once its backward is done with them; the next call
with the same shapes reuses them. Only arrays drawn here are ever taken back (an array
that reached the user can never be overwritten), each once. At most :data:`MAX_BYTES`
are kept; :func:`empty_cache` frees them all, as ``torch.cuda.empty_cache()`` does for
PyTorch's GPU memory.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np

MAX_BYTES = 1 << 30
"""The most memory the workspace keeps between calls (1 GiB); more is freed at once."""
MIN_BYTES = 1 << 17
"""Arrays smaller than this (128 KiB) come straight from ``np.empty``: the C allocator
reuses such blocks without new pages, and tracking them would cost more than it saves."""

_lock = threading.Lock()
_free: dict[tuple, list[np.ndarray]] = {}   # (shape, dtype) -> arrays ready for reuse
_lent: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id -> array drawn
_kept = {"bytes": 0}


def empty(shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype``, reused when one was
    released; for scratch and saved arrays, never for what a Function returns."""
    key = (tuple(shape), np.dtype(dtype))
    if math.prod(key[0]) * key[1].itemsize < MIN_BYTES:
        return np.empty(*key)
    with _lock:
        arrays = _free.get(key)
        if arrays:
            array = arrays.pop()
            _kept["bytes"] -= array.nbytes
        else:
            array = np.empty(*key)
        _lent[id(array)] = array
    return array


def release(*arrays) -> None:
    """Take back the arrays among ``arrays`` that :func:`empty` lent; ignore the others.

    The caller promises that nothing reads a released array again."""
    with _lock:
        for array in arrays:
            if not isinstance(array, np.ndarray) or _lent.get(id(array)) is not array:
                continue
            del _lent[id(array)]
            if _kept["bytes"] + array.nbytes <= MAX_BYTES:
                _free.setdefault((array.shape, array.dtype), []).append(array)
                _kept["bytes"] += array.nbytes


def kept_bytes() -> int:
    """How many bytes the workspace holds for reuse now."""
    return _kept["bytes"]


def empty_cache() -> None:
    """Free every array the workspace keeps for reuse."""
    with _lock:
        _free.clear()
        _kept["bytes"] = 0
