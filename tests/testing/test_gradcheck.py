"""gradcheck passes right gradients, catches wrong ones, and leaves its inputs alone."""

import numpy as np
import pytest
from hypothesis import given, settings

from tinygrad_rnn import Function, no_grad
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing import GradcheckError, gradcheck
from tinygrad_rnn.testing.strategies import floats_arrays

from helpers import Square


# ---------------------------------------------------------------- local Functions

class WrongSquare(Square):
    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 3 * x * gy   # NOTE: deliberately wrong, the derivative of x*x is 2x


class Mul(Function):
    @staticmethod
    def forward(ctx, x0, x1):
        ctx.save_for_backward(x0, x1)
        return x0 * x1

    @staticmethod
    def backward(ctx, gy):
        x0, x1 = ctx.saved_tensors
        return gy * x1, gy * x0


class WrongMulSecond(Mul):
    @staticmethod
    def backward(ctx, gy):
        x0, x1 = ctx.saved_tensors
        return gy * x1, gy * x1   # NOTE: deliberately wrong for the second input only


class SumAndSquare(Function):
    """Two outputs: the sum of all elements and the elementwise square."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sum(), x * x

    @staticmethod
    def backward(ctx, gy0, gy1):
        (x,) = ctx.saved_tensors
        return gy0 + 2 * x * gy1


class WrongDtype(Square):
    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return (2 * x * gy).astype(np.float32)


def leaf(values, requires_grad=True, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=requires_grad)


MODES = pytest.mark.parametrize("fast_mode", [False, True], ids=["full", "fast"])


# ---------------------------------------------------------------- right gradients pass

@MODES
def test_passes_for_a_correct_one_input_function(fast_mode):
    x = leaf([[0.5, -1.0, 2.0], [3.0, 0.0, -0.25]])
    assert gradcheck(Square.apply, [x], fast_mode=fast_mode) is True


@MODES
def test_passes_for_a_correct_two_input_function(fast_mode):
    x0, x1 = leaf([1.0, -2.0, 0.5]), leaf([0.3, 4.0, -1.5])
    assert gradcheck(Mul.apply, [x0, x1], fast_mode=fast_mode) is True


@MODES
def test_passes_for_a_function_with_two_outputs(fast_mode):
    x = leaf([[1.0, -2.0], [0.5, 3.0]])
    assert gradcheck(SumAndSquare.apply, [x], fast_mode=fast_mode) is True


@MODES
def test_passes_for_a_zero_dimensional_input(fast_mode):
    assert gradcheck(Square.apply, [leaf(1.5)], fast_mode=fast_mode) is True


@MODES
def test_constants_pass_through_unchanged(fast_mode):
    x, constant = leaf([1.0, 2.0]), leaf([3.0, -1.0], requires_grad=False, dtype=np.float32)
    seen = []

    def fn(x, c, scale):
        seen.append(scale)
        return Mul.apply(x, c)

    assert gradcheck(fn, [x, constant, "scale"], fast_mode=fast_mode)
    assert set(seen) == {"scale"}


def test_passes_inside_no_grad():
    with no_grad():
        assert gradcheck(Square.apply, [leaf([1.0, 2.0])])


@settings(deadline=None)
@given(floats_arrays(min_value=-3, max_value=3))
def test_passes_for_square_on_any_array(values):
    assert gradcheck(Square.apply, [leaf(values)])


# ---------------------------------------------------------------- wrong gradients fail

@MODES
def test_wrong_backward_raises_naming_input_and_values(fast_mode):
    x = leaf([0.5, -1.0, 2.0])
    with pytest.raises(GradcheckError) as caught:
        gradcheck(WrongSquare.apply, [x], fast_mode=fast_mode)
    message = str(caught.value)
    for words in ("input 0", "(shape (3,))", "analytic", "numeric", "tolerance"):
        assert words in message
    # the worst entry is d y[2] / d x[2]: analytic 3*2 = 6, numeric 2*2 = 4
    assert "d output 0(2,) / d input 0(2,)" in message
    assert "analytic 6 but numeric 4" in message


@MODES
def test_wrong_backward_of_second_input_names_input_one(fast_mode):
    x0, x1 = leaf([1.0, -2.0, 0.5]), leaf([0.3, 4.0, -1.5])
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(3,\)\)"):
        gradcheck(WrongMulSecond.apply, [x0, x1], fast_mode=fast_mode)


@MODES
def test_wrong_backward_returns_false_without_raising(fast_mode):
    x = leaf([0.5, -1.0, 2.0])
    assert gradcheck(WrongSquare.apply, [x], fast_mode=fast_mode, raise_exception=False) is False


def test_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_tolerance_decides_the_verdict():
    x = leaf([1.0])   # analytic 3, numeric 2: the error 1 is within rtol 0.6 * 2 + atol
    assert gradcheck(WrongSquare.apply, [x], rtol=0.6)
    assert not gradcheck(WrongSquare.apply, [x], rtol=0.4, raise_exception=False)


@MODES
def test_gradient_of_wrong_dtype_fails(fast_mode, monkeypatch):
    # The engine casts gradients to the input's dtype, so fake an engine that does not.
    x = leaf([1.0, 2.0])

    def fn(x):
        y = Square.apply(x)
        real_backward = y.backward

        def backward(grad, retain_graph=False):
            real_backward(grad, retain_graph)
            x.grad = x.grad.array.astype(np.float32)

        y.backward = backward
        return y

    with pytest.raises(GradcheckError, match="dtype float32, expected shape"):
        gradcheck(fn, [x], fast_mode=fast_mode)


# ---------------------------------------------------------------- bad arguments

def test_float32_input_is_a_type_error_naming_it():
    x0, x1 = leaf([1.0]), leaf([2.0], dtype=np.float32)
    with pytest.raises(TypeError, match="input 1 is float32; finite differences need float64"):
        gradcheck(Mul.apply, [x0, x1])


def test_no_input_requiring_grad_is_a_value_error():
    with pytest.raises(ValueError, match="no input"):
        gradcheck(Square.apply, [leaf([1.0], requires_grad=False)])


def test_non_tensor_output_is_a_type_error():
    with pytest.raises(TypeError, match="output 0"):
        gradcheck(lambda x: x.array, [leaf([1.0])])


# ---------------------------------------------------------------- inputs left alone

@MODES
@pytest.mark.parametrize("function", [Mul, WrongMulSecond])
def test_inputs_data_and_grad_are_unchanged(fast_mode, function):
    x0, x1 = leaf([[1.0, -2.0], [0.5, -0.0]]), leaf([[0.3, 4.0], [-1.5, 2.0]])
    x0.grad = np.array([[7.0, 8.0], [9.0, 10.0]])
    arrays, grads = (x0.array, x1.array), (x0.grad, x1.grad)
    values, grad_values = x0.array.copy(), x0.grad.array.copy()
    gradcheck(function.apply, [x0, x1], fast_mode=fast_mode, raise_exception=False)
    assert x0.array is arrays[0] and x1.array is arrays[1]
    assert x0.grad is grads[0] and x1.grad is None
    np.testing.assert_array_equal(x0.array, values)
    assert np.array_equal(np.signbit(x0.array), np.signbit(values))
    np.testing.assert_array_equal(x0.grad, grad_values)


def test_inputs_are_restored_when_fn_raises():
    x = leaf([1.0, 2.0])
    array, values, calls = x.array, x.array.copy(), []

    def fn(x):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("boom")
        return Square.apply(x)

    with pytest.raises(RuntimeError, match="boom"):
        gradcheck(fn, [x])
    assert x.array is array and x.grad is None
    np.testing.assert_array_equal(x.array, values)
