"""``TorchCompat``: the methods that make a ``Tensor`` answer as a PyTorch tensor does.

The engine (``tensor.py``) needs none of this: it holds a tensor's data, gradient and the
op that made it, ``backward``, and the operators and op methods, each a one-line call of an
op. What is here serves programs written for PyTorch: sizes (``size``, ``dim``, ``numel``),
values out (``item``, ``tolist``, ``float(t)``, ``f"{t:.3f}"``), dtype and device
conversions (``to``, ``type``, ``type_as``, ``float()`` … ``bool()``, ``cpu``), new tensors
like this one (``new_zeros``...), in-place updates (``+=``, ``fill_``, ``zero_``,
``add_``, ``copy_``, ``uniform_``...), and aliases (``view``, ``t``, ``T``, ``eq``...).

Where a new ``Tensor`` method goes: a method that calls an op (``x.cumsum(1)`` calling
``ops.cumsum``) is one line in ``tensor.py``'s section of op methods, the op itself in
``ops/``; a method built only on other methods or on ``data`` goes here, in the section of
its kind. No method here imports an op: each reaches the ops through the tensor's own
methods, so that this module sits below ``tensor.py`` and the ops.
"""

from __future__ import annotations

import numpy as np

from . import autograd
from .dtypes import as_dtype, check_device, checked_shape, legacy_type_name
from .random import numpy_generator

_LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


