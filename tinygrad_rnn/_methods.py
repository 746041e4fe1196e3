"""Operators and op methods of ``Tensor``, each delegating to a function in ``ops``.

Comparisons return boolean tensors without gradient; ``where``, ``masked_fill`` and
indexing accept them. ``&``, ``|``, ``^`` and ``~`` work on boolean and integer tensors.
"""

import numpy as np

from . import creation, in_place, ops
from .ops.shape import _index_value
from .random import multinomial
from .tensor import Tensor


def _reflected(op):
    return lambda self, other: op(other, self)


def _constant(ufunc):
    """A method applying ``ufunc`` to the values: a result without gradient."""
    def method(self, *others):
        others = [o.data if isinstance(o, Tensor) else o for o in others]
        return Tensor._from_op(np.asarray(ufunc(self.data, *others)), None, 0)
    return method


def _logical(ufunc):
    check = _constant(ufunc)

    def method(self, *others):
        if any(t.dtype.kind == "f" for t in (self, *others) if isinstance(t, Tensor)):
            raise TypeError(f"{ufunc.__name__}: expects boolean or integer tensors, not float")
        return check(self, *others)
    return method


def _setitem(self, index, value) -> None:
    """``self[index] = value``, in place under the rules of ``+=`` (no graph through ``self``)."""
    self._check_in_place(value)
    index = tuple(map(_index_value, index)) if isinstance(index, tuple) else _index_value(index)
    self.data[index] = value.data if isinstance(value, Tensor) else value


def _view(self, *shape):
    """The same values in ``shape`` (a view in PyTorch; here a reshape, as NumPy arrays
    carry no strides of their own to share)."""
    return ops.reshape(self, *shape)


def _transposed(self):
    if self.ndim > 2:
        raise ValueError(f".T is for tensors of at most 2 dims (as PyTorch), this one has shape "
                         f"{self.shape}; use .mT to swap the last two dims or .permute(...)")
    return ops.permute(self, tuple(range(self.ndim))[::-1])


def _matrix_transposed(self):
    if self.ndim < 2:
        raise ValueError(f".mT needs at least 2 dims, got shape {self.shape}")
    return ops.transpose(self, -2, -1)


_OPERATORS = {
    "__add__": ops.add, "__radd__": _reflected(ops.add),
    "__sub__": ops.sub, "__rsub__": _reflected(ops.sub),
    "__mul__": ops.mul, "__rmul__": _reflected(ops.mul),
    "__truediv__": ops.div, "__rtruediv__": _reflected(ops.div),
    "__pow__": ops.pow, "__rpow__": _reflected(ops.pow),
    "__matmul__": ops.matmul, "__rmatmul__": _reflected(ops.matmul),
    "__neg__": ops.neg, "__getitem__": ops.getitem, "__setitem__": _setitem,
    "__lt__": _constant(np.less), "__le__": _constant(np.less_equal),
    "__gt__": _constant(np.greater), "__ge__": _constant(np.greater_equal),
    "__eq__": _constant(np.equal), "__ne__": _constant(np.not_equal),
    "__and__": _logical(np.bitwise_and), "__or__": _logical(np.bitwise_or),
    "__xor__": _logical(np.bitwise_xor), "__invert__": _logical(np.invert),
    "eq": _constant(np.equal), "ne": _constant(np.not_equal),
    "lt": _constant(np.less), "le": _constant(np.less_equal),
    "gt": _constant(np.greater), "ge": _constant(np.greater_equal),
    "view": _view, "view_as": lambda self, other: ops.reshape(self, other.shape),
    "expand_as": lambda self, other: ops.expand(self, other.shape),
    "any": _constant(np.any), "all": _constant(np.all), "t": _transposed,
    "multinomial": multinomial,
}

_METHODS = (
    "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "clip", "clamp", "maximum",
    "minimum", "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "topk", "sort",
    "reshape", "flatten", "transpose", "permute", "swapaxes", "squeeze", "unsqueeze",
    "broadcast_to", "expand", "repeat", "flip", "split", "chunk", "gather", "masked_fill",
    "clone", "softmax", "log_softmax", "logsumexp", "matmul",
)

for _name, _function in _OPERATORS.items():
    setattr(Tensor, _name, _function)
for _name in _METHODS:
    setattr(Tensor, _name, getattr(ops, _name))
Tensor.__hash__ = object.__hash__  # __eq__ is elementwise; identity keeps tensors hashable
Tensor.T = property(_transposed, doc="The tensor with its (at most 2) dims reversed.")
Tensor.mT = property(_matrix_transposed, doc="The tensor with its last two dims swapped.")


# ---------------------------------------------------------------- PyTorch-compatibility methods
# One block, to move as a whole into the PyTorch-compatibility module of the new layout.

_COMPATIBILITY = {
    "add_": in_place.add_, "sub_": in_place.sub_, "mul_": in_place.mul_,
    "div_": in_place.div_, "copy_": in_place.copy_, "clamp_": in_place.clamp_,
    "clip_": in_place.clamp_, "masked_fill_": in_place.masked_fill_,
    "uniform_": in_place.uniform_, "normal_": in_place.normal_,
    "new_tensor": creation.new_tensor, "new_zeros": creation.new_zeros,
    "new_ones": creation.new_ones, "new_full": creation.new_full,
    "new_empty": creation.new_empty,
    "type_as": lambda self, other: self.to(other.dtype),
    "isnan": ops.isnan, "isinf": ops.isinf, "isfinite": ops.isfinite,
    "allclose": ops.allclose, "narrow": ops.narrow, "unbind": ops.unbind,
    "index_select": ops.index_select, "masked_select": ops.masked_select, "norm": ops.norm,
    "std": ops.std, "var": ops.var, "prod": ops.prod, "cumsum": ops.cumsum, "bmm": ops.bmm,
    "baddbmm": ops.baddbmm, "erf": ops.erf,
}
for _name, _function in _COMPATIBILITY.items():
    setattr(Tensor, _name, _function)
