"""PyTorch's recurrent classes, with PyTorch's constructors, call signatures and outputs.

``RNN``, ``LSTM`` and ``GRU`` are :class:`~tinygrad_rnn.nn.Recurrent` layers of the ``rnn``,
``lstm`` and ``gru`` cell plugins; ``RNNCell``, ``LSTMCell`` and ``GRUCell`` build the
plugins' cells for single-step use (``cell(x, hx) -> new state``). Each resolves its cell
through the registry, exactly as a third party's cell would be, by its qualified name
(``tinygrad-rnn-lstm:lstm``): these classes always mean the built-in distributions, so an
installed third-party cell that is also named ``lstm`` cannot make them ambiguous.
"""

import numpy as np

from .recurrent import BUILTIN_PLUGINS, Recurrent, resolve_cell


def builtin(name: str) -> str:
    """The qualified registry name of the built-in cell ``name``: ``dist:name``."""
    return f"{BUILTIN_PLUGINS['cell', name]}:{name}"


class RNN(Recurrent):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), or relu with
    ``nonlinearity="relu"``. See :class:`Recurrent` for the arguments and the call."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=np.float32, fused=None):
        super().__init__(builtin("rnn"), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, fused, nonlinearity=nonlinearity)


class LSTM(Recurrent):
    """Long short-term memory; the state is ``(h, c)``. With ``proj_size`` > 0, h is
    projected to that size by ``weight_hr_l{k}``. See :class:`Recurrent`."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, dtype=np.float32, fused=None):
        super().__init__(builtin("lstm"), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, fused, proj_size=proj_size)


class GRU(Recurrent):
    """Gated recurrent unit with PyTorch's gate order (r, z, n) and, by default, its
    reset-after form; ``reset="before"`` gives the original paper's form. See
    :class:`Recurrent`."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=np.float32, fused=None, reset="after"):
        super().__init__(builtin("gru"), input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, fused, reset=reset)


def RNNCell(input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=np.float32):  # noqa: N802
    """The ``rnn`` plugin's cell: ``cell(x, h=None) -> h'``."""
    return resolve_cell(builtin("rnn"))(input_size, hidden_size, bias=bias, dtype=dtype,
                                        nonlinearity=nonlinearity)


def LSTMCell(input_size, hidden_size, bias=True, dtype=np.float32):  # noqa: N802
    """The ``lstm`` plugin's cell: ``cell(x, (h, c)=None) -> (h', c')``."""
    return resolve_cell(builtin("lstm"))(input_size, hidden_size, bias=bias, dtype=dtype)


def GRUCell(input_size, hidden_size, bias=True, dtype=np.float32, reset="after"):  # noqa: N802
    """The ``gru`` plugin's cell: ``cell(x, h=None) -> h'``."""
    return resolve_cell(builtin("gru"))(input_size, hidden_size, bias=bias, dtype=dtype,
                                        reset=reset)
