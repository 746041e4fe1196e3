"""The recurrent layer never reads the padding past ``lengths``, takes an empty batch and a
NumPy initial state, and its cells' whole-sequence path checks the state against the input
before the compiled loops run (the crashing case in a child process)."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, nn

from isolated import errors_of_calls

LAYERS = [nn.RNN, nn.LSTM, nn.GRU]
PATHS = pytest.mark.parametrize("fused", [True, False], ids=["fused", "stepwise"])


def grad_of(tensor) -> np.ndarray:
    """The gradient's values, whether ``.grad`` holds an array or a Tensor."""
    return np.asarray(getattr(tensor.grad, "array", tensor.grad))


def results_with_padding(layer, x, lengths, fill):
    """Output, final states and every gradient, with ``fill`` in the steps past ``lengths``."""
    x = x.copy()
    for n, length in enumerate(lengths):
        x[length:, n] = fill
    x = Tensor(x, requires_grad=True)
    layer.zero_grad()
    output, final = layer(x, lengths=lengths)
    final = final if isinstance(final, tuple) else (final,)
    (output.sum() + sum(f.sum() for f in final)).backward()
    return [output.array, *(f.array for f in final), grad_of(x),
            *(grad_of(p) for p in layer.parameters())]


@PATHS
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("layer_class", LAYERS, ids=lambda c: c.__name__)
def test_nan_and_inf_in_the_padding_reach_no_output_and_no_gradient(layer_class, bidirectional,
                                                                     fused):
    tg.manual_seed(0)
    layer = layer_class(3, 4, num_layers=2, bidirectional=bidirectional, fused=fused,
                        dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((5, 3, 3))
    lengths = np.array([5, 2, 3])
    clean = results_with_padding(layer, x, lengths, 0.0)
    for fill in (np.nan, np.inf, -np.inf):
        for got, expected in zip(results_with_padding(layer, x, lengths, fill), clean):
            np.testing.assert_array_equal(got, expected)
    assert all(np.isfinite(value).all() for value in clean)


@PATHS
@pytest.mark.parametrize("batch_first", [False, True], ids=["TNI", "NTI"])
def test_an_empty_batch_gives_empty_outputs_and_states_of_pytorchs_shapes(fused, batch_first):
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, fused=fused, batch_first=batch_first)
    x = Tensor(np.zeros((0, 5, 3) if batch_first else (5, 0, 3), np.float32), requires_grad=True)
    output, (h, c) = layer(x, lengths=np.zeros(0, np.int64))
    assert output.shape == ((0, 5, 8) if batch_first else (5, 0, 8))
    assert h.shape == c.shape == (4, 0, 4)
    output.sum().backward()
    assert grad_of(x).shape == x.shape


def test_an_input_without_time_steps_is_still_refused_by_name():
    with pytest.raises(ValueError, match=r"GRU: input of shape \(2, 0, 3\) is empty: it has no time steps"):
        nn.GRU(3, 4, batch_first=True)(Tensor(np.zeros((2, 0, 3), np.float32)))


@PATHS
@pytest.mark.parametrize("layer_class", [nn.RNN, nn.GRU], ids=lambda c: c.__name__)
def test_h0_may_be_a_numpy_array(layer_class, fused):
    layer = layer_class(3, 4, fused=fused, dtype=np.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    h0 = np.random.default_rng(1).standard_normal((1, 2, 4))
    from_array, from_tensor = layer(x, h0), layer(x, Tensor(h0))
    np.testing.assert_array_equal(from_array[0].array, from_tensor[0].array)
    np.testing.assert_array_equal(from_array[1].array, from_tensor[1].array)


@pytest.mark.parametrize("state", [3, "h", [[0.0]]], ids=["int", "str", "nested list"])
def test_a_state_that_is_not_tensors_is_refused_by_name(state):
    with pytest.raises(TypeError, match=r"GRU: state \(PyTorch's hx\) must be a Tensor or a NumPy "
                                        r"array, or a tuple of them \('h',\); got"):
        nn.GRU(3, 4)(Tensor(np.zeros((5, 2, 3), np.float32)), state)


def test_fused_sequence_refuses_a_state_whose_batch_differs_from_the_inputs():
    # Each call used to write past the end of the state and kill the process.
    setup = """
        import numpy as np
        from tinygrad_rnn import Tensor, nn
        x = Tensor(np.zeros((5, 100000, 3), np.float32))
        cells = {"lstm": nn.LSTMCell(3, 4), "gru": nn.GRUCell(3, 4), "rnn": nn.RNNCell(3, 4)}
    """
    errors = errors_of_calls(setup, {
        name: f"cells[{name!r}].sequence(x, cells[{name!r}].initial_state(1))"
        for name in ("lstm", "gru", "rnn")} | {
        "lengths": "cells['gru'].sequence(x[:, :2], cells['gru'].initial_state(2), np.array([9, 1]))",
        "dtype": "cells['rnn'].sequence(x[:, :2], (Tensor(np.zeros((2, 4))),))",
    })
    for name, cell in (("lstm", "LSTMCell"), ("gru", "GRUCell"), ("rnn", "ElmanCell")):
        assert errors[name] == (f"ValueError: {cell}.sequence: expected state 'h' of shape "
                                "(100000, 4) (the batch of x, 4 features), got (1, 4)")
    assert errors["lengths"].startswith("ValueError: GRUCell.sequence: lengths must lie in [1, 5]")
    assert errors["dtype"] == "TypeError: ElmanCell.sequence: h has dtype float64, the cell's is float32"


@pytest.mark.parametrize("x_shape, state_shapes, lengths, error, message", [
    ((5, 2, 3), [(2, 4)], None, TypeError, r"state must be a tuple of tensors \('h', 'c'\), got Tensor"),
    ((5, 2), [(2, 4), (2, 4)], None, ValueError, r"expected x of shape \(T, N, 3\) .* got \(5, 2\)"),
    ((5, 0, 3), [(0, 4), (0, 4)], None, ValueError, r"expected x .* with T, N >= 1, got \(5, 0, 3\)"),
    ((5, 2, 3), [(2, 4)], None, ValueError, r"expected a state of 2 tensor\(s\) \('h', 'c'\), got 1"),
    ((5, 2, 3), [(2, 4), (2, 5)], None, ValueError, r"expected state 'c' of shape \(2, 4\)"),
    ((5, 2, 3), [(2, 4), (2, 4)], [5, 0], ValueError, r"lengths must lie in \[1, 5\]"),
])
def test_check_sequence_names_what_does_not_fit(x_shape, state_shapes, lengths, error, message):
    # check_sequence only looks at shapes and dtypes: safe to call in this process
    cell = nn.LSTMCell(3, 4)
    state = tuple(Tensor(np.zeros(s, np.float32)) for s in state_shapes)
    with pytest.raises(error, match=r"^LSTMCell.sequence: " + message):
        cell.check_sequence(Tensor(np.zeros(x_shape, np.float32)),
                            state[0] if error is TypeError else state, lengths)
