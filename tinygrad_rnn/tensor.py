"""``Tensor``: a NumPy array that remembers the operation that made it. The engine.

A tensor holds its values (``array``, a NumPy array), its gradient (``grad``) and, when an op that records
the graph made it, that op's :class:`~tinygrad_rnn.autograd.Node` (``_node``, with
``_index``, which of the node's outputs it is). ``backward`` hands the graph to
:func:`tinygrad_rnn.autograd.backward`, which ends in ``_accumulate_grad`` on every leaf.
Its operators and op methods are one-line calls of the functional API, :mod:`tinygrad_rnn.ops`
(``a + b`` is ``ops.add(a, b)``); PyTorch's conveniences (``size``, ``to``, ``float()``,
``+=``...) come from the mixin :class:`~tinygrad_rnn.torch_compat.TorchCompat`.

Where a new method goes: one that calls an op is one line in the section "op methods"
below (the op itself in ``ops/``, exported from ``ops/__init__.py``); one built only on other
methods or on ``array`` goes into ``torch_compat.py``.

Why ``ops`` is not imported here: the ops build their results as Tensors, so they import
this module, which therefore cannot import them back (the package's imports form no
circle). The name ``ops`` below is bound to the package :mod:`tinygrad_rnn.ops` by
``tinygrad_rnn/__init__.py`` once both are loaded, before any operator can run.

Dtype rule, stated once: ``Tensor(data)`` holds float32 or float64. Python scalars and
lists become float32; float32 and float64 arrays keep their dtype; anything else is a
``TypeError``. Integer and boolean tensors (indices, targets, masks, comparison results)
come from the function ``tinygrad_rnn.tensor(data)`` (PyTorch's inference: ints give int64,
bools give bool; see ``creation.py``), the other creation functions, casts (``.long()``,
``.bool()``) and comparisons; they never require a gradient. When two tensors meet in an
operation the result has NumPy's promoted dtype (float32 with float64 gives float64), except
that an integer or boolean tensor meeting a float one takes the float one's dtype (as
PyTorch). A Python scalar takes the dtype of the tensor it meets, so ``x * 2.0`` keeps
``x``'s dtype; a float scalar with an integer tensor gives float32.
"""

from __future__ import annotations

import reprlib

import numpy as np

from . import autograd
from .dtypes import FLOAT_DTYPES, check_can_require_grad
from .printing import format_tensor
from .torch_compat import TorchCompat

ops = None  # the package tinygrad_rnn.ops, bound by tinygrad_rnn/__init__.py (see above)


def _float_array(data, dtype) -> np.ndarray:
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"Tensor: dtype must be float32 or float64, got {dtype}; integer "
                            "and boolean tensors come from tinygrad_rnn.tensor(data, dtype=...)")
    if isinstance(data, Tensor):
        data = data.array
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


