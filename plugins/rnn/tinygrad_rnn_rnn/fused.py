"""The RNN's whole-sequence ``Function``: the input projection from ``FusedRecurrence``,
the time loop from the kernels in ``kernels.py``."""

from tinygrad_rnn._kernels.products import matmul
from tinygrad_rnn.nn.fused import FusedRecurrence

from . import kernels


class RNNSequence(FusedRecurrence):
    """All T steps of an Elman RNN layer as one differentiable op; option ``relu``.

    Inputs ``x, weight_ih, weight_hh, bias_ih, bias_hh, h0``; outputs ``(output, h_T)``.
    The backward needs the outputs and the states entering each step, not a graph.
    """

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse, relu):
        output, h, h_prev = kernels.rnn_forward(xp, w_hh, b_hh, states[0], lengths, reverse, relu)
        return output, (h,), (output, h_prev)

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse, relu):
        output, h_prev = saved
        da, dh0 = kernels.rnn_backward(g_output, g_finals[0], output, w_hh, lengths, reverse, relu)
        rows = da.reshape(-1, da.shape[-1])
        dw_hh = matmul(rows.T, h_prev.reshape(rows.shape[0], -1))
        return da, dw_hh, rows.sum(axis=0), (dh0,)
