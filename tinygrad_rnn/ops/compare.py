"""Comparisons and logic: results without gradient.

The comparisons give boolean tensors (``where``, ``masked_fill`` and indexing accept them);
``bitwise_and``, ``bitwise_or``, ``bitwise_xor`` and ``bitwise_not`` (the operators ``&``,
``|``, ``^``, ``~``) work on boolean and integer tensors; ``any`` and ``all`` reduce a whole
tensor to one boolean. None of them is differentiable, so none is a ``Function``: each
applies its NumPy ufunc to the values and wraps the result as a constant.
"""

import numpy as np

from ..tensor import Tensor


def _without_gradient(ufunc, *operands) -> Tensor:
    """``ufunc`` over the operands' values (tensors or Python values), as a constant."""
    arrays = [o.array if isinstance(o, Tensor) else o for o in operands]
    return Tensor.constant(np.asarray(ufunc(*arrays)))


def _on_integers(ufunc, *operands) -> Tensor:
    """As :func:`_without_gradient`, for a ufunc that is defined on booleans and integers only."""
    # NOTE: not any(...): this module's own ``any`` shadows the builtin
    if [t for t in operands if isinstance(t, Tensor) and t.dtype.kind == "f"]:
        raise TypeError(f"{ufunc.__name__}: expects boolean or integer tensors, not float")
    return _without_gradient(ufunc, *operands)


def eq(a, b) -> Tensor:
    """a == b, elementwise (a boolean tensor)."""
    return _without_gradient(np.equal, a, b)


def ne(a, b) -> Tensor:
    """a != b, elementwise."""
    return _without_gradient(np.not_equal, a, b)


def lt(a, b) -> Tensor:
    """a < b, elementwise."""
    return _without_gradient(np.less, a, b)


def le(a, b) -> Tensor:
    """a <= b, elementwise."""
    return _without_gradient(np.less_equal, a, b)


def gt(a, b) -> Tensor:
    """a > b, elementwise."""
    return _without_gradient(np.greater, a, b)


def ge(a, b) -> Tensor:
    """a >= b, elementwise."""
    return _without_gradient(np.greater_equal, a, b)


def bitwise_and(a, b) -> Tensor:
    """a & b: logical and of booleans, bitwise and of integers."""
    return _on_integers(np.bitwise_and, a, b)


def bitwise_or(a, b) -> Tensor:
    """a | b."""
    return _on_integers(np.bitwise_or, a, b)


def bitwise_xor(a, b) -> Tensor:
    """a ^ b."""
    return _on_integers(np.bitwise_xor, a, b)


def bitwise_not(x) -> Tensor:
    """~x: logical not of booleans, bitwise not of integers."""
    return _on_integers(np.invert, x)


def any(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001  (PyTorch's name)
    """Whether any element is nonzero, over ``dim`` (None: the whole tensor, 0-d)."""
    return Tensor.constant(np.any(x.array, axis=dim, keepdims=keepdim))


def all(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element is nonzero, over ``dim`` (None: the whole tensor, 0-d)."""
    return Tensor.constant(np.all(x.array, axis=dim, keepdims=keepdim))
