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
        return output, (h,), saved[2], saved

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse, reset_after):
        dxp, dgh, dh0 = kernels.gru_backward(g_output, g_finals[0], saved, w_hh, lengths,
                                             reverse, reset_after)
        return dxp, dgh, (dh0,)

    @classmethod
    def hidden_weight_gradient(cls, dgh, h_prev, saved, reset_after):
        """dW_hh = Σ_t dghᵀ_t h_{t-1}, but for reset-before the n block multiplies r ⊙ h."""
        if reset_after:
            return super().hidden_weight_gradient(dgh, h_prev, saved)
        gates, H = saved[0], h_prev.shape[-1]
        rows, h_rows = dgh.reshape(-1, 3 * H), h_prev.reshape(-1, H)
        rh_rows = gates[..., :H].reshape(-1, H) * h_rows
        return np.concatenate([matmul(rows[:, :2 * H].T, h_rows),
                               matmul(rows[:, 2 * H:].T, rh_rows)])
