"""The ``bidirectional`` wrapper plugin of tinygrad_rnn: one cell forward, one in reverse."""

from .wrapper import Bidirectional

__all__ = ["Bidirectional"]
