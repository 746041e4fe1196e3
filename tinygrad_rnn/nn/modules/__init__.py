"""PyTorch's module paths (``torch.nn.modules.rnn.LSTM``, ``torch.nn.modules.loss.MSELoss``,
...): each submodule here names the same classes as :mod:`tinygrad_rnn.nn`, so a program
or a type check that spells the long path runs unchanged."""

from . import (activation, container, dropout, flatten, linear, loss, module, normalization, rnn,
               sparse)
from ..module import Module

__all__ = ["Module", "activation", "container", "dropout", "flatten", "linear", "loss", "module",
           "normalization", "rnn", "sparse"]
