"""Creating tensors as PyTorch does: ``tensor``, ``zeros``, ``arange``, ``randn``...

Every function takes ``dtype=`` (one of :mod:`tinygrad_rnn.dtypes`), ``requires_grad=``
(float dtypes only) and ``device=`` (the CPU only). ``tensor`` infers the dtype as PyTorch:
Python ints give int64, Python floats float32, bools bool, a NumPy array keeps its dtype
(float16 and the like are refused). Sizes are given as PyTorch allows: ``zeros(2, 3)`` or
``zeros((2, 3))``. Random ones draw from the generator that ``manual_seed`` resets (the
streams differ from PyTorch's for the same seed).

>>> import tinygrad_rnn as tg
>>> tg.tensor([1, 2]).dtype, tg.tensor([1.0, 2.0]).dtype, tg.tensor([True]).dtype
(dtype('int64'), dtype('float32'), dtype('bool'))
>>> tg.zeros(2, 3).shape
(2, 3)
>>> print(tg.arange(0, 1, 0.25))
tensor([0.0000, 0.2500, 0.5000, 0.7500])
"""

from __future__ import annotations

import numpy as np

from . import dtypes
from .dtypes import LEGACY_TYPES, as_dtype, check_can_require_grad, check_device, checked_shape
from .random import numpy_generator
from .tensor import Tensor

__all__ = [
    "DoubleTensor", "FloatTensor", "LongTensor", "arange", "as_tensor", "empty", "eye",
    "from_numpy", "full", "full_like", "linspace", "ones", "ones_like", "rand", "randint", "randn",
    "randn_like", "randperm", "tensor", "zeros", "zeros_like",
]


def _make(array: np.ndarray, dtype, requires_grad: bool, device, where: str) -> Tensor:
    """Wrap ``array`` (cast to ``dtype`` when given) as a leaf, after the common checks."""
    check_device(device, where)
    if dtype is not None:
        array = array.astype(as_dtype(dtype, where), copy=False)
    if array.dtype not in dtypes.DTYPES:
        raise TypeError(f"{where}: tensors hold float32, float64, int64, int32 or bool; got "
                        f"{array.dtype} (pass dtype= or convert the data)")
    tensor = Tensor.constant(array)
    if requires_grad:
        check_can_require_grad(array.dtype, where)
        tensor.requires_grad = True
    return tensor


def _inferred(data, dtype=None) -> np.ndarray:
    """PyTorch's dtype inference: a Tensor or array keeps its dtype; Python data gives int64,
    float32 or bool by its kind, or is left as parsed when ``dtype`` is given (so that
    ``tensor([0.1], dtype=float64)`` is not rounded through float32 first)."""
    if isinstance(data, Tensor):
        return data.array
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    array = np.asarray(data.tolist() if hasattr(data, "tolist") else data)
    kinds = {"b": np.bool_, "i": np.int64, "u": np.int64, "f": np.float32}
    if array.dtype.kind not in kinds:
        raise TypeError(f"tensor: expected numbers, bools or (nested) lists of them, got "
                        f"{type(data).__name__} holding {array.dtype} values")
    return array if dtype is not None else array.astype(kinds[array.dtype.kind])


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data``, with PyTorch's dtype inference."""
    return _make(np.array(_inferred(data, dtype), copy=True), dtype, requires_grad, device,
                 "tensor")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor: a tensor of the right dtype is returned itself, an array of a
    tensor dtype is shared (not copied), anything else as :func:`tensor`."""
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype, "as_tensor") == data.dtype):
        check_device(device, "as_tensor")
        return data
    return _make(_inferred(data, dtype), dtype, False, device, "as_tensor")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return _make(array, None, False, None, "from_numpy")


def _filled(where, size, value, dtype, requires_grad, device, default=np.float32) -> Tensor:
    array = np.full(checked_shape(where, size), value, dtype if dtype is not None else default)
    return _make(array, dtype, requires_grad, device, where)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _filled("zeros", size, 0, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _filled("ones", size, 1, dtype, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are unspecified (here zeros: NumPy's ``empty`` would leak
    whatever memory held)."""
    return _filled("empty", size, 0, dtype, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``fill_value``; the dtype is inferred from it as in :func:`tensor`."""
    default = _inferred(fill_value).dtype
    return _filled("full", (size,), fill_value, dtype, requires_grad, device, default)


def _like(where, x: Tensor, value, dtype, requires_grad, device) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(x).__name__}")
    return _filled(where, (x.shape,), value, dtype if dtype is not None else x.dtype,
                   requires_grad, device)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``x``'s shape and (unless ``dtype``) dtype."""
    return _like("zeros_like", x, 0, dtype, requires_grad, device)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``x``'s shape and (unless ``dtype``) dtype."""
    return _like("ones_like", x, 1, dtype, requires_grad, device)


def full_like(x: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``x``'s shape and (unless ``dtype``) dtype."""
    return _like("full_like", x, fill_value, dtype, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to but excluding ``end`` (``arange(n)``: 0 .. n-1).
    int64 when every argument is an int, else float32."""
    if end is None:
        start, end = 0, start
    whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    array = np.arange(start, end, step, dtype=np.int64 if whole else np.float64)
    return _make(array.astype(np.int64 if whole else np.float32), dtype, requires_grad,
                 device, "arange")


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32)."""
    array = np.linspace(start, end, int(steps)).astype(np.float32)
    return _make(array, dtype, requires_grad, device, "linspace")


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` × ``m`` identity (``m`` defaults to ``n``)."""
    return _make(np.eye(n, m, dtype=np.float32), dtype, requires_grad, device, "eye")


def _random(where, size, draw, dtype, requires_grad, device, generator) -> Tensor:
    dtype = as_dtype(dtype if dtype is not None else np.float32, where)
    array = draw(numpy_generator(generator), checked_shape(where, size), dtype)
    return _make(array, dtype, requires_grad, device, where)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform values in [0, 1)."""
    return _random("rand", size, lambda g, s, d: g.random(s, d), dtype, requires_grad,
                   device, generator)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal values."""
    return _random("randn", size, lambda g, s, d: g.standard_normal(s, d), dtype,
                   requires_grad, device, generator)


def randn_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal values in ``x``'s shape and (unless ``dtype``) dtype."""
    return randn(x.shape, dtype=dtype if dtype is not None else x.dtype, device=device,
                 requires_grad=requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint(high, size)`` from 0), int64."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: missing the size, e.g. randint(0, 10, (3,))")
    array = numpy_generator(generator).integers(low, high, checked_shape("randint", (size,)))
    return _make(array.astype(np.int64), dtype, requires_grad, device, "randint")


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    array = numpy_generator(generator).permutation(int(n)).astype(np.int64)
    return _make(array, dtype, requires_grad, device, "randperm")


# ---------------------------------------------------------------- the legacy types

def _legacy(dtype: np.dtype):
    def constructor(*args) -> Tensor:
        """A tensor of this dtype: ``(data)`` copies a list or array, ``(*sizes)`` gives
        zeros of that shape (PyTorch leaves them uninitialised)."""
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return tensor(args[0], dtype=dtype)
        return zeros(*args, dtype=dtype)
    constructor.__name__ = constructor.__qualname__ = LEGACY_TYPES[dtype]
    constructor.dtype = dtype
    return constructor


FloatTensor = _legacy(dtypes.float32)
DoubleTensor = _legacy(dtypes.float64)
LongTensor = _legacy(dtypes.int64)
