"""``Tensor``: a NumPy array that remembers the operation that made it.

Dtype rule, stated once: ``Tensor(data)`` holds float32 or float64. Python scalars and
lists become float32; float32 and float64 arrays keep their dtype; anything else is a
``TypeError``. Integer and boolean tensors (indices, targets, masks, comparison results)
come from the function ``tinygrad_rnn.tensor(data)`` (PyTorch's inference: ints give int64,
bools give bool; see ``creation.py``), the other creation functions, casts (``.long()``,
``.bool()``) and comparisons; they never require a gradient. When two tensors meet in an operation the result has NumPy's promoted
dtype (float32 with float64 gives float64), except that an integer or boolean tensor meeting
a float one takes the float one's dtype (as PyTorch). A Python scalar takes the dtype of the
tensor it meets, so ``x * 2.0`` keeps ``x``'s dtype; a float scalar with an integer tensor
gives float32.
"""

from __future__ import annotations

import reprlib

import numpy as np

from . import autograd
from .dtypes import FLOAT_DTYPES, as_dtype, check_device

_LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _float_array(data, dtype) -> np.ndarray:
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"Tensor: dtype must be float32 or float64, got {dtype}; integer "
                            "and boolean tensors come from tinygrad_rnn.tensor(data, dtype=...)")
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        if array.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"Tensor: expected a float32 or float64 array, got dtype {array.dtype}; "
                "integer and boolean tensors come from tinygrad_rnn.tensor(data) or "
                "tinygrad_rnn.from_numpy(array)"
            )
        return np.array(array, dtype=dtype or array.dtype, copy=True)
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Tensor: expected numbers, got {type(data).__name__}: {error}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"Tensor: expected a number, a list of numbers or a float array, got "
            f"{type(data).__name__} holding {array.dtype} values: {reprlib.repr(data)}"
        )
    return array.astype(dtype or np.float32)


def _check_can_require_grad(dtype, where: str) -> None:
    if dtype not in FLOAT_DTYPES:
        raise RuntimeError(f"{where}: only float tensors can require gradients, this one holds "
                           f"{dtype}; convert it first with .float() or .double()")


