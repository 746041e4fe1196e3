"""The recurrent layer's own behaviour: clear errors for bad input, the fused-path switch,
truncated backpropagation through time, and the missing-plugin hint. (Cell semantics are
certified by the conformance kit; PyTorch parity lives in tests/parity.)"""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, nn, plugins
from tinygrad_rnn.nn.recurrent import STEPWISE_ENV, use_fused


def lstm(**options):
    tg.manual_seed(0)
    return nn.LSTM(3, 4, dtype=np.float64, **options)


def inputs(T=5, N=2, I=3):
    return Tensor(np.random.default_rng(1).standard_normal((T, N, I)))


# ---------------------------------------------------------------- bad input, clear errors

@pytest.mark.parametrize("x, message", [
    (np.zeros((5, 2, 7)), r"expected input with 3 features \(input_size\).*\(5, 2, 7\)"),
    (np.zeros((3,)), r"expected input of 3 dimensions \(T, N, I\) or 2 \(T, I\), got shape \(3,\)"),
    (np.zeros((0, 2, 3)), r"input of shape \(0, 2, 3\) is empty"),
    (np.zeros((5, 2, 3), np.float32), r"input dtype float32 differs from the parameters' float64"),
])
def test_bad_input_names_what_was_expected_and_given(x, message):
    with pytest.raises((ValueError, TypeError), match=message):
        lstm()(Tensor(x))


def test_wrong_state_count_and_shape_are_named():
    layer, x = lstm(), inputs()
    h = Tensor(np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"expected a state of 2 tensor\(s\) \('h', 'c'\), got 1"):
        layer(x, (h,))
    with pytest.raises(ValueError, match=r"expected state 'c' of shape \(1, 2, 4\), got \(1, 3, 4\)"):
        layer(x, (h, Tensor(np.zeros((1, 3, 4)))))
    with pytest.raises(TypeError, match=r"state 'h' has dtype float32, expected float64"):
        layer(x, (Tensor(np.zeros((1, 2, 4), np.float32)), h))


@pytest.mark.parametrize("lengths, error, message", [
    (np.array([5, 6]), ValueError, r"lengths must lie in \[1, 5\].*from 5 to 6"),
    (np.array([0, 5]), ValueError, r"lengths must lie in \[1, 5\]"),
    (np.array([5, 4, 3]), ValueError, r"expected 2 lengths \(one per sequence\), got shape \(3,\)"),
    (np.array([5.0, 4.0]), TypeError, r"lengths must be integers, got dtype float64"),
])
def test_bad_lengths_are_named(lengths, error, message):
    with pytest.raises(error, match=message):
        lstm()(inputs(), lengths=lengths)


@pytest.mark.parametrize("options, message", [
    ({"num_layers": 0}, "num_layers must be a positive int, got 0"),
    ({"dropout": 1.5}, r"dropout must lie in \[0, 1\], got 1.5"),
])
def test_bad_constructor_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        lstm(**options)


def test_a_cell_that_is_neither_a_name_nor_a_class_is_refused():
    with pytest.raises(TypeError, match="cell must be a registered name or a class, got 3"):
        nn.Recurrent(3, 2, 2)


def test_a_disabled_builtin_plugin_says_so_and_how_to_enable_it(monkeypatch):
    monkeypatch.setenv(plugins.DISABLE_ENV, "lstm")
    with pytest.raises(plugins.PluginError, match=r"tinygrad-rnn-lstm.*installed but disabled.*"
                       r"remove it from TINYGRAD_RNN_DISABLE_PLUGINS") as caught:
        nn.LSTM(3, 4)
    assert "pip install" not in str(caught.value)


def test_an_unknown_cell_name_lists_the_available_ones():
    with pytest.raises(plugins.PluginError, match="lstm"):
        nn.Recurrent("no-such-cell", 3, 4)


# ---------------------------------------------------------------- the fused-path switch

def test_fused_switch_follows_argument_then_environment(monkeypatch):
    monkeypatch.delenv(STEPWISE_ENV, raising=False)
    assert use_fused(None) and not use_fused(False) and use_fused(True)
    monkeypatch.setenv(STEPWISE_ENV, "1")
    assert not use_fused(None) and use_fused(True)


