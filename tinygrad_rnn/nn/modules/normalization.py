"""``torch.nn.modules.normalization``'s class."""

from ..normalization import LayerNorm

__all__ = ["LayerNorm"]