class Tensor:
    """An array (float32, float64, int64, int32 or bool) with an optional gradient and the
    graph that made it.

    Args:
        data: a Python number, a (nested) list of numbers, or a float32/float64 array
            (copied).
        requires_grad: whether ``backward`` should compute a gradient for this tensor.
        dtype: ``float32`` or ``float64``, to convert ``data``.

    Attributes:
        data: the values, an ``np.ndarray``.
        requires_grad: whether gradients flow to this tensor.

    ``grad`` is None, or after ``backward`` a Tensor (a leaf) of the same shape and dtype
    holding d(loss)/d(data), summed over every ``backward`` call; its array is ``grad.data``.
    """

    # NumPy defers to our reflected operators (``array + tensor`` calls ``__radd__``).
    __array_ufunc__ = None
    # Slots make the engine's attributes quick to set and read; ``__dict__`` keeps a tensor
    # open to attributes of the user's own.
    __slots__ = ("data", "_grad", "requires_grad", "_node", "_index", "__dict__", "__weakref__")

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _float_array(data, dtype)
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._node = None
        self._index = 0

    @classmethod
    def _from_op(cls, data: np.ndarray, node, index: int) -> "Tensor":
        """Wrap an operation's result without copying; ``node`` is None when no graph is kept."""
        tensor = cls.__new__(cls)
        tensor.data = data
        tensor._grad = None
        tensor.requires_grad = node is not None
        tensor._node = node
        tensor._index = index
        return tensor

    # ------------------------------------------------------------ attributes

    shape = property(lambda self: self.data.shape, doc="The shape of ``data``.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype of ``data``.")
    ndim = property(lambda self: self.data.ndim, doc="The number of dimensions.")
    device = property(lambda self: "cpu", doc="Always ``'cpu'``: the values are NumPy arrays.")
    is_leaf = property(lambda self: self._node is None,
                       doc="True unless an operation that records a graph made this tensor.")

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

    @property
    def op(self) -> str | None:
        """The name of the operation that made this tensor, or None for a leaf."""
        return None if self._node is None else self._node.name

    @property
    def grad(self) -> "Tensor | None":
        """The accumulated gradient (a leaf Tensor without graph), or None; assigning checks
        the shape and wraps an array in a Tensor."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            value = value if isinstance(value, Tensor) else Tensor._from_op(np.asarray(value), None, 0)
            if value.shape != self.shape:
                raise ValueError(f"grad: assigned a gradient of shape {value.shape} to a tensor "
                                 f"of shape {self.shape}")
        self._grad = value

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __str__(self) -> str:
        from .printing import format_tensor
        return format_tensor(self, detailed=False)

    def __repr__(self) -> str:
        from .printing import format_tensor
        return format_tensor(self, detailed=True)

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

    def __format__(self, spec: str) -> str:
        """As PyTorch: a 0-d tensor formats as its number (``f"{loss:.4f}"``); any other
        tensor only with an empty spec (its ``str``)."""
        if self.ndim == 0:
            return self.item().__format__(spec)
        if spec:
            raise TypeError(f"format: the spec {spec!r} needs a 0-d tensor, got shape "
                            f"{self.shape}; format t.item() or t.tolist() instead")
        return str(self)

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

    # ------------------------------------------------------------ graph and copies

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's values, cut from the graph."""
        return Tensor._from_op(self.data, None, 0)

    def contiguous(self) -> "Tensor":
        """The tensor itself (NumPy handles memory layout)."""
        return self

    def cpu(self) -> "Tensor":
        """The tensor itself: every tensor lives on the CPU."""
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` on a leaf, in place, and return the tensor."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot switch off gradients of a non-leaf; use detach()")
        if requires_grad:
            _check_can_require_grad(self.dtype, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------ dtype and device

    def to(self, *args, dtype=None, device=None, copy: bool = False) -> "Tensor":
        """``to(dtype)``, ``to("cpu")``, ``to(other_tensor)`` or keywords: the tensor in that
        dtype (differentiable between float dtypes); itself when nothing changes and
        ``copy`` is false. A device other than the CPU is an error."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        check_device(device, "to")
        from .ops.elementwise import cast
        if dtype is None:
            return cast(self, self.dtype) if copy else self
        dtype = as_dtype(dtype, "to")
        return cast(self, dtype) if copy or dtype != self.dtype else self

    def type(self, dtype=None):
        """Without an argument the type's name (``"tinygrad_rnn.FloatTensor"``); with a
        dtype (or a legacy type such as ``tinygrad_rnn.LongTensor``) the cast tensor."""
        from .creation import legacy_type_name
        if dtype is None:
            return legacy_type_name(self.dtype)
        return self.to(getattr(dtype, "dtype", dtype))

    def float(self) -> "Tensor":
        """The tensor as float32."""
        return self.to(np.float32)

    def double(self) -> "Tensor":
        """The tensor as float64."""
        return self.to(np.float64)

    def long(self) -> "Tensor":
        """The tensor as int64 (no gradient flows through)."""
        return self.to(np.int64)

    def int(self) -> "Tensor":
        """The tensor as int32 (no gradient flows through)."""
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        """The tensor as bool, true where nonzero (no gradient flows through)."""
        return self.to(np.bool_)

    # ------------------------------------------------------------ gradients

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Add d(self)/d(leaf) · ``grad`` to ``.grad`` of every leaf that requires grad.

        ``grad`` defaults to one, allowed only for a single-element tensor. The graph's saved
        values are freed afterwards unless ``retain_graph`` is true.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no graph")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: an implicit gradient of one needs a single-element tensor, "
                    f"got shape {self.shape}; pass grad= of that shape"
                )
            # NOTE: np.ones is a Python function, about twice as slow for one element
            grad = np.array(1, self.dtype).reshape(self.shape)
        else:
            grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape}, expected {self.shape}")
            grad = grad.astype(self.dtype, copy=False)
        if self._node is None:
            self._accumulate_grad(grad)
        else:
            autograd.backward(self, grad, retain_graph)

    def _accumulate_grad(self, gx: np.ndarray) -> None:
        if self._grad is None:
            # NOTE: a copy, so no gradient aliases another array
            self._grad = Tensor._from_op(gx.copy(), None, 0)
        else:
            self._grad.data += gx

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self._grad = None

    # ------------------------------------------------------------ in place

    def _check_in_place(self, other=None) -> None:
        """In place is allowed, as PyTorch's ``+=``, where no graph is being recorded through
        ``self``: inside ``no_grad``, or for a tensor without grad meeting a constant."""
        if autograd.is_grad_enabled():
            if self.requires_grad and self._node is None:
                raise RuntimeError(_LEAF_IN_PLACE)
            if self.requires_grad or (isinstance(other, Tensor) and other.requires_grad):
                raise RuntimeError(
                    "in-place arithmetic on a tensor in a graph is not supported: it would "
                    "change values the backward needs; write x = x + y (or use no_grad())")

    def _in_place(self, ufunc, other) -> "Tensor":
        self._check_in_place(other)
        ufunc(self.data, other.data if isinstance(other, Tensor) else other, out=self.data,
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

    def fill_(self, value) -> "Tensor":
        """Set every element to ``value``, in place (under the rules of ``+=``)."""
        self._check_in_place(value)
        self.data[...] = value.data if isinstance(value, Tensor) else value
        return self

    def zero_(self) -> "Tensor":
        """Set every element to zero, in place (under the rules of ``+=``)."""
        return self.fill_(0)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a constant tensor; a Python scalar takes ``like``'s dtype (float32 for a
    float scalar meeting an integer or boolean tensor, int64 for an int meeting a boolean)."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        dtype = like.data.dtype
        if dtype.kind != "f" and (isinstance(value, float) or dtype.kind == "b"):
            dtype = np.float32 if isinstance(value, float) else np.int64
        return Tensor._from_op(np.asarray(value, dtype), None, 0)
    return Tensor(value)
