"""Activation modules: ``ReLU``, ``Tanh``, ``Sigmoid``, ``Softmax`` and ``LogSoftmax``, each
calling the function of the same name in :mod:`tinygrad_rnn.nn.functional`."""

from __future__ import annotations

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        F._not_inplace("ReLU", inplace)

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (required: PyTorch's implicit choice is
    deprecated there)."""

    function = staticmethod(F.softmax)

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = F._required_dim(type(self).__name__, dim)

    def forward(self, x):
        return type(self).function(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim`` (required)."""

    function = staticmethod(F.log_softmax)
