"""Cells written as a stranger writes them from ``tinygrad-rnn new-cell``: ``step`` only, with
engine ops, no ``sequence``. The compiler's tests and ``benchmarks/generated_cells.py``
use them; each has a docstring with its equations and a NumPy reference in the tests."""

import numpy as np

from tinygrad_rnn import nn, ops
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn import init


class PeepholeLSTMCell(RecurrentCell):
    r"""An LSTM whose gates also see the cell state (Gers & Schmidhuber, 2000):

    .. math::

        i = σ(a_i + w_{ci} ⊙ c), \quad f = σ(a_f + w_{cf} ⊙ c), \quad g = \tanh(a_g),
        c' = f ⊙ c + i ⊙ g, \quad o = σ(a_o + w_{co} ⊙ c'), \quad h' = o ⊙ \tanh(c')

    where a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh split into (a_i, a_f, a_g, a_o), and the
    peephole weights w_ci, w_cf, w_co are per-unit vectors (H,).
    """

    state_names = ("h", "c")

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        H = hidden_size
        self.create_parameters(4, w_ci=(H,), w_cf=(H,), w_co=(H,))

    def step(self, x, state):
        h, c = state
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            a = a + self.bias_ih + self.bias_hh
        a_i, a_f, a_g, a_o = ops.split(a, self.hidden_size, axis=-1)
        i = ops.sigmoid(a_i + self.w_ci * c)
        f = ops.sigmoid(a_f + self.w_cf * c)
        c = f * c + i * ops.tanh(a_g)
        o = ops.sigmoid(a_o + self.w_co * c)
        h = o * ops.tanh(c)
        return h, (h, c)


class IndRNNCell(RecurrentCell):
    r"""The independently recurrent network (Li et al., 2018): each unit sees only its own
    past, through one recurrent weight per unit,

    .. math::  h' = \mathrm{relu}(x W_{ih}^T + b_{ih} + w_{hh} ⊙ h + b_{hh})

    with ``weight_hh`` (H,) drawn from U(0, 1) so that the recurrence neither explodes nor
    dies at once.
    """

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1, weight_hh=(hidden_size,))
        init.uniform_(self.weight_hh, 0.0, 1.0)

    def step(self, x, state):
        (h,) = state
        a = x @ self.weight_ih.T + self.weight_hh * h
        if self.bias:
            a = a + self.bias_ih + self.bias_hh
        h = ops.relu(a)
        return h, (h,)


class LinearGatedCell(RecurrentCell):
    r"""A gated unit written with ``nn.Linear`` submodules, as a PyTorch user writes one:

    .. math::

        r = σ(a_r + h W_{hr}^T), \quad h' = \tanh(a_h + (r ⊙ h) W_{hh}^T + b_{hh})

    where (a_r, a_h) = x W_xᵀ + b_x split in two. ``input_gates`` (W_x (2H, I), b_x (2H,))
    reads the input, ``reset_gate`` (W_hr (H, H), no bias) the state, ``candidate``
    (W_hh (H, H), b_hh (H,)) the gated state; with ``bias=False`` no layer has a bias.
    """

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        H = hidden_size
        self.input_gates = nn.Linear(input_size, 2 * H, bias=bias, dtype=dtype)
        self.reset_gate = nn.Linear(H, H, bias=False, dtype=dtype)
        self.candidate = nn.Linear(H, H, bias=bias, dtype=dtype)

    def step(self, x, state):
        (h,) = state
        a_r, a_h = ops.split(self.input_gates(x), self.hidden_size, axis=-1)
        r = ops.sigmoid(a_r + self.reset_gate(h))
        h = ops.tanh(a_h + self.candidate(r * h))
        return h, (h,)


class ValueBranchCell(RecurrentCell):
    """Not a cell to use: a step whose graph depends on its values (a Python branch on
    the state's sign), which the compiler must refuse and the layer must run step by step."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)

    def step(self, x, state):
        (h,) = state
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        h = ops.tanh(a) if float(h.array.sum()) > 0 else ops.sigmoid(a)
        return h, (h,)
