"""Numba kernels: pure functions over NumPy arrays, one module per kind of computation.

Each module pairs private jitted loops (``_name``) with a public wrapper (``name``) that
makes the inputs contiguous, allocates the output and calls the loop. No kernel sees a
``Tensor``; every size is passed in or read from its arrays. The compile policy lives in
``_jit.py``; plugins compile their own kernels with the same policy through ``kernel``.
"""

from ._jit import kernel

__all__ = ["kernel"]
