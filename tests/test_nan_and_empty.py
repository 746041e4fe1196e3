"""NaN and infinities propagate as IEEE arithmetic and PyTorch say, on every path; empty
tensors give PyTorch's results (the mean of nothing is NaN, a softmax over no elements is
empty, a logsumexp over none is -inf) or, where PyTorch has none (the maximum of nothing), an
error naming the op. The expected values are PyTorch's (2.x), written out."""

import numpy as np
import pytest

from tinygrad_rnn import Tensor, nn, ops

NAN, INF = np.nan, np.inf


def grad_of(tensor) -> np.ndarray:
    """The gradient's values, whether ``.grad`` holds an array or a Tensor."""
    return np.asarray(getattr(tensor.grad, "array", tensor.grad))


def test_relu_of_nan_is_nan_and_passes_the_gradient_there():
    x = Tensor([NAN, -1.0, 0.0, 2.0], requires_grad=True)
    y = ops.relu(x)
    np.testing.assert_array_equal(y.array, [NAN, 0.0, 0.0, 2.0])
    y.backward(np.ones(4))
    np.testing.assert_array_equal(grad_of(x), [1.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "stepwise"])
def test_relu_rnn_turns_nan_input_into_nan_on_both_paths(fused):
    layer = nn.RNN(2, 3, nonlinearity="relu", fused=fused, dtype=np.float64)
    x = np.ones((3, 1, 2))
    x[1, 0, 0] = NAN
    output, h = layer(Tensor(x))
    assert np.isnan(output.array[1:]).all() and np.isnan(h.array).all()
    assert not np.isnan(output.array[0]).any()


@pytest.mark.parametrize("row, expected", [
    ([INF, 0.5, -INF], INF),
    ([-INF, -INF], -INF),
    ([INF, INF], INF),
    ([INF, NAN], NAN),
    ([1.0, NAN], NAN),
])
def test_logsumexp_of_infinities_is_pytorchs(row, expected):
    np.testing.assert_array_equal(ops.logsumexp(Tensor(row)).array, expected)


@pytest.mark.parametrize("op", [ops.softmax, ops.log_softmax], ids=lambda f: f.__name__)
def test_softmax_family_of_an_infinite_row_is_nan_as_pytorchs(op):
    assert np.isnan(op(Tensor([INF, 0.5])).array).all()


def test_mean_of_nothing_is_nan():
    assert np.isnan(ops.mean(Tensor(np.zeros(0))).array)
    np.testing.assert_array_equal(ops.mean(Tensor(np.zeros((2, 0))), 1).array, [NAN, NAN])
    assert ops.mean(Tensor(np.zeros((0, 3))), 1).shape == (0,)


@pytest.mark.parametrize("op", [ops.softmax, ops.log_softmax], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape, axis", [((2, 0), 1), ((0, 3), 0), ((2, 0, 3), 1), ((0,), 0)])
def test_softmax_family_over_a_zero_length_axis_is_empty(op, shape, axis):
    x = Tensor(np.zeros(shape), requires_grad=True)
    y = op(x, axis)
    assert y.shape == shape
    y.backward(np.zeros(shape))
    assert grad_of(x).shape == shape


@pytest.mark.parametrize("shape, axis, expected", [
    ((2, 0), 1, [-INF, -INF]), ((0, 2), 0, [-INF, -INF]), ((0,), 0, -INF), ((0, 2), 1, np.zeros(0)),
])
def test_logsumexp_over_a_zero_length_axis_is_minus_infinity(shape, axis, expected):
    x = Tensor(np.zeros(shape), requires_grad=True)
    y = ops.logsumexp(x, axis)
    np.testing.assert_array_equal(y.array, expected)
    y.backward(np.ones(y.shape))
    assert grad_of(x).shape == shape


@pytest.mark.parametrize("op", [ops.max, ops.min], ids=lambda f: f.__name__)
def test_max_and_min_over_an_empty_axis_are_errors_naming_the_op(op):
    name = op.__name__
    with pytest.raises(ValueError, match=rf"^{name}: dim 1 has length 0"):
        op(Tensor(np.zeros((2, 0))), 1)
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce over dim 0, which has length 0"):
        op(Tensor(np.zeros((0, 3))))
    assert op(Tensor(np.zeros((0, 3))), 1).values.shape == (0,)   # the empty dim is not reduced


def test_cross_entropy_over_no_classes_is_nan_when_every_target_is_ignored():
    assert np.isnan(ops.cross_entropy(Tensor(np.zeros((2, 0))), np.array([-100, -100])).array)
    with pytest.raises(ValueError, match=r"target 0 is outside \[0, 0\)"):
        ops.cross_entropy(Tensor(np.zeros((2, 0))), np.array([0, -100]))
