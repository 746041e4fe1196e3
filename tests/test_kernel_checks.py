"""The kernel wrappers check every argument before a compiled loop sees it: a dtype the
loops do not take is a TypeError, a size that does not fit a ValueError, an index out of its
range an IndexError, each naming the wrapper and the argument. The loops check no bounds, so
the calls that would otherwise write past an array's end run in a child process."""

import re

import numpy as np
import pytest

from tinygrad_rnn._kernels import activations, losses, scatter, softmax

import naive
from isolated import errors_of_calls

UNARY = [activations.sigmoid, activations.tanh, activations.relu, activations.erf,
         softmax.softmax_rows, softmax.log_softmax_rows, softmax.logsumexp_rows]
BACKWARD = [activations.sigmoid_backward, activations.tanh_backward, activations.relu_backward,
            softmax.softmax_backward_rows, softmax.log_softmax_backward_rows]
NOT_FLOAT = [np.array([[0, 2, -3]]), np.array([[True, False]]), np.array([[0.5, 2.0]], np.float16),
             np.array([[0.5, 2.0]], object)]


@pytest.mark.parametrize("kernel", UNARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", NOT_FLOAT, ids=lambda a: str(a.dtype))
def test_values_that_are_not_float32_or_float64_are_refused_by_name(kernel, x):
    # tanh([0, 2, -3]) used to give [0, 0, 0]; float16 and object arrays a Numba typing error
    with pytest.raises(TypeError, match=rf"{kernel.__name__}: x must be a float32 or float64 "
                                        rf"array, got dtype {x.dtype}"):
        kernel(x)


@pytest.mark.parametrize("kernel", BACKWARD, ids=lambda f: f.__name__)
def test_backward_upstream_gradient_must_be_float(kernel):
    with pytest.raises(TypeError, match=rf"{kernel.__name__}: gy must be a float32 or float64"):
        kernel(np.ones((2, 3)), np.ones((2, 3), np.int64))


@pytest.mark.parametrize("kernel", [softmax.softmax_rows, softmax.logsumexp_rows],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [np.array(1.0), np.ones(3), np.ones((1, 2, 3))], ids=np.ndim)
def test_row_kernels_need_two_dimensions(kernel, x):
    with pytest.raises(ValueError, match=rf"{kernel.__name__}: x must have 2 dimension\(s\), "
                                         rf"got shape {re.escape(str(x.shape))}"):
        kernel(x)


@pytest.mark.parametrize("kernel", [activations.tanh, activations.relu], ids=lambda f: f.__name__)
def test_elementwise_kernels_take_zero_dimensional_arrays_and_numbers(kernel):
    for x in (np.array(-0.5), -0.5):
        y = kernel(x)
        assert y.shape == () and y.dtype == np.float64
        assert y == {"tanh": np.tanh(-0.5), "relu": 0.0}[kernel.__name__]


@pytest.mark.parametrize("kernel", BACKWARD[:3], ids=lambda f: f.__name__)
def test_elementwise_backward_reads_strided_views_and_casts_gy_to_the_first_dtype(kernel):
    first = np.linspace(-0.9, 0.9, 12).reshape(4, 3).T   # a transposed view, float64
    gy = np.arange(12, dtype=np.float32).reshape(4, 3)[:, ::-1].T  # strided, float32
    gx = kernel(first, gy)
    reference = getattr(naive, kernel.__name__)
    assert gx.dtype == np.float64 and gx.flags.c_contiguous
    np.testing.assert_allclose(gx, reference(first, gy.astype(np.float64)), rtol=1e-15)


@pytest.mark.parametrize("kernel", [activations.tanh, activations.sigmoid, activations.relu],
                         ids=lambda f: f.__name__)
def test_elementwise_kernels_leave_their_input_alone(kernel):
    x = np.linspace(-2.0, 2.0, 6, dtype=np.float32).reshape(2, 3)
    kept = x.copy()
    y = kernel(x)
    assert y is not x and not np.shares_memory(x, y)
    np.testing.assert_array_equal(x, kept)


def test_cross_entropy_rows_of_no_classes_are_zero_when_ignored_and_refused_otherwise():
    assert losses.cross_entropy_rows(np.zeros((2, 0)), [-100, -100], -100).tolist() == [0, 0]
    with pytest.raises(IndexError, match=r"targets must lie in \[0, 0\) \(or equal -100\), got 0"):
        losses.cross_entropy_rows(np.zeros((2, 0)), [0, -100], -100)


def test_row_kernels_over_no_columns_give_the_empty_sum():
    assert softmax.logsumexp_rows(np.zeros((2, 0))).tolist() == [-np.inf, -np.inf]
    assert softmax.softmax_rows(np.zeros((2, 0))).shape == (2, 0)


HOSTILE_CALLS = {
    "cross-entropy target 1e9": ("losses.cross_entropy_rows", "np.zeros((2, 3)), [10**9, 0], -100",
                                 r"IndexError: cross_entropy_rows: targets must lie in \[0, 3\) "
                                 r"\(or equal -100\), got 1000000000"),
    "cross-entropy target -1e9": ("losses.cross_entropy_backward_rows",
                                  "np.zeros((2, 3)), [0, -10**9], -100, np.ones(2)",
                                  r"IndexError: cross_entropy_backward_rows: targets .* got -1000000000"),
    "cross-entropy targets per row": ("losses.cross_entropy_rows", "np.zeros((2, 3)), [0], -100",
                                      r"ValueError: cross_entropy_rows: expected one target per "
                                      r"row of x, 2, got targets of shape \(1,\)"),
    "cross-entropy gy per row": ("losses.cross_entropy_backward_rows",
                                 "np.zeros((2, 3)), [0, 1], -100, np.ones(1)",
                                 r"ValueError: cross_entropy_backward_rows: gy has shape \(1,\), "
                                 r"targets has shape \(2,\)"),
    "cross-entropy over no classes": ("losses.cross_entropy_backward_rows",
                                      "np.zeros((4, 0)), [0, 0, 0, 0], -100, np.ones(4)",
                                      r"IndexError: cross_entropy_backward_rows: targets must lie "
                                      r"in \[0, 0\)"),
    "scatter index 1e9": ("scatter.scatter_add_rows", "[0, 10**9], np.ones((2, 3)), (4, 3)",
                          r"IndexError: scatter_add_rows: indices must lie in \[0, 4\), got 1000000000"),
    "scatter index -1e9": ("scatter.scatter_add_rows", "[-10**9], np.ones((1, 3)), (4, 3)",
                           r"IndexError: scatter_add_rows: indices .* got -1000000000"),
    "scatter values shape": ("scatter.scatter_add_rows", "[0, 1, 2], np.ones((2, 3)), (4, 3)",
                             r"ValueError: scatter_add_rows: values has shape \(2, 3\), "
                             r"indices.shape \+ shape\[1:\] has shape \(3, 3\)"),
    "activation backward lengths": ("activations.tanh_backward", "np.ones(10**6), np.ones(3)",
                                    r"ValueError: tanh_backward: gy has shape \(3,\), y has shape "
                                    r"\(1000000,\)"),
    "softmax backward lengths": ("softmax.softmax_backward_rows", "np.ones((1000, 1000)), np.ones((1, 3))",
                                 r"ValueError: softmax_backward_rows: gy has shape \(1, 3\), y has "
                                 r"shape \(1000, 1000\)"),
}


def test_hostile_sizes_and_indices_are_refused_before_any_loop_runs():
    errors = errors_of_calls(
        "import numpy as np\nfrom tinygrad_rnn._kernels import activations, losses, scatter, softmax",
        {name: f"{call}({args})" for name, (call, args, _) in HOSTILE_CALLS.items()})
    for name, (_, _, expected) in HOSTILE_CALLS.items():
        assert re.match(expected, errors[name]), f"{name}: {errors[name]}"


@pytest.mark.parametrize("call, error, message", [
    (lambda: scatter.scatter_add_rows(np.array([0.0]), np.ones((1, 2)), (2, 2)), TypeError,
     r"scatter_add_rows: indices must be an integer array, got dtype float64"),
    (lambda: scatter.scatter_add_rows([0], np.ones((1, 2)), (-2, 2)), ValueError,
     r"scatter_add_rows: shape must be a non-empty tuple of sizes >= 0, got \(-2, 2\)"),
    (lambda: losses.cross_entropy_rows(np.ones((1, 2)), [0], 1.5), TypeError,
     r"cross_entropy_rows: ignore_index must be an int, got 1.5"),
    (lambda: losses.cross_entropy_rows(np.ones((1, 2)), [True], -100), TypeError,
     r"cross_entropy_rows: targets must be an integer array, got dtype bool"),
], ids=["float indices", "negative size", "float ignore_index", "bool targets"])
def test_index_arguments_of_the_wrong_kind_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()
