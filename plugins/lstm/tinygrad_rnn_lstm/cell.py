"""The LSTM cell, step by step, written with engine ops (autograd derives the backward)."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import ops
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.cell_step import run_step

from .fused import LSTMSequence


class LSTMCell(RecurrentCell):
    r"""The long short-term memory cell, with PyTorch's gate order and optional projection.

    .. math::

        \begin{aligned}
        i &= \sigma(x W_{ii}^\top + b_{ii} + h W_{hi}^\top + b_{hi})  && (1) \\
        f &= \sigma(x W_{if}^\top + b_{if} + h W_{hf}^\top + b_{hf})  && (2) \\
        g &= \tanh(x W_{ig}^\top + b_{ig} + h W_{hg}^\top + b_{hg})   && (3) \\
        o &= \sigma(x W_{io}^\top + b_{io} + h W_{ho}^\top + b_{ho})  && (4) \\
        c' &= f \odot c + i \odot g                              && (5) \\
        h' &= o \odot \tanh(c')                                  && (6) \\
        h' &\leftarrow h' W_{\mathrm{proj}}^\top \quad \text{only when } P > 0 && (7)
        \end{aligned}

    where :math:`x` is the step's input, :math:`h` and :math:`c` the previous hidden and
    cell states, :math:`h'` and :math:`c'` the new ones (:math:`h'` is also the step's
    output), :math:`i, f, g, o` the input gate, forget gate, candidate cell and output
    gate, :math:`W_{i\ast}, W_{h\ast}` and :math:`b_{i\ast}, b_{h\ast}` the input and hidden
    weights and biases of gate :math:`\ast`, :math:`W_{\mathrm{proj}}` the projection (``weight_hr``), :math:`\sigma`
    the logistic sigmoid and :math:`\odot` the elementwise product.

    Shapes, where:

    * N is the batch size, I = ``input_size``, H = ``hidden_size``, P = ``proj_size``, and
      H' = P when P > 0 else H (the size of the ``h`` that is output and fed back);
    * ``x`` is (N, I); ``h`` is (N, H'); ``c`` is (N, H); ``i, f, g, o`` are (N, H);
    * ``weight_ih`` is (4H, I), ``weight_hh`` is (4H, H'), ``bias_ih`` and ``bias_hh``
      are (4H,), ``weight_hr`` is (P, H).

    Weight layout: the four gates are stacked by rows in the order i, f, g, o:
    ``weight_ih`` = (W_ii|W_if|W_ig|W_io), ``weight_hh`` = (W_hi|W_hf|W_hg|W_ho), and the
    biases likewise. Parameters are registered in PyTorch's order ``weight_ih, weight_hh,
    bias_ih, bias_hh`` and then ``weight_hr`` when P > 0, all drawn from U(-1/√H, 1/√H).
    The state is ``(h, c)``.

    Args:
        input_size, hidden_size: I and H.
        bias: whether to have ``bias_ih`` and ``bias_hh``.
        dtype: the parameters' dtype, float32 or float64.
        proj_size: P; 0 (the default) means no projection, else 0 < P < H.

    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> from tinygrad_rnn_lstm import LSTMCell
    >>> cell = LSTMCell(3, 4, proj_size=2)
    >>> [(name, p.shape) for name, p in cell.named_parameters()]  # doctest: +NORMALIZE_WHITESPACE
    [('weight_ih', (16, 3)), ('weight_hh', (16, 2)), ('bias_ih', (16,)), ('bias_hh', (16,)),
     ('weight_hr', (2, 4))]
    >>> x = Tensor(np.ones((5, 3), np.float32))
    >>> h, (h_state, c) = cell.step(x, cell.initial_state(5))
    >>> h.shape, c.shape, cell.state_sizes
    ((5, 2), (5, 4), (2, 4))
    """

    state_names = ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype=np.float32, proj_size: int = 0):
        super().__init__(input_size, hidden_size, bias, dtype)
        if not isinstance(proj_size, (int, np.integer)) or not 0 <= proj_size < hidden_size:
            raise ValueError(
                f"{type(self).__name__}: proj_size must be an int with 0 <= proj_size < "
                f"hidden_size ({hidden_size}), got {proj_size!r}"
            )
        self.proj_size = int(proj_size)
        # NOTE: create_parameters sizes weight_hh's columns by output_size, which is P here.
        extra = {"weight_hr": (self.proj_size, hidden_size)} if self.proj_size else {}
        self.create_parameters(4, **extra)
        if self.proj_size:
            # NOTE: the fused kernel has no projection; step by step
            self.sequence = self.fused_step = None

    @property
    def state_sizes(self) -> tuple[int, int]:
        """(H', H): ``h`` is projected to P features when P > 0; ``c`` always has H."""
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def step(self, x, state):
        h, c = state
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            gates = gates + self.bias_ih + self.bias_hh
        i, f, g, o = ops.split(gates, self.hidden_size, axis=-1)
        i = ops.sigmoid(i)       # (1) i = σ(x W_iiᵀ + b_ii + h W_hiᵀ + b_hi)
        f = ops.sigmoid(f)       # (2) f = σ(x W_ifᵀ + b_if + h W_hfᵀ + b_hf)
        g = ops.tanh(g)          # (3) g = tanh(x W_igᵀ + b_ig + h W_hgᵀ + b_hg)
        o = ops.sigmoid(o)       # (4) o = σ(x W_ioᵀ + b_io + h W_hoᵀ + b_ho)
        c = f * c + i * g        # (5) c' = f ⊙ c + i ⊙ g
        h = o * ops.tanh(c)      # (6) h' = o ⊙ tanh(c')
        if self.proj_size:
            h = h @ self.weight_hr.T  # (7) h' ← h' W_projᵀ
        return h, (h, c)

    def sequence(self, x, state, lengths=None, reverse=False):
        """All steps at once through the fused kernels (see ``kernels.py``)."""
        return LSTMSequence.run(self, x, state, lengths, reverse)

    def fused_step(self, x, state):
        """One step as one graph node through the fused kernels (``tinygrad_rnn.nn.cell_step``)."""
        return run_step(LSTMSequence, self, x, state)

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", proj_size={self.proj_size}" if self.proj_size else "")
