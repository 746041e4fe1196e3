"""Comparisons and logic: results without gradient.

The comparisons give boolean tensors (``where``, ``masked_fill`` and indexing accept them);
``bitwise_and``, ``bitwise_or``, ``bitwise_xor`` and ``bitwise_not`` (the operators ``&``,
``|``, ``^``, ``~``) work on boolean and integer tensors; ``any`` and ``all`` reduce a whole
tensor to one boolean. None of them is differentiable, so none is a ``Function``: each
applies its NumPy ufunc to the values and wraps the result as a constant.
"""

import inspect

import numpy as np

from ..tensor import Tensor


def _without_gradient(name: str, ufunc, meaning: str, integers_only: bool = False):
    """The public function ``name``, documented by ``meaning``: ``ufunc`` over the values of
    its operands (tensors or Python values), as a constant. With ``integers_only``, for a
    ufunc defined on booleans and integers only, a float tensor is refused."""
    parameters = ("a", "b") if ufunc.nin == 2 else ("x",)

    def function(*operands) -> Tensor:
        if len(operands) != len(parameters):
            raise TypeError(f"{name}: takes {len(parameters)} operand(s), got {len(operands)}")
        # NOTE: not any(...): this module's own ``any`` shadows the builtin
        if integers_only and [t for t in operands if isinstance(t, Tensor) and t.dtype.kind == "f"]:
            raise TypeError(f"{name}: expects boolean or integer tensors, not float")
        arrays = [o.array if isinstance(o, Tensor) else o for o in operands]
        return Tensor.constant(np.asarray(ufunc(*arrays)))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = meaning
    function.__signature__ = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY) for p in parameters],
        return_annotation=Tensor)
    return function


eq = _without_gradient("eq", np.equal, "a == b, elementwise (a boolean tensor).")
ne = _without_gradient("ne", np.not_equal, "a != b, elementwise.")
lt = _without_gradient("lt", np.less, "a < b, elementwise.")
le = _without_gradient("le", np.less_equal, "a <= b, elementwise.")
gt = _without_gradient("gt", np.greater, "a > b, elementwise.")
ge = _without_gradient("ge", np.greater_equal, "a >= b, elementwise.")
bitwise_and = _without_gradient("bitwise_and", np.bitwise_and,
                                "a & b: logical and of booleans, bitwise and of integers.",
                                integers_only=True)
bitwise_or = _without_gradient("bitwise_or", np.bitwise_or, "a | b.", integers_only=True)
bitwise_xor = _without_gradient("bitwise_xor", np.bitwise_xor, "a ^ b.", integers_only=True)
bitwise_not = _without_gradient("bitwise_not", np.invert,
                                "~x: logical not of booleans, bitwise not of integers.",
                                integers_only=True)


def any(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001  (PyTorch's name)
    """Whether any element is nonzero, over ``dim`` (None: the whole tensor, 0-d)."""
    return Tensor.constant(np.any(x.array, axis=dim, keepdims=keepdim))


def all(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element is nonzero, over ``dim`` (None: the whole tensor, 0-d)."""
    return Tensor.constant(np.all(x.array, axis=dim, keepdims=keepdim))
