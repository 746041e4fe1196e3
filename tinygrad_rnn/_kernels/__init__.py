"""Numba kernels: pure functions over NumPy arrays, one module per kind of computation.

Internal, hence the underscore: the ops and the plugins call these; users call the ops,
and the wrappers' signatures may change. Three pieces are meant for the plugins' own
kernels: ``kernel`` (the compile policy), ``scalar`` (tanh and sigmoid of one number) and
``products`` (a time loop's per-step matrix product: ``prepared``, ``step_product``).

Each module pairs private jitted loops (``_name``) with a wrapper (``name``) that checks its
arguments (``_checks.py``: dtypes, dimensions, shapes, indices in range, since the loops
check no bounds), makes the inputs contiguous, allocates the output and calls the loop. No
kernel sees a ``Tensor``; every size is passed in or read from its arrays. The compile
policy lives in ``_jit.py``; plugins compile their own kernels with the same policy through
``kernel``.
"""

from ._jit import kernel

__all__ = ["kernel"]
