"""``Tensor``: a NumPy array that remembers the operation that made it.

Dtype rule, stated once: a tensor holds float32 or float64. Python scalars and lists become
float32; float32 and float64 arrays keep their dtype; anything else is a ``TypeError``
(integer arrays are accepted only by the ops that take indices). When two tensors meet in
an operation the result has NumPy's promoted dtype (float32 with float64 gives float64);
a Python scalar takes the dtype of the tensor it meets, so ``x * 2.0`` keeps ``x``'s dtype.
"""

from __future__ import annotations

import reprlib

import numpy as np

from . import autograd

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _float_array(data, dtype) -> np.ndarray:
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"Tensor: dtype must be float32 or float64, got {dtype}")
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        if array.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"Tensor: expected a float32 or float64 array, got dtype {array.dtype}; "
                "integer arrays go to the ops that take indices (indexing, embedding, "
                "cross_entropy), other data must be converted first"
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


class Tensor:
    """A float32 or float64 array with an optional gradient and the graph that made it.

    Args:
        data: a Python number, a (nested) list of numbers, or a float32/float64 array
            (copied).
        requires_grad: whether ``backward`` should compute a gradient for this tensor.
        dtype: ``float32`` or ``float64``, to convert ``data``.

    Attributes:
        data: the values, an ``np.ndarray``.
        grad: ``None``, or after ``backward`` an array of the same shape and dtype as
            ``data`` holding d(loss)/d(data), summed over every ``backward`` call.
        requires_grad: whether gradients flow to this tensor.
    """

    # NumPy defers to our reflected operators (``array + tensor`` calls ``__radd__``).
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _float_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._node = None
        self._index = 0

    @classmethod
    def _from_op(cls, data: np.ndarray, node, index: int) -> "Tensor":
        """Wrap an operation's result without copying; ``node`` is None when no graph is kept."""
        tensor = cls.__new__(cls)
        tensor.data = data
        tensor.grad = None
        tensor.requires_grad = node is not None
        tensor._node = node
        tensor._index = index
        return tensor

    # ------------------------------------------------------------ attributes

    shape = property(lambda self: self.data.shape, doc="The shape of ``data``.")
    dtype = property(lambda self: self.data.dtype, doc="``float32`` or ``float64``.")
    ndim = property(lambda self: self.data.ndim, doc="The number of dimensions.")
    size = property(lambda self: self.data.size, doc="The number of elements.")

    @property
    def op(self) -> str | None:
        """The name of the operation that made this tensor, or None for a leaf."""
        return None if self._node is None else self._node.name

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        made_by = f", op={self.op}" if self._node is not None else ""
        flag = ", requires_grad=True" if self.requires_grad and self._node is None else ""
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{made_by}{flag})"

    def numpy(self) -> np.ndarray:
        """A copy of the values."""
        return self.data.copy()

    def item(self) -> float:
        """The value of a single-element tensor as a Python float."""
        if self.size != 1:
            raise ValueError(f"item: expected a tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's values, cut from the graph."""
        return Tensor._from_op(self.data, None, 0)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` on a leaf, in place, and return the tensor."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot switch off gradients of a non-leaf; use detach()")
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
            if self.size != 1:
                raise RuntimeError(
                    f"backward: an implicit gradient of one needs a single-element tensor, "
                    f"got shape {self.shape}; pass grad= of that shape"
                )
            grad = np.ones(self.shape, self.dtype)
        grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
        if grad.shape != self.shape:
            raise ValueError(f"backward: grad has shape {grad.shape}, expected {self.shape}")
        grad = grad.astype(self.dtype, copy=False)
        if self._node is None:
            self._accumulate_grad(grad)
        else:
            autograd.backward(self, grad, retain_graph)

    def _accumulate_grad(self, gx: np.ndarray) -> None:
        if self.grad is None:
            self.grad = gx.copy()  # NOTE: a copy, so no gradient aliases another array
        else:
            self.grad += gx

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a constant tensor; a Python scalar takes ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Tensor._from_op(np.asarray(value, like.dtype), None, 0)
    return Tensor(value)

