"""``torch.nn.modules.linear``'s classes."""

from ..layers import Identity, Linear

__all__ = ["Identity", "Linear"]
