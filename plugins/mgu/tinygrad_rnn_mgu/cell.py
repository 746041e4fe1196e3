"""The MGU cell: one gate instead of the GRU's two, written with engine ops (autograd derives
the backward, and ``tinygrad_rnn.compiler`` its compiled whole-sequence path). The whole
plugin is this file; the README walks through it."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import ops
from tinygrad_rnn.nn.cell import RecurrentCell


class MGUCell(RecurrentCell):
    r"""The minimal gated unit (Zhou, Wu, Zhang & Zhou, 2016), with PyTorch-style names.

    .. math::

        \begin{aligned}
        f  &= \sigma(x W_{if}^\top + b_{if} + h W_{hf}^\top + b_{hf})                 && (1) \\
        n  &= \tanh(x W_{in}^\top + b_{in} + (f \odot h) W_{hn}^\top + b_{hn})        && (2) \\
        h' &= (1 - f) \odot h + f \odot n                                        && (3)
        \end{aligned}

    where :math:`x` is the step's input, :math:`h` the previous hidden state, :math:`h'` the
    new one (also the step's output), :math:`f` the forget gate, :math:`n` the candidate
    state, :math:`W_{i\ast}, W_{h\ast}` and :math:`b_{i\ast}, b_{h\ast}` the input and hidden
    weights and biases of gate :math:`\ast`, :math:`\sigma` the logistic sigmoid and
    :math:`\odot` the elementwise product.

    The one gate does the work of the GRU's two: in (2) it resets :math:`h` before it meets
    :math:`W_{hn}` (the GRU's reset gate, in the GRU's original "reset before" form), and in
    (3) it mixes old and new state (the GRU's update gate, with :math:`f = 1 - z`). The paper
    has one bias per gate; like PyTorch's cells this one has two, :math:`b_{i\ast}` and
    :math:`b_{h\ast}`, which only ever appear as a sum except :math:`b_{hn}`.

    Shapes, where:

    * N is the batch size, I = ``input_size``, H = ``hidden_size``;
    * ``x`` is (N, I); ``h``, ``h'``, ``f`` and ``n`` are (N, H);
    * ``weight_ih`` is (2H, I), ``weight_hh`` is (2H, H), ``bias_ih`` and ``bias_hh`` (2H,).

    Weight layout: the two blocks are stacked by rows in the order f, n:
    ``weight_ih`` = (W_if|W_in), ``weight_hh`` = (W_hf|W_hn), and the biases likewise.
    Parameters are registered in PyTorch's order ``weight_ih, weight_hh, bias_ih, bias_hh``
    (no biases when ``bias=False``), all drawn from U(-1/√H, 1/√H). The state is ``("h",)``.

    Args:
        input_size: I, the number of features of ``x``.
        hidden_size: H, the number of features of ``h``.
        bias: whether to have ``bias_ih`` and ``bias_hh``.
        dtype: the parameters' dtype, float32 or float64.

    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> from tinygrad_rnn_mgu import MGUCell
    >>> cell = MGUCell(3, 4, dtype=np.float64)
    >>> [(name, p.shape) for name, p in cell.named_parameters()]
    [('weight_ih', (8, 3)), ('weight_hh', (8, 4)), ('bias_ih', (8,)), ('bias_hh', (8,))]
    >>> x, h = Tensor(np.ones((2, 3))), Tensor(np.full((2, 4), 0.5))
    >>> cell.bias_ih.array[:4] = -50.0     # f ≈ 0: by (3) the state is kept
    >>> h_new, (state,) = cell.step(x, (h,))
    >>> h_new.shape, state is h_new, bool(np.allclose(h_new.array, 0.5))
    ((2, 4), True, True)
    """

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(2)   # weight_ih (2H, I), weight_hh (2H, H), bias_ih, bias_hh (2H,)

    def step(self, x, state):
        """One time step: the input projection of ``x``, then the recurrence (1)-(3)."""
        (h,) = state
        x_f, x_n = ops.split(self._affine(x, self.weight_ih, self.bias_ih), self.hidden_size,
                             axis=-1)
        h = self._recurrence(x_f, x_n, h, *self._hidden_blocks())
        return h, (h,)

    def _hidden_blocks(self):
        """W_hf, W_hn, b_hf, b_hn: the f and n rows of ``weight_hh`` and ``bias_hh`` (the
        biases None without ``bias``)."""
        W_hf, W_hn = ops.split(self.weight_hh, self.hidden_size, axis=0)
        if self.bias_hh is None:
            return W_hf, W_hn, None, None
        return (W_hf, W_hn, *ops.split(self.bias_hh, self.hidden_size))

    def _recurrence(self, x_f, x_n, h, W_hf, W_hn, b_hf, b_hn):
        """Equations (1)-(3) of one step, given the step's input projections
        x_f = x W_ifᵀ + b_if and x_n = x W_inᵀ + b_in (rows f and n of x W_ihᵀ + b_ih):

            (1)  f  = σ(x_f + h W_hfᵀ + b_hf)
            (2)  n  = tanh(x_n + (f ⊙ h) W_hnᵀ + b_hn)
            (3)  h' = (1 − f) ⊙ h + f ⊙ n
        """
        f = ops.sigmoid(x_f + self._affine(h, W_hf, b_hf))    # (1)
        n = ops.tanh(x_n + self._affine(f * h, W_hn, b_hn))   # (2)
        return (1 - f) * h + f * n                            # (3)

    @staticmethod
    def _affine(v, W, b):
        """v Wᵀ + b, or v Wᵀ when the cell has no bias (b is None)."""
        return v @ W.T if b is None else v @ W.T + b