class Tensor(TorchCompat):
    """An array (float32, float64, int64, int32 or bool) with an optional gradient and the
    graph that made it.

    Args:
        data: a Python number, a (nested) list of numbers, or a float32/float64 array
            (copied).
        requires_grad: whether ``backward`` should compute a gradient for this tensor.
        dtype: ``float32`` or ``float64``, to convert ``data``.

    Attributes:
        array: the values, the ``np.ndarray`` itself (``numpy()`` gives a copy; ``data`` a
            tensor sharing it, as PyTorch's ``.data``).
        requires_grad: whether gradients flow to this tensor.

    ``grad`` is None, or after ``backward`` a Tensor (a leaf) of the same shape and dtype
    holding d(loss)/d(values), summed over every ``backward`` call; its array is
    ``grad.array``.
    """

    # NumPy defers to our reflected operators (``array + tensor`` calls ``__radd__``).
    __array_ufunc__ = None
    # Slots make the engine's attributes quick to set and read; ``__dict__`` keeps a tensor
    # open to attributes of the user's own.
    __slots__ = ("array", "_grad", "requires_grad", "_node", "_index", "__dict__", "__weakref__")

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.array = _float_array(data, dtype)
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._node = None
        self._index = 0

    @classmethod
    def _from_op(cls, data: np.ndarray, node, index: int) -> Tensor:
        """Wrap output ``index`` of an op's ``node`` without copying (``Function.apply``)."""
        tensor = cls.__new__(cls)
        tensor.array = data
        tensor._grad = None
        tensor.requires_grad = node is not None
        tensor._node = node
        tensor._index = index
        return tensor

    @classmethod
    def constant(cls, data: np.ndarray) -> Tensor:
        """``data`` (an array of any tensor dtype, not copied) as a leaf without gradient."""
        return cls._from_op(data, None, 0)

    # ------------------------------------------------------------ attributes

    shape = property(lambda self: self.array.shape, doc="The shape of the values.")
    dtype = property(lambda self: self.array.dtype, doc="The NumPy dtype of the values.")
    ndim = property(lambda self: self.array.ndim, doc="The number of dimensions.")
    is_leaf = property(lambda self: self._node is None,
                       doc="True unless an operation that records a graph made this tensor.")

    @property
    def data(self) -> Tensor:
        """PyTorch's ``.data``: a new tensor that shares this one's values and is cut from
        the graph (a leaf without gradient). Changing it in place changes this tensor and
        records nothing, so ``p.data.add_(p.grad, alpha=-lr)`` is an update outside the
        graph. Assigning a tensor to it replaces the values; the NumPy array
        itself is :attr:`array`."""
        return Tensor.constant(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assign a Tensor to .data (as PyTorch), got "
                            f"{type(value).__name__}; a NumPy array goes to .array")
        self.array = value.array

    @property
    def op(self) -> str | None:
        """The name of the operation that made this tensor, or None for a leaf."""
        return None if self._node is None else self._node.name

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a leaf Tensor without graph), or None; assigning checks
        the shape and wraps an array in a Tensor."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            value = value if isinstance(value, Tensor) else Tensor.constant(np.asarray(value))
            if value.shape != self.shape:
                raise ValueError(f"grad: assigned a gradient of shape {value.shape} to a tensor "
                                 f"of shape {self.shape}")
        self._grad = value

    def __str__(self) -> str:
        return format_tensor(self, detailed=False)

    def __repr__(self) -> str:
        return format_tensor(self, detailed=True)

    # ------------------------------------------------------------ graph

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's values, cut from the graph."""
        return Tensor.constant(self.array)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf, in place, and return the tensor."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot switch off gradients of a non-leaf; use detach()")
        if requires_grad:
            check_can_require_grad(self.dtype, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------ gradients

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Add d(self)/d(leaf) · ``grad`` to ``.grad`` of every leaf that requires grad.

        ``grad`` defaults to one, allowed only for a single-element tensor. The graph's saved
        values are freed afterwards unless ``retain_graph`` is true.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no graph")
        if grad is None:
            if self.array.size != 1:
                raise RuntimeError(
                    f"backward: an implicit gradient of one needs a single-element tensor, "
                    f"got shape {self.shape}; pass grad= of that shape"
                )
            # NOTE: np.ones is a Python function, about twice as slow for one element
            grad = np.array(1, self.dtype).reshape(self.shape)
        else:
            grad = grad.array if isinstance(grad, Tensor) else np.asarray(grad)
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
            self._grad = Tensor.constant(gx.copy())
        else:
            self._grad.array += gx

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self._grad = None

    # ------------------------------------------------------------ operators

    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __getitem__(self, index): return ops.getitem(self, index)
    def __setitem__(self, index, value): ops.setitem(self, index, value)

    # Comparisons and logic give tensors without gradient (see ops/compare.py).
    def __eq__(self, other): return ops.eq(self, other)
    def __ne__(self, other): return ops.ne(self, other)
    def __lt__(self, other): return ops.lt(self, other)
    def __le__(self, other): return ops.le(self, other)
    def __gt__(self, other): return ops.gt(self, other)
    def __ge__(self, other): return ops.ge(self, other)
    def __and__(self, other): return ops.bitwise_and(self, other)
    def __or__(self, other): return ops.bitwise_or(self, other)
    def __xor__(self, other): return ops.bitwise_xor(self, other)
    def __invert__(self): return ops.bitwise_not(self)
    __hash__ = object.__hash__  # __eq__ is elementwise; identity keeps tensors hashable

    # ------------------------------------------------------------ op methods
    # Each takes the arguments of the op of its name that follow the tensor.

    def add(self, other, *, alpha=1): return ops.add(self, other, alpha=alpha)
    def sub(self, other, *, alpha=1): return ops.sub(self, other, alpha=alpha)
    def mul(self, other): return ops.mul(self, other)
    def div(self, other): return ops.div(self, other)
    def pow(self, other): return ops.pow(self, other)
    def matmul(self, other): return ops.matmul(self, other)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)
    def neg(self): return ops.neg(self)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def abs(self): return ops.abs(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def erf(self): return ops.erf(self)
    def isnan(self): return ops.isnan(self)
    def isinf(self): return ops.isinf(self)
    def isfinite(self): return ops.isfinite(self)
    def allclose(self, other, *args, **kwargs): return ops.allclose(self, other, *args, **kwargs)
    def clip(self, *args, **kwargs): return ops.clip(self, *args, **kwargs)
    def clamp(self, *args, **kwargs): return ops.clamp(self, *args, **kwargs)
    def masked_fill(self, mask, value): return ops.masked_fill(self, mask, value)
    def clone(self): return ops.clone(self)
    def _cast(self, dtype): return ops.cast(self, dtype)

    def sum(self, *args, **kwargs): return ops.sum(self, *args, **kwargs)
    def mean(self, *args, **kwargs): return ops.mean(self, *args, **kwargs)
    def max(self, *args, **kwargs): return ops.max(self, *args, **kwargs)
    def min(self, *args, **kwargs): return ops.min(self, *args, **kwargs)
    def amax(self, *args, **kwargs): return ops.amax(self, *args, **kwargs)
    def amin(self, *args, **kwargs): return ops.amin(self, *args, **kwargs)
    def argmax(self, *args, **kwargs): return ops.argmax(self, *args, **kwargs)
    def argmin(self, *args, **kwargs): return ops.argmin(self, *args, **kwargs)
    def topk(self, *args, **kwargs): return ops.topk(self, *args, **kwargs)
    def sort(self, *args, **kwargs): return ops.sort(self, *args, **kwargs)
    def any(self, *args, **kwargs): return ops.any(self, *args, **kwargs)
    def all(self, *args, **kwargs): return ops.all(self, *args, **kwargs)
    def prod(self, *args, **kwargs): return ops.prod(self, *args, **kwargs)
    def cumsum(self, *args, **kwargs): return ops.cumsum(self, *args, **kwargs)
    def var(self, *args, **kwargs): return ops.var(self, *args, **kwargs)
    def std(self, *args, **kwargs): return ops.std(self, *args, **kwargs)
    def norm(self, *args, **kwargs): return ops.norm(self, *args, **kwargs)

    def reshape(self, *shape): return ops.reshape(self, *shape)
    def flatten(self, *args, **kwargs): return ops.flatten(self, *args, **kwargs)
    def transpose(self, dim0, dim1): return ops.transpose(self, dim0, dim1)
    def swapaxes(self, axis1, axis2): return ops.swapaxes(self, axis1, axis2)
    def permute(self, *dims): return ops.permute(self, *dims)
    def squeeze(self, *args, **kwargs): return ops.squeeze(self, *args, **kwargs)
    def unsqueeze(self, *args, **kwargs): return ops.unsqueeze(self, *args, **kwargs)
    def broadcast_to(self, shape): return ops.broadcast_to(self, shape)
    def expand(self, *sizes): return ops.expand(self, *sizes)
    def repeat(self, *repeats): return ops.repeat(self, *repeats)
    def flip(self, *args, **kwargs): return ops.flip(self, *args, **kwargs)
    def split(self, *args, **kwargs): return ops.split(self, *args, **kwargs)
    def chunk(self, *args, **kwargs): return ops.chunk(self, *args, **kwargs)
    def gather(self, dim, index): return ops.gather(self, dim, index)
    def narrow(self, dim, start, length): return ops.narrow(self, dim, start, length)
    def unbind(self, dim=0): return ops.unbind(self, dim)
    def index_select(self, dim, index): return ops.index_select(self, dim, index)
    def masked_select(self, mask): return ops.masked_select(self, mask)
    def bmm(self, mat2): return ops.bmm(self, mat2)
    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def softmax(self, *args, **kwargs): return ops.softmax(self, *args, **kwargs)
    def log_softmax(self, *args, **kwargs): return ops.log_softmax(self, *args, **kwargs)
    def logsumexp(self, *args, **kwargs): return ops.logsumexp(self, *args, **kwargs)
    def multinomial(self, *args, **kwargs): return ops.multinomial(self, *args, **kwargs)


def ensure_tensor(value, like: Tensor | None = None) -> Tensor:
    """An op's operand as a tensor: ``value`` itself if it is one, else a constant. A Python
    scalar takes ``like``'s dtype (float32 for a float scalar meeting an integer or boolean
    tensor, int64 for an int meeting a boolean).

    Not the public ``tinygrad_rnn.as_tensor`` (``creation.py``), which infers dtypes as
    PyTorch does and takes ``dtype=`` and ``device=``."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        dtype = like.array.dtype
        if dtype.kind != "f" and (isinstance(value, float) or dtype.kind == "b"):
            dtype = np.float32 if isinstance(value, float) else np.int64
        return Tensor.constant(np.asarray(value, dtype))
    return Tensor(value)