class TorchCompat:
    """PyTorch's tensor conveniences, mixed into ``Tensor`` (see the module's docstring)."""

    __slots__ = ()

    # ------------------------------------------------------------ sizes

    device = property(lambda self: "cpu", doc="Always ``'cpu'``: the values are NumPy arrays.")

    def size(self, dim: int | None = None):
        """The shape as a tuple, or the length of dimension ``dim`` (as PyTorch's ``size``)."""
        if dim is None:
            return self.array.shape
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size: dimension {dim} is out of range for shape {self.shape}")
        return self.array.shape[dim]

    def dim(self) -> int:
        """The number of dimensions (as ``ndim``)."""
        return self.array.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self.array.size

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------ values out

    def numpy(self) -> np.ndarray:
        """A copy of the values (PyTorch shares the memory; a copy cannot be changed by
        accident through the array)."""
        return self.array.copy()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """The values for NumPy (``np.asarray(t)``), as PyTorch tensors offer them."""
        if copy:
            return np.array(self.array, dtype=dtype, copy=True)
        return self.array if dtype is None else self.array.astype(dtype, copy=False)

    def tolist(self):
        """The values as (nested lists of) Python numbers."""
        return self.array.tolist()

    def item(self):
        """The value of a single-element tensor as a Python float, int or bool."""
        if self.array.size != 1:
            raise ValueError(f"item: expected a tensor with one element, got shape {self.shape}")
        return self.array.reshape(()).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return bool(self.item())

    def __index__(self) -> int:
        if self.array.size != 1 or self.dtype.kind not in "iu":
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

    def type_as(self, other):
        """The tensor in ``other``'s dtype (``self.to(other.dtype)``)."""
        return self.to(other.dtype)

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
        ufunc(self.array, other.array if isinstance(other, TorchCompat) else other, out=self.array,
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
        self.array[...] = value.array if isinstance(value, TorchCompat) else value
        return self

    def zero_(self):
        """Set every element to zero, in place (under the rules of ``+=``)."""
        return self.fill_(0)

    # The rest of PyTorch's in-place methods follow the same rules. The engine keeps no
    # version counters, so it cannot tell a safe change of a value that the backward saved
    # from an unsafe one: through a graph each raises, naming the out-of-place form; on a
    # tensor cut from the graph (``p.array``, ``x.detach()``) each changes the values that
    # tensor shares with its source, as in PyTorch.

    def add_(self, other, *, alpha=1):
        """``self += alpha * other``."""
        self._check_in_place(other)
        return self._in_place(np.add, _times(other, alpha))

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other``."""
        self._check_in_place(other)
        return self._in_place(np.subtract, _times(other, alpha))

    def mul_(self, other):
        """``self *= other``."""
        return self._in_place(np.multiply, other)

    def div_(self, other, *, rounding_mode: str | None = None):
        """``self /= other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient."""
        if rounding_mode is None:
            return self._in_place(np.true_divide, other)
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        self._check_in_place(other)
        quotient = np.true_divide(self.array, _values(other))
        self.array[...] = np.trunc(quotient) if rounding_mode == "trunc" else np.floor(quotient)
        return self

    def copy_(self, src, non_blocking: bool = False):
        """Copy ``src``'s values (broadcast to this shape, cast to this dtype) in."""
        self._check_in_place(src)
        src = np.asarray(_values(src))
        _check_fits("copy_", "source", src.shape, self.shape)
        self.array[...] = src
        return self

    def clamp_(self, min=None, max=None):  # noqa: A002
        """Limit the values to [min, max], in place."""
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min and max")
        self._check_in_place(min if isinstance(min, TorchCompat) else max)
        np.clip(self.array, _values(min), _values(max), out=self.array)
        return self

    clip_ = clamp_

    def masked_fill_(self, mask, value):
        """Set the places where the boolean ``mask`` (broadcast to this shape) is true to
        ``value``."""
        self._check_in_place(value)
        mask = np.asarray(_values(mask))
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill_: mask must be a boolean tensor, got {mask.dtype}")
        _check_fits("masked_fill_", "mask", mask.shape, self.shape)
        np.copyto(self.array, _values(value), where=mask, casting="unsafe")
        return self

    def uniform_(self, from_=0.0, to=1.0, *, generator=None, **bounds):
        """Fill with values drawn uniformly from [from, to) (``from`` may come by keyword,
        ``uniform_(**{"from": a})``, PyTorch's name being a Python keyword)."""
        from_ = bounds.pop("from", from_)
        if bounds:
            raise TypeError(f"uniform_: unexpected keyword arguments {sorted(bounds)}")
        return self._drawn("uniform_", numpy_generator(generator).uniform(from_, to, self.shape))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with values drawn from the normal distribution N(mean, std²)."""
        if std < 0:
            raise ValueError(f"normal_: std must be >= 0, got {std}")
        return self._drawn("normal_", numpy_generator(generator).normal(mean, std, self.shape))

    def _drawn(self, where: str, values):
        if self.dtype.kind != "f":
            raise TypeError(f"{where}: expected a float tensor, got {self.dtype}")
        self._check_in_place()
        self.array[...] = values
        return self

    # ------------------------------------------------------------ new tensors like this one

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False):
        """A new leaf holding a copy of ``data``, in this tensor's dtype unless ``dtype``."""
        return self._new("new_tensor", np.array(_values(data)), dtype, device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """Zeros of ``size`` (sizes or one tuple), in this tensor's dtype unless ``dtype``."""
        return self._new("new_zeros", np.zeros(checked_shape("new_zeros", size)), dtype, device,
                         requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """Ones of ``size``, in this tensor's dtype unless ``dtype``."""
        return self._new("new_ones", np.ones(checked_shape("new_ones", size)), dtype, device,
                         requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        """A tensor of ``size`` whose values are unspecified (here zeros, as ``empty``)."""
        return self._new("new_empty", np.zeros(checked_shape("new_empty", size)), dtype, device,
                         requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None,
                 requires_grad: bool = False):
        """``fill_value`` in ``size``, in this tensor's dtype unless ``dtype``."""
        return self._new("new_full", np.full(checked_shape("new_full", (size,)), fill_value), dtype,
                         device, requires_grad)

    def _new(self, where: str, values: np.ndarray, dtype, device, requires_grad: bool):
        check_device(device, where)
        dtype = self.dtype if dtype is None else as_dtype(dtype, where)
        # NOTE: made from detach(), a plain Tensor, so a Parameter's new_zeros is no Parameter
        tensor = self.detach().constant(values.astype(dtype))
        return tensor.requires_grad_() if requires_grad else tensor

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


def _values(value):
    """A tensor's array, or ``value`` itself."""
    return value.array if isinstance(value, TorchCompat) else value


def _times(value, alpha):
    """alpha * value (``value`` itself when alpha is 1)."""
    return value if alpha == 1 else np.multiply(_values(value), alpha)


def _check_fits(where: str, what: str, shape, target) -> None:
    try:
        fits = np.broadcast_shapes(shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{where}: a {what} of shape {shape} does not broadcast to {target}")

