"""detect_anomaly: the first NaN or infinity raises, naming the op, the shapes and the line."""

import inspect
import os
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import AnomalyError, Tensor, anomaly, detect_anomaly

THIS_FILE = os.path.basename(__file__)


@pytest.fixture(autouse=True)
def quiet_numpy():
    """NumPy warns about the very values these tests create on purpose."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.mark.parametrize("value", [-1.0, 0.0])
def test_log_of_a_non_positive_value_raises_in_forward_naming_op_shape_and_line(value):
    x = Tensor(np.full((2, 3), 1.0), requires_grad=True)
    x.array[1, 2] = value
    with detect_anomaly():
        with pytest.raises(AnomalyError) as error:
            line = inspect.currentframe().f_lineno + 1
            x.log()  # the line the message must point at
    message = str(error.value)
    assert "Log" in message
    assert "(2, 3)" in message
    assert "forward" in message
    assert f"{THIS_FILE}:{line}" in message


def test_anomaly_error_is_a_floating_point_error():
    assert issubclass(AnomalyError, FloatingPointError)


def test_anomaly_in_forward_also_raises_for_constants():
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="Log"):
            tg.log(Tensor(np.array([-1.0])))


def test_non_finite_gradient_in_backward_raises_naming_the_op():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with detect_anomaly():
        y = (x ** 0.5).sum()  # forward is finite: sqrt(0) == 0
        assert np.all(np.isfinite(y.array))
        with pytest.raises(AnomalyError) as error:
            y.backward()  # d sqrt(x)/dx = 0.5 / sqrt(x) is inf at 0
    message = str(error.value)
    assert "Pow" in message
    assert "backward" in message
    assert "(2,)" in message
    assert THIS_FILE in message  # where the Pow was created


def test_nan_arising_only_in_backward_raises():
    # forward: sqrt(0) * 0 = 0, finite; backward: the upstream gradient of sqrt is 0 and its
    # local derivative 0.5 / sqrt(0) is inf, and 0 * inf is NaN.
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with detect_anomaly():
        loss = (x ** 0.5 * 0.0).sum()
        with pytest.raises(AnomalyError, match=r"Pow.*backward") as error:
            loss.backward()
    assert THIS_FILE in str(error.value)


def test_nothing_is_raised_outside_the_context():
    x = Tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    y = x.log()
    assert np.isnan(y.array[0]) and np.isneginf(y.array[1])
    z = Tensor(np.array([0.0]), requires_grad=True)
    (z ** 0.5).sum().backward()
    assert np.isinf(z.grad.array[0])


def test_finite_computations_pass_inside_the_context():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    with detect_anomaly():
        (x.log() * x.tanh()).sum().backward()
    np.testing.assert_allclose(
        x.grad, np.tanh(x.array) / x.array + np.log(x.array) * (1 - np.tanh(x.array) ** 2))


def test_nested_contexts_restore_the_previous_state():
    assert not anomaly.is_enabled()
    with detect_anomaly():
        assert anomaly.is_enabled()
        with detect_anomaly():
            assert anomaly.is_enabled()
        assert anomaly.is_enabled()
        with pytest.raises(AnomalyError):
            tg.log(Tensor(np.array([-1.0])))  # still checking after the inner block
    assert not anomaly.is_enabled()
    tg.log(Tensor(np.array([-1.0])))  # and no longer checking after the outer one


def test_state_is_restored_after_an_exception():
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            tg.log(Tensor(np.array([-1.0])))
    assert not anomaly.is_enabled()
    with pytest.raises(KeyError):
        with detect_anomaly():
            raise KeyError("unrelated")
    assert not anomaly.is_enabled()
