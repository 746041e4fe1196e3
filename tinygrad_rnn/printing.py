"""How a tensor prints: its values as PyTorch shows them, then what made it.

``str(t)`` is PyTorch's ``print(t)``: ``tensor([[1., 2.], [3., 4.]])`` laid out by
``np.array2string`` with PyTorch's settings (at most 1000 elements in full, else 3 at each
end around ``...``; 4 decimals unless every value is whole), followed by ``dtype=`` when it
is not the default of its kind (float32, int64, bool) and by ``grad_fn=<NameBackward>``
(the op that made it) or ``requires_grad=True`` (a leaf). ``repr(t)`` always names the dtype
and the shape as well.

>>> import tinygrad_rnn as tg
>>> x = tg.tensor([[1.0, 2.0], [3.0, 4.5]], requires_grad=True)
>>> print(x)
tensor([[1.0000, 2.0000],
        [3.0000, 4.5000]], requires_grad=True)
>>> x.sum()
tensor(10.5000, dtype=float32, shape=(), grad_fn=<SumBackward>)
>>> print(tg.arange(3))
tensor([0, 1, 2])
"""

import numpy as np

from .dtypes import dtype_name

_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))
THRESHOLD = 1000   # PyTorch's print options: elements shown in full up to this many,
EDGEITEMS = 3      # beyond it this many at each end of each axis,
PRECISION = 4      # and this many decimals for values that are not all whole.


def _values(data: np.ndarray, prefix: str) -> str:
    if data.size == 0:
        return "[]" if data.ndim == 1 else f"[], size={data.shape}"
    options = dict(separator=", ", prefix=prefix, threshold=THRESHOLD, edgeitems=EDGEITEMS,
                   max_line_width=80)
    if data.dtype.kind == "b":   # NOTE: PyTorch pads True to False's width only when both occur
        width = 5 if not data.all() else 4
        options["formatter"] = {"bool": lambda value: str(bool(value)).rjust(width)}
    if data.dtype.kind == "f":
        finite = data[np.isfinite(data)]
        whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        large = finite.size and np.abs(finite).max() >= 1e8
        options.update(precision=PRECISION, suppress_small=False,
                       floatmode="maxprec" if whole and not large else "fixed")
    # NOTE: PyTorch sets the ... inside a row two spaces after the comma, NumPy one.
    return np.array2string(data, **options).replace(", ...,", ",  ...,")


def format_tensor(tensor, detailed: bool) -> str:
    """``tensor(values[, dtype=...][, shape=...][, grad_fn=<...> | requires_grad=True])``."""
    parts = [_values(tensor.data, "tensor(")]
    if detailed or tensor.dtype not in _DEFAULT_DTYPES:
        parts.append(f"dtype={dtype_name(tensor.dtype)}")
    if detailed:
        parts.append(f"shape={tensor.shape}")
    if tensor._node is not None:
        parts.append(f"grad_fn=<{tensor._node.name}Backward>")
    elif tensor.requires_grad:
        parts.append("requires_grad=True")
    return "tensor(" + ", ".join(parts) + ")"
