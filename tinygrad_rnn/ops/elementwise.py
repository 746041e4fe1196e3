"""Elementwise ops. Binary ops broadcast by NumPy's rule; their backward sums the gradient
back to each input's shape (``unbroadcast``).

Primitives (a forward and a backward each): add, mul, neg, pow, exp, log, abs, tanh,
sigmoid, relu, erf, softplus, maximum, where, cast. Composed from them: sub, div, sqrt,
minimum, clip, masked_fill, leaky_relu, gelu. Without gradient: isnan, isinf, isfinite,
allclose.
"""

import math

import numpy as np

from ..function import Function
from .._kernels import activations
from ..tensor import Tensor, ensure_tensor
from ._common import ScalarRule, broadcast_shapes, unbroadcast


def _operands(op: str, a, b) -> tuple[Tensor, Tensor]:
    """Both operands as tensors (a Python scalar takes the other's dtype; an integer or
    boolean tensor the float one's), shapes checked."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        a = ensure_tensor(a, like=b if isinstance(b, Tensor) else None)
        b = ensure_tensor(b, like=a)
    x, y = a.array, b.array
    if x.shape != y.shape and x.ndim and y.ndim:  # a 0-d operand broadcasts to any shape
        broadcast_shapes(op, x.shape, y.shape)
    if x.dtype is not y.dtype and (x.dtype.kind == "f") != (y.dtype.kind == "f"):
        if x.dtype.kind == "f":
            b = Tensor.constant(y.astype(x.dtype))
        else:
            a = Tensor.constant(x.astype(y.dtype))
    return a, b


# ---------------------------------------------------------------- binary primitives

class Add(Function):
    scalar = ScalarRule("a + b", ga="gy", gb="gy")

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, gy):
        return unbroadcast(gy, ctx.a_shape), unbroadcast(gy, ctx.b_shape)


class Mul(Function):
    scalar = ScalarRule("a * b", ga="gy * b", gb="gy * a")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = unbroadcast(gy * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(gy * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    scalar = ScalarRule("a ** b", ga="gy * b * a ** (b - ONE)",
                        gb="gy * y * (np.log(a) if a > ZERO else (np.nan if a < ZERO else ZERO))")

    @staticmethod
    def forward(ctx, a, b):
        y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        a, b, y = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(gy * b * a ** (b - 1), a.shape)
        if ctx.needs_input_grad[1]:
            # NOTE: d(a**b)/db = a**b * ln(a) exists only for a > 0. At a == 0 we return 0
            # (the limit for b > 0); for a < 0 NaN, as PyTorch does.
            log_a = np.log(np.where(a > 0, a, 1)) + np.where(a < 0, np.nan, 0)
            gb = unbroadcast(gy * y * log_a, b.shape)
        return ga, gb


class Maximum(Function):
    scalar = ScalarRule("a if a > b or a != a else b",
                        ga="gy if a > b else (gy * HALF if a == b else ZERO)",
                        gb="ZERO if a > b else (gy * HALF if a == b else gy)")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        # NOTE: where a == b the gradient is shared equally, half to each (as PyTorch).
        share_a = (a > b) + 0.5 * (a == b)
        return unbroadcast(gy * share_a, a.shape), unbroadcast(gy * (1 - share_a), b.shape)


class Where(Function):
    @staticmethod
    def forward(ctx, a, b, *, condition):
        ctx.save_for_backward(condition)
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, gy):
        (condition,) = ctx.saved_tensors
        zero = np.zeros((), gy.dtype)
        return (unbroadcast(np.where(condition, gy, zero), ctx.a_shape),
                unbroadcast(np.where(condition, zero, gy), ctx.b_shape))


# ---------------------------------------------------------------- unary primitives

class Cast(Function):
    scalar = ScalarRule("x", gx="gy")   # NOTE: the compiler takes only a cast to the same dtype

    @staticmethod
    def forward(ctx, x, *, dtype):
        ctx.x_dtype = x.dtype
        return x.astype(dtype)  # NOTE: always a copy, so clone() is a cast to the same dtype

    @staticmethod
    def backward(ctx, gy):
        return gy.astype(ctx.x_dtype)


class Neg(Function):
    scalar = ScalarRule("-x", gx="-gy")

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, gy):
        return -gy


class Exp(Function):
    scalar = ScalarRule("np.exp(x)", gx="gy * y")

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class Log(Function):
    scalar = ScalarRule("np.log(x)", gx="gy / x")

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / x


class Abs(Function):
    scalar = ScalarRule("abs(x)", gx="gy if x > ZERO else (-gy if x < ZERO else ZERO)")

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        # NOTE: abs'(0) is taken as 0 (sign(0) == 0), as in PyTorch; so is abs'(NaN).
        return gy * np.where(np.isnan(x), 0, np.sign(x))


class Tanh(Function):
    scalar = ScalarRule("tanh(x)", gx="gy * (ONE - y * y)")

    @staticmethod
    def forward(ctx, x):
        y = activations.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return activations.tanh_backward(y, gy)


class Sigmoid(Function):
    scalar = ScalarRule("sigmoid(x)", gx="gy * y * (ONE - y)")

    @staticmethod
    def forward(ctx, x):
        y = activations.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return activations.sigmoid_backward(y, gy)


class Relu(Function):
    scalar = ScalarRule("ZERO if x <= ZERO else x", gx="ZERO if x <= ZERO else gy")

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return activations.relu(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return activations.relu_backward(x, gy)


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return activations.erf(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * (2 / math.sqrt(math.pi)) * np.exp(-x * x)


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        z = x * beta
        ctx.save_for_backward(z)
        ctx.threshold = threshold
        # NOTE: the identity where beta * x > threshold, as PyTorch (log(1 + e^z) = z there
        # to float precision); logaddexp(0, z) = log(1 + e^z) without overflow.
        return np.where(z > threshold, x, np.logaddexp(0, z) / beta).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        (z,) = ctx.saved_tensors
        return np.where(z > ctx.threshold, gy, gy * activations.sigmoid(z))


# ---------------------------------------------------------------- functional API

def _times(b: Tensor, alpha) -> Tensor:
    return Mul.apply(b, ensure_tensor(alpha, like=b))


def add(a, b, *, alpha=1) -> Tensor:
    """a + alpha * b, broadcasting (``alpha`` as PyTorch's)."""
    a, b = _operands("add", a, b)
    return Add.apply(a, b if alpha == 1 else _times(b, alpha))


def sub(a, b, *, alpha=1) -> Tensor:
    """a - alpha * b = a + (-(alpha * b)), broadcasting."""
    a, b = _operands("sub", a, b)
    return Add.apply(a, Neg.apply(b if alpha == 1 else _times(b, alpha)))


def mul(a, b) -> Tensor:
    """a * b, broadcasting."""
    return Mul.apply(*_operands("mul", a, b))


def div(a, b) -> Tensor:
    """a / b = a * b**(-1), broadcasting; integers divide as float32 (as PyTorch)."""
    a, b = _operands("div", a, b)
    if a.array.dtype.kind != "f":   # NOTE: then b is not float either (see _operands)
        a, b = cast(a, np.dtype(np.float32)), cast(b, np.dtype(np.float32))
    return Mul.apply(a, Pow.apply(b, ensure_tensor(-1.0, like=b)))


def pow(a, b) -> Tensor:  # noqa: A001  (the operator's own name)
    """a ** b, broadcasting; differentiable in both a and b."""
    return Pow.apply(*_operands("pow", a, b))


def neg(x) -> Tensor:
    """-x."""
    return Neg.apply(x)


def exp(x) -> Tensor:
    """e ** x."""
    return Exp.apply(x)


def log(x) -> Tensor:
    """The natural logarithm."""
    return Log.apply(x)


def sqrt(x) -> Tensor:
    """x ** 0.5."""
    x = ensure_tensor(x)
    return Pow.apply(x, ensure_tensor(0.5, like=x))


def abs(x) -> Tensor:  # noqa: A001
    """``|x|``."""
    return Abs.apply(x)


def tanh(x) -> Tensor:
    """The hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x)."""
    return Tanh.apply(x)


def sigmoid(x) -> Tensor:
    """1 / (1 + e^-x), computed without overflow for inputs of either sign."""
    return Sigmoid.apply(x)


def relu(x) -> Tensor:
    """max(x, 0)."""
    return Relu.apply(x)


def erf(x) -> Tensor:
    """The error function, 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt."""
    return Erf.apply(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (as
    ``torch.nn.functional.softplus``)."""
    x = ensure_tensor(x)
    return Softplus.apply(x, beta=beta, threshold=threshold)


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    x = ensure_tensor(x)
    # NOTE: at x == 0 the gradient is negative_slope, as PyTorch's.
    return where(x.array > 0, x, mul(x, negative_slope))


def gelu(x, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)); with
    ``approximate="tanh"``, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = ensure_tensor(x)
    if approximate == "none":
        inner = erf(mul(x, 1 / math.sqrt(2)))
    elif approximate == "tanh":
        inner = tanh(mul(add(x, mul(pow(x, 3.0), 0.044715)), math.sqrt(2 / math.pi)))
    else:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return mul(mul(x, 0.5), add(inner, 1.0))


def _test(ufunc, x) -> Tensor:
    x = ensure_tensor(x)
    return Tensor.constant(ufunc(x.array))


def isnan(x) -> Tensor:
    """A boolean tensor, true where ``x`` is NaN."""
    return _test(np.isnan, x)


def isinf(x) -> Tensor:
    """A boolean tensor, true where ``x`` is +inf or -inf."""
    return _test(np.isinf, x)


def isfinite(x) -> Tensor:
    """A boolean tensor, true where ``x`` is neither NaN nor infinite."""
    return _test(np.isfinite, x)


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether ``|input - other| <= atol + rtol * |other|`` everywhere (broadcasting), as
    ``torch.allclose``: a Python bool."""
    a, b = _operands("allclose", input, other)
    return bool(np.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def maximum(a, b) -> Tensor:
    """The elementwise maximum; a tie sends half the gradient to each side."""
    return Maximum.apply(*_operands("maximum", a, b))


def minimum(a, b) -> Tensor:
    """The elementwise minimum, -maximum(-a, -b)."""
    a, b = _operands("minimum", a, b)
    return Neg.apply(Maximum.apply(Neg.apply(a), Neg.apply(b)))


def cast(x, dtype) -> Tensor:
    """A copy of ``x`` in ``dtype``; differentiable between float dtypes (the gradient is
    cast back), without gradient to an integer or boolean dtype."""
    x = ensure_tensor(x)
    if dtype.kind != "f":
        return Tensor.constant(x.array.astype(dtype))
    return Cast.apply(x, dtype=dtype)


def clone(x) -> Tensor:
    """A copy of ``x`` with its own memory; the gradient passes through unchanged."""
    x = ensure_tensor(x)
    return cast(x, x.dtype)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``; ``condition`` is a boolean tensor or
    array."""
    condition = np.asarray(condition.array if isinstance(condition, Tensor) else condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be a boolean array, got dtype {condition.dtype}")
    a, b = _operands("where", a, b)
    broadcast_shapes("where", condition.shape, a.shape, b.shape)
    return Where.apply(a, b, condition=condition)


def clip(x, min=None, max=None) -> Tensor:  # noqa: A002
    """x limited to [min, max]; the gradient passes where min <= x <= max (bounds included)."""
    x = ensure_tensor(x)
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    inside = np.ones(x.shape, bool)
    if min is not None:
        inside &= x.array >= min
    if max is not None:
        inside &= x.array <= max
    clipped = Tensor.constant(np.clip(x.array, min, max).astype(x.dtype))
    return where(inside, x, clipped)


clamp = clip


def masked_fill(x, mask, value) -> Tensor:
    """``x`` with ``value`` where the boolean ``mask`` (broadcast to ``x``) is true:
    where(mask, value, x), so no gradient reaches the filled places."""
    x = ensure_tensor(x)
    mask = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if broadcast_shapes("masked_fill", mask.shape, x.shape) != x.shape:
        raise ValueError(f"masked_fill: mask of shape {mask.shape} does not broadcast to the "
                         f"input's shape {x.shape}")
    return where(mask, ensure_tensor(value, like=x), x)
