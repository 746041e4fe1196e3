"""``TorchCompat``: the methods that make a ``Tensor`` answer as a PyTorch tensor does.

The engine (``tensor.py``) needs none of this: it holds a tensor's data, gradient and the
op that made it, ``backward``, and the operators and op methods, each a one-line call of an
op. What is here serves programs written for PyTorch: sizes (``size``, ``dim``, ``numel``),
values out (``item``, ``tolist``, ``float(t)``, ``f"{t:.3f}"``), dtype and device
conversions (``to``, ``type``, ``float()`` … ``bool()``, ``cpu``), in-place updates (``+=``,
``fill_``, ``zero_``), and aliases (``view``, ``t``, ``T``, ``eq``...).

Where a new ``Tensor`` method goes: a method that calls an op (``x.cumsum(1)`` calling
``ops.cumsum``) is one line in ``tensor.py``'s section of op methods, the op itself in
``ops/``; a method built only on other methods or on ``data`` goes here, in the section of
its kind. No method here imports an op: each reaches the ops through the tensor's own
methods, so that this module sits below ``tensor.py`` and the ops.
"""

from __future__ import annotations

import numpy as np

from . import autograd
from .dtypes import as_dtype, check_device, legacy_type_name

_LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


class TorchCompat:
    """PyTorch's tensor conveniences, mixed into ``Tensor`` (see the module's docstring)."""

    __slots__ = ()

    # ------------------------------------------------------------ sizes

    device = property(lambda self: "cpu", doc="Always ``'cpu'``: the values are NumPy arrays.")

    def size(self, dim: int | None = None):
        """The shape as a tuple, or the length of dimension ``dim`` (as PyTorch's ``size``)."""
        if dim is None:
            return self.data.shape
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size: dimension {dim} is out of range for shape {self.shape}")
        return self.data.shape[dim]

    def dim(self) -> int:
        """The number of dimensions (as ``ndim``)."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------ values out

    def numpy(self) -> np.ndarray:
        """A copy of the values (PyTorch shares the memory; a copy cannot be changed by
        accident through the array)."""
        return self.data.copy()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """The values for NumPy (``np.asarray(t)``), as PyTorch tensors offer them."""
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def tolist(self):
        """The values as (nested lists of) Python numbers."""
        return self.data.tolist()

    def item(self):
        """The value of a single-element tensor as a Python float, int or bool."""
        if self.data.size != 1:
            raise ValueError(f"item: expected a tensor with one element, got shape {self.shape}")
        return self.data.reshape(()).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all() on its .data")
        return bool(self.item())

    def __index__(self) -> int:
        if self.data.size != 1 or self.dtype.kind not in "iu":
            raise TypeError("only an integer tensor with one element can be used as an index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """As PyTorch: a 0-d tensor formats as its number (``f"{loss:.4f}"``); any other
        tensor only with an empty spec (its ``str``)."""
        if self.ndim == 0:
            return self.item().__format__(spec)
        if spec:
            raise TypeError(f"format: the spec {spec!r} needs a 0-d tensor, got shape "
                            f"{self.shape}; format t.item() or t.tolist() instead")
        return str(self)

    # ------------------------------------------------------------ dtype and device

    def to(self, *args, dtype=None, device=None, copy: bool = False):
        """``to(dtype)``, ``to("cpu")``, ``to(other_tensor)`` or keywords: the tensor in that
        dtype (differentiable between float dtypes); itself when nothing changes and
        ``copy`` is false. A device other than the CPU is an error."""
        for arg in args:
            if isinstance(arg, TorchCompat):
                dtype = arg.dtype
            elif isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        check_device(device, "to")
        dtype = self.dtype if dtype is None else as_dtype(dtype, "to")
        return self._cast(dtype) if copy or dtype != self.dtype else self

    def type(self, dtype=None):
        """Without an argument the type's name (``"tinygrad_rnn.FloatTensor"``); with a
        dtype (or a legacy type such as ``tinygrad_rnn.LongTensor``) the cast tensor."""
        if dtype is None:
            return legacy_type_name(self.dtype)
        return self.to(getattr(dtype, "dtype", dtype))

    def float(self):
        """The tensor as float32."""
        return self.to(np.float32)

    def double(self):
        """The tensor as float64."""
        return self.to(np.float64)

    def long(self):
        """The tensor as int64 (no gradient flows through)."""
        return self.to(np.int64)

    def int(self):
        """The tensor as int32 (no gradient flows through)."""
        return self.to(np.int32)

    def bool(self):
        """The tensor as bool, true where nonzero (no gradient flows through)."""
        return self.to(np.bool_)

    def contiguous(self):
        """The tensor itself (NumPy handles memory layout)."""
        return self

    def cpu(self):
        """The tensor itself: every tensor lives on the CPU."""
        return self

    # ------------------------------------------------------------ in place

    def _check_in_place(self, other=None) -> None:
        """In place is allowed, as PyTorch's ``+=``, where no graph is being recorded through
        ``self``: inside ``no_grad``, or for a tensor without grad meeting a constant."""
        if autograd.is_grad_enabled():
            if self.requires_grad and self._node is None:
                raise RuntimeError(_LEAF_IN_PLACE)
            if self.requires_grad or (isinstance(other, TorchCompat) and other.requires_grad):
                raise RuntimeError(
                    "in-place arithmetic on a tensor in a graph is not supported: it would "
                    "change values the backward needs; write x = x + y (or use no_grad())")

    def _in_place(self, ufunc, other):
        self._check_in_place(other)
        ufunc(self.data, other.data if isinstance(other, TorchCompat) else other, out=self.data,
              casting="same_kind")
        return self

    def __iadd__(self, other):
        return self._in_place(np.add, other)

    def __isub__(self, other):
        return self._in_place(np.subtract, other)

    def __imul__(self, other):
        return self._in_place(np.multiply, other)

    def __itruediv__(self, other):
        return self._in_place(np.true_divide, other)

    def fill_(self, value):
        """Set every element to ``value``, in place (under the rules of ``+=``)."""
        self._check_in_place(value)
        self.data[...] = value.data if isinstance(value, TorchCompat) else value
        return self

    def zero_(self):
        """Set every element to zero, in place (under the rules of ``+=``)."""
        return self.fill_(0)

    # ------------------------------------------------------------ aliases

    def eq(self, other):
        """``self == other``."""
        return self == other

    def ne(self, other):
        """``self != other``."""
        return self != other

    def lt(self, other):
        """``self < other``."""
        return self < other

    def le(self, other):
        """``self <= other``."""
        return self <= other

    def gt(self, other):
        """``self > other``."""
        return self > other

    def ge(self, other):
        """``self >= other``."""
        return self >= other

    def view(self, *shape):
        """The same values in ``shape`` (a view in PyTorch; here a reshape, as NumPy arrays
        carry no strides of their own to share)."""
        return self.reshape(*shape)

    def view_as(self, other):
        """``self.view(other.shape)``."""
        return self.reshape(other.shape)

    def expand_as(self, other):
        """``self.expand(other.shape)``."""
        return self.expand(other.shape)

    def t(self):
        """The tensor with its (at most 2) dims reversed."""
        if self.ndim > 2:
            raise ValueError(f".T is for tensors of at most 2 dims (as PyTorch), this one has "
                             f"shape {self.shape}; use .mT to swap the last two dims or "
                             ".permute(...)")
        return self.permute(tuple(range(self.ndim))[::-1])

    T = property(t, doc="The tensor with its (at most 2) dims reversed.")

    @property
    def mT(self):  # noqa: N802  (PyTorch's name)
        """The tensor with its last two dims swapped."""
        if self.ndim < 2:
            raise ValueError(f".mT needs at least 2 dims, got shape {self.shape}")
        return self.transpose(-2, -1)
