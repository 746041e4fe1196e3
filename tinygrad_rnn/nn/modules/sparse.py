"""``torch.nn.modules.sparse``'s class."""

from ..layers import Embedding

__all__ = ["Embedding"]
