"""``tinygrad_rnn.nn.utils``: gradient clipping (from :mod:`tinygrad_rnn.optim.clip`) and,
in :mod:`.rnn`, padding and packing of variable-length sequences."""

from ...optim.clip import clip_grad_norm_, clip_grad_value_
from . import rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
