"""The Elman RNN cell, step by step, written with engine ops (autograd derives the backward)."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import ops
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.cell_step import run_step

from .fused import RNNSequence

NONLINEARITIES = {"tanh": ops.tanh, "relu": ops.relu}


class ElmanCell(RecurrentCell):
    r"""The Elman recurrent cell: one hidden state, one nonlinearity.

    .. math::

        h' = \phi(x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh})

    where :math:`x` is the step's input, :math:`h` the previous hidden state, :math:`h'`
    the new one (also the step's output), :math:`W_{ih}, W_{hh}` the input and hidden
    weights, :math:`b_{ih}, b_{hh}` their biases (absent when ``bias=False``), and
    :math:`\phi` the nonlinearity, ``tanh`` or ``relu``.

    Shapes, where:

    * N is the batch size, I = ``input_size``, H = ``hidden_size``;
    * ``x`` is (N, I); ``h`` and ``h'`` are (N, H);
    * ``weight_ih`` is (H, I), ``weight_hh`` is (H, H), ``bias_ih`` and ``bias_hh`` (H,).

    Weight layout: one gate, so no stacking; the parameters are registered in PyTorch's
    order ``weight_ih, weight_hh, bias_ih, bias_hh``, each drawn from U(-1/√H, 1/√H).

    Args:
        input_size, hidden_size: I and H.
        bias: whether to have ``bias_ih`` and ``bias_hh``.
        dtype: the parameters' dtype, float32 or float64.
        nonlinearity: ``"tanh"`` (the default) or ``"relu"``.

    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> from tinygrad_rnn_rnn import ElmanCell
    >>> cell = ElmanCell(3, 4, nonlinearity="relu")
    >>> [name for name, _ in cell.named_parameters()]
    ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
    >>> x = Tensor(np.ones((2, 3), np.float32))
    >>> h, (h_state,) = cell.step(x, cell.initial_state(2))
    >>> h.shape, h is h_state, bool((h.array >= 0).all())
    ((2, 4), True, True)
    """

    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype=np.float32, nonlinearity: str = "tanh"):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = self.checked_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        self.create_parameters(1)

    def step(self, x, state):
        (h,) = state
        phi = NONLINEARITIES[self.nonlinearity]
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            a = a + self.bias_ih + self.bias_hh
        # (1) h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
        h = phi(a)
        return h, (h,)

    def sequence(self, x, state, lengths=None, reverse=False):
        """All steps at once through the fused kernels (see ``kernels.py``)."""
        return RNNSequence.run(self, x, state, lengths, reverse, relu=self.nonlinearity == "relu")

    def fused_step(self, x, state):
        """One step as one graph node through the fused kernels (``tinygrad_rnn.nn.cell_step``)."""
        return run_step(RNNSequence, self, x, state, relu=self.nonlinearity == "relu")

    def extra_repr(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"
        return super().extra_repr() + extra
