"""The ``lstm`` cell plugin of tinygrad_rnn: the LSTM cell, with an optional projection."""

from .cell import LSTMCell

__all__ = ["LSTMCell"]