def test_stepwise_environment_gives_the_same_result_as_fused(monkeypatch):
    layer, x = lstm(), inputs()
    fused, _ = layer(x)
    monkeypatch.setenv(STEPWISE_ENV, "1")
    stepwise, _ = layer(x)
    assert stepwise.op != fused.op  # Stack of the steps, not the fused Function
    np.testing.assert_allclose(stepwise.array, fused.array, rtol=1e-12)


# ---------------------------------------------------------------- truncated BPTT

def gradients(layer, chunks, x, detach):
    """Train-step gradients of sum(output²) over ``x`` cut into ``chunks`` time chunks."""
    layer.zero_grad()
    state, loss = None, 0.0
    for piece in np.array_split(np.arange(x.shape[0]), chunks):
        output, state = layer(Tensor(x[piece]), state)
        loss = loss + (output * output).sum()
        if detach:
            state = nn.detach_state(state)
    loss.backward()
    return [p.grad.array.copy() for p in layer.parameters()]


def test_one_chunk_as_long_as_the_sequence_equals_full_backpropagation():
    layer, x = lstm(), inputs(T=6).array
    full = gradients(layer, 1, x, detach=False)
    for a, b in zip(gradients(layer, 1, x, detach=True), full):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_carried_undetached_state_equals_full_backpropagation():
    layer, x = lstm(), inputs(T=6).array
    full = gradients(layer, 1, x, detach=False)
    for a, b in zip(gradients(layer, 3, x, detach=False), full):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_detached_chunks_cut_the_gradient_between_chunks():
    layer, x = lstm(), inputs(T=6).array
    full = gradients(layer, 1, x, detach=False)
    truncated = gradients(layer, 3, x, detach=True)
    assert any(not np.allclose(a, b) for a, b in zip(truncated, full))


def test_detach_state_keeps_the_structure_and_cuts_every_tensor():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    state = {"a": (y, [y, None])}
    cut = nn.detach_state(state)
    assert isinstance(cut["a"], tuple) and isinstance(cut["a"][1], list) and cut["a"][1][1] is None
    assert not cut["a"][0].requires_grad and cut["a"][0].op is None
    np.testing.assert_array_equal(cut["a"][0].array, y.array)
    with pytest.raises(TypeError, match="detach_state: expected tensors"):
        nn.detach_state("h")


# ---------------------------------------------------------------- PyTorch-style conveniences

def test_recurrent_layer_exposes_pytorch_parameter_attributes_and_repr():
    layer = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True, dropout=0.5)
    assert layer.weight_hh_l1_reverse.shape == (12, 4)
    assert repr(layer) == "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"
    with pytest.raises(AttributeError):
        layer.weight_hh_l2


def test_single_step_cells_follow_pytorch_call_convention():
    tg.manual_seed(0)
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    h, c = cell(Tensor(np.ones((2, 3))))
    assert h.shape == c.shape == (2, 4)
    h1 = nn.GRUCell(3, 4, dtype=np.float64)(Tensor(np.ones(3)))
    assert h1.shape == (4,)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\) or \(3,\), got \(2, 5\)"):
        nn.RNNCell(3, 4)(Tensor(np.ones((2, 5), np.float32)))


# ---------------------------------------------------------------- dropout between layers

def test_dropout_acts_between_layers_in_training_only():
    x = inputs()
    tg.manual_seed(0)
    dropped = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=np.float64)
    plain = nn.LSTM(3, 4, num_layers=2, dtype=np.float64)
    plain.load_state_dict(dropped.state_dict())
    reference, _ = plain(x)
    training, _ = dropped(x)
    assert not np.allclose(training.array, reference.array)
    dropped.eval()
    evaluation, _ = dropped(x)
    np.testing.assert_array_equal(evaluation.array, reference.array)


def test_dropout_leaves_the_last_layers_output_alone():
    x = inputs()
    tg.manual_seed(0)
    single = nn.GRU(3, 4, num_layers=1, dropout=0.9, dtype=np.float64)
    plain = nn.GRU(3, 4, num_layers=1, dtype=np.float64)
    plain.load_state_dict(single.state_dict())
    np.testing.assert_array_equal(single(x)[0].array, plain(x)[0].array)
