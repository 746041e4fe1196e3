"""The LSTM's whole-sequence ``Function``: the input projection from ``FusedRecurrence``,
the time loop from the kernels in ``kernels.py``."""

from tinygrad_rnn._kernels.products import matmul
from tinygrad_rnn.nn.fused import FusedRecurrence

from . import kernels


class LSTMSequence(FusedRecurrence):
    """All T steps of an LSTM layer (no projection) as one differentiable op.

    Inputs ``x, weight_ih, weight_hh, bias_ih, bias_hh, h0, c0``; outputs
    ``(output, h_T, c_T)``. The backward needs the gate activations and the states entering
    each step, not a graph.
    """

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse):
        h0, c0 = states
        output, h, c, saved = kernels.lstm_forward(xp, w_hh, b_hh, h0, c0, lengths, reverse)
        return output, (h, c), saved

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse):
        g_h, g_c = g_finals
        da, dh0, dc0 = kernels.lstm_backward(g_output, g_h, g_c, saved, w_hh, lengths, reverse)
        _, h_prev, _ = saved
        rows = da.reshape(-1, da.shape[-1])
        dw_hh = matmul(rows.T, h_prev.reshape(rows.shape[0], -1))
        return da, dw_hh, rows.sum(axis=0), (dh0, dc0)
