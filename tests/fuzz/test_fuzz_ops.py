"""Fuzzing the ops with NaN, infinities, signed zeros, huge values, 0-d and empty tensors and
axes in and out of range: each call returns PyTorch's result (values and, for the
elementwise ops, gradients) or raises an error naming the op's argument (see ``contract``)."""

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn import Tensor, ops

from contract import FUZZ, TOLERANCE, assert_contract, outcome, torch

SPECIAL = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30)
AXIS_WORDS = ("axis", "dim")


@st.composite
def hostile_arrays(draw, min_dims=0, max_dims=3):
    """float32 or float64 arrays of up to ``max_dims`` axes of 0 to 3 elements, holding
    ordinary values and the special ones."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3))
    special = st.sampled_from(SPECIAL).map(lambda v: float(dtype(v)))
    elements = st.floats(-6, 6, width=32 if dtype is np.float32 else 64) | special
    return draw(hnp.arrays(dtype, shape, elements=elements))


def any_axis(ndim: int):
    """An axis in range or one step past either end (``None`` too)."""
    return st.none() | st.integers(-max(ndim, 1) - 1, max(ndim, 1))


def tolerance(x) -> float:
    return TOLERANCE[x.dtype]


def grad_of(tensor) -> np.ndarray:
    """The gradient's values, whether ``.grad`` holds an array or a Tensor."""
    return np.asarray(getattr(tensor.grad, "array", tensor.grad))


def quiet(function):
    """``function`` with NumPy's floating-point warnings off (NaN and inf are the point)."""
    def call(*args, **kwargs):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # "Mean of empty slice"
            return function(*args, **kwargs)
    return call


# ---------------------------------------------------------------- elementwise

UNARY = {
    "tanh": (ops.tanh, np.tanh),
    "sigmoid": (ops.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "relu": (ops.relu, lambda x: np.maximum(x, 0)),
    "exp": (ops.exp, np.exp),
    "log": (ops.log, np.log),
    "abs": (ops.abs, np.abs),
    "neg": (ops.neg, np.negative),
    "sqrt": (ops.sqrt, np.sqrt),
}


@FUZZ
@given(name=st.sampled_from(sorted(UNARY)), x=hostile_arrays())
def test_elementwise_ops_give_pytorchs_values_and_gradients(name, x):
    op, numpy_reference = UNARY[name]
    ours = Tensor(x, requires_grad=True)
    y = quiet(op)(ours)
    if torch is None:
        assert_contract(y.array, quiet(numpy_reference)(x), (name,), tolerance(x))
        return
    theirs = torch.from_numpy(x.copy()).requires_grad_()
    expected = getattr(torch, name)(theirs)
    assert_contract(y.array, expected.detach().numpy(), (name,), tolerance(x))
    quiet(y.backward)(np.ones(y.shape, x.dtype))
    expected.backward(torch.ones_like(expected))
    # NOTE: sqrt is x ** 0.5, so its gradient at -0.0 and -inf is pow's (+inf and 0, as
    # torch.pow's), not torch.sqrt's (-inf and NaN): the one documented difference.
    compared = ~((name == "sqrt") & ((x == 0) | np.isinf(x)) & np.signbit(x))
    assert_contract(grad_of(ours)[compared], theirs.grad.numpy()[compared], (name,), tolerance(x))


# ---------------------------------------------------------------- reductions

def _reference_reduction(name, x, axis, keepdims):
    if torch is None:   # NumPy has no axis 0 of a 0-d array; PyTorch reduces nothing over it
        axis = None if x.ndim == 0 and axis in (0, -1) else axis
        return getattr(np, name)(x, axis=axis, keepdims=keepdims)
    t = torch.from_numpy(x)
    dims = tuple(range(x.ndim)) if axis is None else axis
    if name in ("amax", "amin"):
        return getattr(torch, name)(t, dim=dims, keepdim=keepdims).numpy()
    if x.ndim == 0 and axis is None:
        return getattr(torch, name)(t).numpy()
    return getattr(torch, name)(t, dim=dims, keepdim=keepdims).numpy()


@FUZZ
@given(name=st.sampled_from(["sum", "mean", "amax", "amin"]), data=st.data())
def test_reductions_give_pytorchs_values_or_name_the_axis_or_op(name, data):
    x = data.draw(hostile_arrays(), label="x")
    axis = data.draw(any_axis(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    ours = outcome(lambda: quiet(getattr(ops, name))(Tensor(x), axis, keepdims).array)
    reference = outcome(lambda: quiet(_reference_reduction)(name, x, axis, keepdims))
    assert_contract(ours, reference, (name, *AXIS_WORDS), tolerance(x))


# ---------------------------------------------------------------- softmax family

def _numpy_softmax_family(name, x, axis):
    """PyTorch's formulas in NumPy: shift by the maximum (by 0 where logsumexp meets an
    infinite maximum); over no elements the sum is empty."""
    if not -x.ndim <= axis < x.ndim:
        raise IndexError(f"axis {axis} is out of range")
    if x.shape[axis] == 0:
        return np.full(np.delete(x.shape, axis), -np.inf) if name == "logsumexp" else x.copy()
    m = np.max(x, axis=axis, keepdims=True)
    if name == "logsumexp":
        m = np.where(np.isinf(m), 0, m)
        return (np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m).squeeze(axis)
    log_softmax = x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return log_softmax if name == "log_softmax" else np.exp(log_softmax)


def _reference_softmax_family(name, x, axis):
    if torch is None:
        return _numpy_softmax_family(name, x, axis)
    return getattr(torch, name)(torch.from_numpy(x), axis).numpy()


@FUZZ
@given(name=st.sampled_from(["softmax", "log_softmax", "logsumexp"]), data=st.data())
def test_softmax_family_gives_pytorchs_values_or_names_the_axis(name, data):
    x = data.draw(hostile_arrays(min_dims=1), label="x")
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim), label="axis")
    ours = outcome(lambda: quiet(getattr(ops, name))(Tensor(x), axis).array)
    reference = outcome(lambda: quiet(_reference_softmax_family)(name, x, axis))
    assert_contract(ours, reference, AXIS_WORDS, tolerance(x))


# ---------------------------------------------------------------- cross-entropy

def _numpy_cross_entropy(x, target, reduction):
    classes = x.shape[1]
    valid = target != -100
    if np.any(valid & ((target < 0) | (target >= classes))):
        raise IndexError("target out of bounds")
    losses = np.zeros(len(target), x.dtype)
    if classes:
        picked = np.where(valid, target, 0)
        log_softmax = _numpy_softmax_family("log_softmax", x, 1)
        losses = np.where(valid, -log_softmax[np.arange(len(target)), picked], 0)
    if reduction == "none":
        return losses
    return losses.sum() / (valid.sum() if reduction == "mean" else 1)


def _reference_cross_entropy(x, target, reduction):
    if torch is None:
        return _numpy_cross_entropy(x, target, reduction)
    return torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(target),
                                             ignore_index=-100, reduction=reduction).numpy()


@FUZZ
@given(data=st.data(), reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_gives_pytorchs_loss_or_names_the_target(data, reduction):
    x = data.draw(hostile_arrays(min_dims=2, max_dims=2), label="logits")
    labels = st.integers(-2, x.shape[1] + 1) | st.just(-100)
    target = data.draw(hnp.arrays(np.int64, x.shape[:1], elements=labels), label="target")
    ours = outcome(lambda: quiet(ops.cross_entropy)(Tensor(x), target, reduction=reduction).array)
    reference = outcome(lambda: quiet(_reference_cross_entropy)(x, target, reduction))
    assert_contract(ours, reference, ("target",), tolerance(x))
