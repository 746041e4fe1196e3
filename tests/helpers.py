"""Small Functions and cells that several test modules build on (``tests/`` is on the test
path, see ``pyproject.toml``): written against the public extension APIs, one correct and
one deliberately wrong of each."""

import numpy as np

from tinygrad_rnn import Function, ops
from tinygrad_rnn.nn.cell import RecurrentCell


class Square(Function):
    """x ** 2 written against the public extension API."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 2 * x * gy


class Elman(RecurrentCell):
    """h_t = tanh(scale · (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh))."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32, scale=1.0):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.scale = scale
        self.create_parameters(1)

    def preactivation(self, x, h, weight_hh=None):
        a = x @ self.weight_ih.T + h @ (self.weight_hh if weight_hh is None else weight_hh).T
        return (a + self.bias_ih + self.bias_hh if self.bias else a) * self.scale

    def step(self, x, state):
        h = ops.tanh(self.preactivation(x, state[0]))
        return h, (h,)


class WrongTanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * (1 - y)   # NOTE: deliberately wrong; the derivative is 1 - y²


class WrongGradient(Elman):
    """Elman whose tanh has a wrong backward."""

    def step(self, x, state):
        h = WrongTanh.apply(self.preactivation(x, state[0]))
        return h, (h,)
