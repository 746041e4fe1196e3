"""The ``mgu`` cell plugin of tinygrad_rnn: the minimal gated unit (Zhou et al., 2016)."""

from .cell import MGUCell

__all__ = ["MGUCell"]
