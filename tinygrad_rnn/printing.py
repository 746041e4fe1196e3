"""How a tensor prints: its values as PyTorch shows them, then what made it.

``str(t)`` is PyTorch's ``print(t)``: ``tensor([[1., 2.], [3., 4.]])`` laid out by
``np.array2string`` with PyTorch's settings (at most 1000 elements in full, else 3 at each
end around ``...``) and PyTorch's choice of number format (see :func:`float_format`),
followed by ``dtype=`` when it
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
PREFIX = "tensor("
THRESHOLD = 1000   # PyTorch's print options: elements shown in full up to this many,
EDGEITEMS = 3      # beyond it this many at each end of each axis,
LINE_WIDTH = 80    # and lines of at most this many characters.


def float_format(data: np.ndarray):
    """PyTorch's format for float values, from the nonzero finite ones (``v``): scientific
    with 4 decimals (``1.0000e+06``) when max|v| / min|v| > 1000 or max|v| > 1e8 (or, for
    values that are not all whole, min|v| < 1e-4); else ``1.`` for whole values and ``1.5000``
    for others; every value padded on the left to the widest of the ``v``."""
    values = data[np.isfinite(data) & (data != 0)].astype(np.float64)
    magnitudes = np.abs(values)
    whole = bool(np.all(values == np.ceil(values)))
    spread = magnitudes.size and (magnitudes.max() / magnitudes.min() > 1000
                                  or magnitudes.max() > 1e8
                                  or (not whole and magnitudes.min() < 1e-4))
    if spread:
        pattern = "{:.4e}"
    else:
        pattern = "{:.0f}." if whole else "{:.4f}"
    width = max((len(pattern.format(v)) for v in values), default=1)
    return lambda value: (pattern.format(value) if np.isfinite(value) else str(value)).rjust(width)


def _values(data: np.ndarray, prefix: str) -> str:
    if data.size == 0:
        return "[]" if data.ndim == 1 else f"[], size={data.shape}"
    options = dict(separator=", ", prefix=prefix, threshold=THRESHOLD, edgeitems=EDGEITEMS,
                   max_line_width=LINE_WIDTH)
    if data.dtype.kind == "b":   # NOTE: PyTorch pads True to False's width only when both occur
        width = 5 if not data.all() else 4
        options["formatter"] = {"bool": lambda value: str(bool(value)).rjust(width)}
    if data.dtype.kind == "f":
        options["formatter"] = {"float_kind": float_format(data)}
    # NOTE: PyTorch sets the ... inside a row two spaces after the comma, NumPy one.
    return np.array2string(data, **options).replace(", ...,", ",  ...,")


def format_tensor(tensor, detailed: bool) -> str:
    """``tensor(values[, dtype=...][, shape=...][, grad_fn=<...> | requires_grad=True])``,
    each suffix moved to a line of its own where it would pass column 80 (as PyTorch)."""
    suffixes = []
    if detailed or tensor.dtype not in _DEFAULT_DTYPES:
        suffixes.append(f"dtype={dtype_name(tensor.dtype)}")
    if detailed:
        suffixes.append(f"shape={tensor.shape}")
    if tensor._node is not None:
        suffixes.append(f"grad_fn=<{tensor._node.name}Backward>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    text = PREFIX + _values(tensor.array, PREFIX)
    line = len(text) - text.rfind("\n") - 1
    for suffix in suffixes:
        if line + len(suffix) + 4 > LINE_WIDTH:  # NOTE: PyTorch's margin: 2 beyond ", "
            text += ",\n" + " " * len(PREFIX) + suffix
            line = len(PREFIX) + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"
