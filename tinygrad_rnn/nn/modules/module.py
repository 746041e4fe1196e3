"""``torch.nn.modules.module``'s class."""

from ..module import Module

__all__ = ["Module"]
