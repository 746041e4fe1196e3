"""The loss and activation modules, ``Identity`` and ``Flatten``: each gives its NumPy
definition on fixed inputs, keeps its options, and refuses what PyTorch deprecates."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, nn

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 4))
TARGET = np.array([[0, 2, 1, -100], [1, 1, 0, 2]])


def log_softmax(x, axis):
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def picked(logp, target):
    """-logp[n, target[n, d], d] for the counted positions (classes on axis 1)."""
    return [-logp[n, t, d] for (n, d), t in np.ndenumerate(target) if t != -100]


@pytest.mark.parametrize("module, expected", [
    (nn.CrossEntropyLoss(), np.mean(picked(log_softmax(X, 1), TARGET))),
    (nn.CrossEntropyLoss(reduction="sum"), np.sum(picked(log_softmax(X, 1), TARGET))),
    (nn.NLLLoss(), np.mean(picked(X, TARGET))),
])
def test_class_losses(module, expected):
    np.testing.assert_allclose(module(Tensor(X), TARGET).item(), expected, rtol=1e-12)


def test_weighted_cross_entropy_divides_by_the_weights_of_the_counted_targets():
    weight = np.array([1.0, 2.0, 0.5])
    counted = [(n, d, t) for (n, d), t in np.ndenumerate(TARGET) if t != -100]
    logp = log_softmax(X, 1)
    expected = (sum(-weight[t] * logp[n, t, d] for n, d, t in counted)
                / sum(weight[t] for _, _, t in counted))
    loss = nn.CrossEntropyLoss(weight=Tensor(weight))(Tensor(X), TARGET)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)


@pytest.mark.parametrize("module, expected", [
    (nn.MSELoss(), np.mean((X - 0.5) ** 2)),
    (nn.L1Loss(reduction="sum"), np.sum(np.abs(X - 0.5))),
    (nn.BCEWithLogitsLoss(reduction="none"),
     -(0.5 * np.log(1 / (1 + np.exp(-X))) + 0.5 * np.log(1 - 1 / (1 + np.exp(-X))))),
])
def test_elementwise_losses(module, expected):
    np.testing.assert_allclose(module(Tensor(X), Tensor(np.full(X.shape, 0.5))).array, expected,
                               rtol=1e-12)


def test_bce_loss_of_one_half_is_log_2_times_the_weight():
    half = Tensor(np.full((2, 3), 0.5))
    np.testing.assert_allclose(nn.BCELoss(weight=np.full((2, 3), 2.0))(half, half).item(),
                               2 * np.log(2.0), rtol=1e-12)


@pytest.mark.parametrize("module, expected", [
    (nn.ReLU(), np.maximum(X, 0)), (nn.Tanh(), np.tanh(X)), (nn.Sigmoid(), 1 / (1 + np.exp(-X))),
    (nn.Softmax(dim=1), np.exp(log_softmax(X, 1))), (nn.LogSoftmax(dim=-1), log_softmax(X, -1)),
    (nn.Identity(54, unused=True), X), (nn.Flatten(), X.reshape(2, 12)),
    (nn.Flatten(0, 1), X.reshape(6, 4)), (nn.Flatten(-2, -1), X.reshape(2, 12)),
])
def test_activations_and_shape_modules(module, expected):
    np.testing.assert_allclose(module(Tensor(X)).array, expected, rtol=1e-12)


def test_modules_in_a_sequential_and_their_reprs():
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3), nn.ReLU(), nn.LogSoftmax(dim=1))
    assert net(Tensor(X.astype(np.float32))).shape == (2, 3)
    assert repr(net[3]) == "LogSoftmax(dim=1)"
    assert repr(nn.CrossEntropyLoss(reduction="sum")) == "CrossEntropyLoss(reduction='sum')"
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.Softmax(), TypeError, r"Softmax: pass dim="),
    (lambda: nn.ReLU(inplace=True), ValueError, r"inplace=True is not supported"),
    (lambda: nn.Flatten(2, 1)(Tensor(X)), ValueError, r"start_dim=2, end_dim=1 do not fit"),
    (lambda: nn.MSELoss(reduction="avg")(Tensor(X), Tensor(X)), ValueError,
     r"reduction must be one of"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_nn_utils_clipping_is_the_optimizers():
    assert nn.utils.clip_grad_norm_ is tg.optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is tg.optim.clip_grad_value_
