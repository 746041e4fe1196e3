"""The bidirectional wrapper: a layer of two cells, one reading forward in time, one in reverse."""

from __future__ import annotations

from tinygrad_rnn import ops
from tinygrad_rnn.nn.module import Module, ModuleList
from tinygrad_rnn.nn.recurrent import run_cell


class Bidirectional(Module):
    r"""Two cells over one sequence, the second from the end to the start; outputs side by side.

    .. math::

        \begin{aligned}
        \overrightarrow{h}_t &= \mathrm{cell}_0(x_t, \overrightarrow{h}_{t-1}),
            \quad t = 1, \dots, T_n                                          && (1) \\
        \overleftarrow{h}_t &= \mathrm{cell}_1(x_t, \overleftarrow{h}_{t+1}),
            \quad t = T_n, \dots, 1                                           && (2) \\
        y_t &= [\overrightarrow{h}_t ; \overleftarrow{h}_t]                     && (3)
        \end{aligned}

    where :math:`x_t` is the input at step :math:`t`, :math:`T_n` the length of sequence
    :math:`n` (``lengths[n]``, or T), :math:`\mathrm{cell}_0` and :math:`\mathrm{cell}_1` the
    forward and reverse cells (each with its own parameters), :math:`\overrightarrow{h}_t`
    and :math:`\overleftarrow{h}_t` their outputs and states (the whole state tuple, such as
    the LSTM's ``(h, c)``), :math:`\overrightarrow{h}_0` and :math:`\overleftarrow{h}_{T_n+1}`
    the given initial states, and :math:`[\,\cdot\,;\,\cdot\,]` concatenation on the feature
    axis. The reverse direction starts at each sequence's own last valid step, and its
    outputs are stored at their original time index, so :math:`y_t` pairs the two
    directions' views of the same :math:`x_t`. Past a sequence's end :math:`y_t` is zero.

    Shapes, where:

    * T is the number of steps, N the batch size, I the input features, H' the cell's
      ``output_size``;
    * ``x`` is (T, N, I); ``states`` is a list of two state tuples, forward then reverse,
      each tensor (N, size); the output is (T, N, 2H').

    Layout: ``cells[0]`` is the forward cell, ``cells[1]`` the reverse one. This is the
    order of the states and of the state dict (PyTorch's ``_l{k}`` and ``_l{k}_reverse``).

    Args:
        make_cell: a function of no arguments that builds one cell; called twice.

    >>> import numpy as np
    >>> from tinygrad_rnn.nn.recurrent import Recurrent
    >>> from tinygrad_rnn.tensor import Tensor
    >>> layer = Recurrent("gru", 3, 4, bidirectional=True, dtype=np.float64)
    >>> [name for name, _ in layer.named_parameters()][:5]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']
    >>> output, h = layer(Tensor(np.ones((5, 2, 3))))
    >>> output.shape, h.shape
    ((5, 2, 8), (2, 2, 4))
    """

    num_directions = 2

    def __init__(self, make_cell):
        super().__init__()
        self.cells = ModuleList([make_cell(), make_cell()])

    def forward(self, x, states, lengths=None, fused=None):
        forward_cell, reverse_cell = self.cells
        # (1) forward in time, from states[0]
        forward_output, forward_final = run_cell(forward_cell, x, states[0], lengths, fused=fused)
        # (2) in reverse from each sequence's last valid step, outputs at their own time index
        reverse_output, reverse_final = run_cell(reverse_cell, x, states[1], lengths,
                                                 reverse=True, fused=fused)
        # (3) y_t = [→h_t ; ←h_t]
        output = ops.concatenate([forward_output, reverse_output], axis=-1)
        return output, [forward_final, reverse_final]
