"""The GRU's whole-sequence ``Function``: the input projection from ``FusedRecurrence``,
the time loop from the kernels in ``kernels.py``."""

import numpy as np

from tinygrad_rnn._kernels.products import matmul
from tinygrad_rnn.nn.fused import FusedRecurrence

from . import kernels


class GRUSequence(FusedRecurrence):
    """All T steps of a GRU layer as one differentiable op; option ``reset_after``.

    Inputs ``x, weight_ih, weight_hh, bias_ih, bias_hh, h0``; outputs ``(output, h_T)``.
    The backward needs the gate activations and the states entering each step, not a graph.
    """

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse, reset_after):
        output, h, saved = kernels.gru_forward(xp, w_hh, b_hh, states[0], lengths, reverse,
                                               reset_after)
        return output, (h,), saved

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse, reset_after):
        dxp, dgh, dh0 = kernels.gru_backward(g_output, g_finals[0], saved, w_hh, lengths,
                                             reverse, reset_after)
        gates, _, h_prev = saved
        H = h_prev.shape[-1]
        rows, h_rows = dgh.reshape(-1, 3 * H), h_prev.reshape(-1, H)
        if reset_after:
            dw_hh = matmul(rows.T, h_rows)
        else:  # the n block multiplies r ⊙ h, not h
            rh_rows = gates[..., :H].reshape(-1, H) * h_rows
            dw_hh = np.concatenate([matmul(rows[:, :2 * H].T, h_rows),
                                    matmul(rows[:, 2 * H:].T, rh_rows)])
        return dxp, dw_hh, rows.sum(axis=0), (dh0,)
