"""The GRU cell, step by step, written with engine ops (autograd derives the backward)."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import ops
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.cell_step import run_step

from .fused import GRUSequence

RESETS = ("after", "before")


class GRUCell(RecurrentCell):
    r"""The gated recurrent unit, with PyTorch's gate order and a choice of reset placement.

    .. math::

        \begin{aligned}
        r &= \sigma(x W_{ir}^\top + b_{ir} + h W_{hr}^\top + b_{hr})                 && (1) \\
        z &= \sigma(x W_{iz}^\top + b_{iz} + h W_{hz}^\top + b_{hz})                 && (2) \\
        n &= \tanh(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn}))        && (3)
             \quad \text{reset="after"} \\
        n &= \tanh(x W_{in}^\top + b_{in} + (r \odot h) W_{hn}^\top + b_{hn})        && (3)
             \quad \text{reset="before"} \\
        h' &= (1 - z) \odot n + z \odot h                                       && (4)
        \end{aligned}

    where :math:`x` is the step's input, :math:`h` the previous hidden state, :math:`h'` the
    new one (also the step's output), :math:`r, z, n` the reset gate, update gate and
    candidate state, :math:`W_{i\ast}, W_{h\ast}` and :math:`b_{i\ast}, b_{h\ast}` the input
    and hidden weights and biases of gate :math:`\ast`, :math:`\sigma` the logistic sigmoid
    and :math:`\odot` the elementwise product.

    The two forms of (3) have the same parameters and differ only in where the reset gate
    acts. ``reset="after"`` (the default, PyTorch's and cuDNN's form) scales the hidden
    projection after the matrix product, so :math:`h W_{hn}^\top` can be computed with the
    other gates' hidden projections in one product, and :math:`b_{hn}` is reset along with
    it. ``reset="before"`` is the original form of Cho et al. (2014): the reset gate scales
    :math:`h` before it meets :math:`W_{hn}`, which needs a second product per step that
    waits for :math:`r`, and :math:`b_{hn}` is not reset. The two give different results for
    the same weights.

    Shapes, where:

    * N is the batch size, I = ``input_size``, H = ``hidden_size``;
    * ``x`` is (N, I); ``h``, ``h'``, ``r``, ``z`` and ``n`` are (N, H);
    * ``weight_ih`` is (3H, I), ``weight_hh`` is (3H, H), ``bias_ih`` and ``bias_hh`` (3H,).

    Weight layout: the three gates are stacked by rows in the order r, z, n:
    ``weight_ih`` = (W_ir|W_iz|W_in), ``weight_hh`` = (W_hr|W_hz|W_hn), and the biases
    likewise. Parameters are registered in PyTorch's order ``weight_ih, weight_hh, bias_ih,
    bias_hh``, all drawn from U(-1/√H, 1/√H).

    Args:
        input_size, hidden_size: I and H.
        bias: whether to have ``bias_ih`` and ``bias_hh``.
        dtype: the parameters' dtype, float32 or float64.
        reset: ``"after"`` (the default) or ``"before"``, the placement of r in (3).

    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> from tinygrad_rnn_gru import GRUCell
    >>> after = GRUCell(3, 4, dtype=np.float64)
    >>> before = GRUCell(3, 4, dtype=np.float64, reset="before")
    >>> _ = before.load_state_dict(after.state_dict())  # the same parameters
    >>> x, h = Tensor(np.ones((2, 3))), Tensor(np.full((2, 4), 0.5))
    >>> h_after, _ = after.step(x, (h,))
    >>> h_before, _ = before.step(x, (h,))
    >>> h_after.shape, bool(np.allclose(h_after.array, h_before.array))
    ((2, 4), False)
    """

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype=np.float32, reset: str = "after"):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.reset = self.checked_choice("reset", reset, RESETS)
        self.create_parameters(3)

    def step(self, x, state):
        (h,) = state
        H = self.hidden_size
        b_ih, b_hh = (self.bias_ih, self.bias_hh) if self.bias else (None, None)
        x_r, x_z, x_n = ops.split(self._affine(x, self.weight_ih, b_ih), H, axis=-1)
        if self.reset == "after":
            h_r, h_z, h_n = ops.split(self._affine(h, self.weight_hh, b_hh), H, axis=-1)
            r = ops.sigmoid(x_r + h_r)        # (1) r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)
            z = ops.sigmoid(x_z + h_z)        # (2) z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
            n = ops.tanh(x_n + r * h_n)       # (3) n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))
        else:
            W_hrz, W_hn = ops.split(self.weight_hh, [2 * H, H], axis=0)
            b_hrz, b_hn = ops.split(b_hh, [2 * H, H]) if self.bias else (None, None)
            h_r, h_z = ops.split(self._affine(h, W_hrz, b_hrz), H, axis=-1)
            r = ops.sigmoid(x_r + h_r)        # (1) r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)
            z = ops.sigmoid(x_z + h_z)        # (2) z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
            n = ops.tanh(x_n + self._affine(r * h, W_hn, b_hn))
            #                                 (3) n = tanh(x W_inᵀ + b_in + (r ⊙ h) W_hnᵀ + b_hn)
        h = (1 - z) * n + z * h               # (4) h' = (1 - z) ⊙ n + z ⊙ h
        return h, (h,)

    def sequence(self, x, state, lengths=None, reverse=False):
        """All steps at once through the fused kernels (see ``kernels.py``)."""
        return GRUSequence.run(self, x, state, lengths, reverse,
                               reset_after=self.reset == "after")

    def fused_step(self, x, state):
        """One step as one graph node through the fused kernels (``tinygrad_rnn.nn.cell_step``)."""
        return run_step(GRUSequence, self, x, state, reset_after=self.reset == "after")

    @staticmethod
    def _affine(v, W, b):
        """v Wᵀ + b, or v Wᵀ when the cell has no bias (b is None)."""
        return v @ W.T if b is None else v @ W.T + b

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reset == "after" else f", reset={self.reset!r}")
