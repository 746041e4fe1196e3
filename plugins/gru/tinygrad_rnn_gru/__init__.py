"""The ``gru`` cell plugin of tinygrad_rnn: the GRU cell, reset-after or reset-before."""

from .cell import GRUCell

__all__ = ["GRUCell"]
