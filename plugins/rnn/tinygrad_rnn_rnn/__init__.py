"""The ``rnn`` cell plugin of tinygrad_rnn: the Elman RNN cell, tanh or relu."""

from .cell import ElmanCell

__all__ = ["ElmanCell"]
