"""``tinygrad_rnn.utils``: PyTorch-style data loading in :mod:`.data`."""

from . import data

__all__ = ["data"]
