"""Operators and op methods of ``Tensor``, each delegating to a function in ``ops``.

Comparisons return plain NumPy boolean arrays: they have no gradient, and ``where`` and
indexing accept them directly.
"""

import numpy as np

from . import ops
from .tensor import Tensor


def _reflected(op):
    return lambda self, other: op(other, self)


def _compare(ufunc):
    def compare(self, other):
        other = other.data if isinstance(other, Tensor) else other
        return ufunc(self.data, other)
    return compare


_OPERATORS = {
    "__add__": ops.add, "__radd__": _reflected(ops.add),
    "__sub__": ops.sub, "__rsub__": _reflected(ops.sub),
    "__mul__": ops.mul, "__rmul__": _reflected(ops.mul),
    "__truediv__": ops.div, "__rtruediv__": _reflected(ops.div),
    "__pow__": ops.pow, "__rpow__": _reflected(ops.pow),
    "__matmul__": ops.matmul, "__rmatmul__": _reflected(ops.matmul),
    "__neg__": ops.neg, "__getitem__": ops.getitem,
    "__lt__": _compare(np.less), "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater), "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal), "__ne__": _compare(np.not_equal),
}

_METHODS = (
    "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "clip", "maximum", "minimum",
    "sum", "mean", "max", "min", "reshape", "transpose", "permute", "swapaxes", "squeeze",
    "unsqueeze", "broadcast_to", "flip", "split", "chunk", "softmax", "log_softmax",
    "logsumexp", "matmul",
)

for _name, _function in _OPERATORS.items():
    setattr(Tensor, _name, _function)
for _name in _METHODS:
    setattr(Tensor, _name, getattr(ops, _name))
Tensor.__hash__ = object.__hash__  # __eq__ is elementwise; identity keeps tensors hashable
Tensor.T = property(ops.transpose, doc="The tensor with its axes reversed.")
