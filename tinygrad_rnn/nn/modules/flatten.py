"""``torch.nn.modules.flatten``'s class."""

from ..layers import Flatten

__all__ = ["Flatten"]
