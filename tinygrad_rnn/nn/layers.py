"""Layers: ``Linear``, ``Embedding``, ``Dropout``, ``Identity``, ``Flatten`` and ``Sequential``.

Names, shapes and default initialisation follow PyTorch's, so their state dicts carry the
same names and shapes (``weight``, ``bias``).
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..tensor import Tensor, ensure_tensor
from . import functional as F, init
from .module import Module, ModuleList, Parameter


def _positive_int(layer: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


class Linear(Module):
    r"""An affine map of the last axis: :math:`y = x W^\top + b`.

    where:
        - x: ``(*, in_features)``, any number of leading axes;
        - W = ``weight``: ``(out_features, in_features)``;
        - b = ``bias``: ``(out_features,)``, or None when ``bias=False``;
        - y: ``(*, out_features)``.

    Both are drawn from U(−1/√in_features, 1/√in_features), weight first, as PyTorch does.

    >>> import tinygrad_rnn as tg
    >>> layer = Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(tg.Tensor([[1.0, 2.0, 3.0]])).shape
    (1, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype=np.float32):
        super().__init__()
        self.in_features = _positive_int("Linear", "in_features", in_features)
        self.out_features = _positive_int("Linear", "out_features", out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        """Redraw weight and bias from U(−1/√in_features, 1/√in_features)."""
        bound = 1.0 / math.sqrt(self.in_features)
        init.uniform_(self.weight, -bound, bound, generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, x) -> Tensor:
        x = ensure_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: expected input with last dimension {self.in_features} "
                             f"(in_features), got shape {x.shape}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    r"""A lookup table: row ``i`` of ``weight`` is the vector of token ``i``.

    where:
        - ``weight``: ``(num_embeddings, embedding_dim)``, drawn from N(0, 1);
        - indices: integers of any shape ``S`` in ``[0, num_embeddings)``;
        - output: ``S + (embedding_dim,)``.

    With ``padding_idx`` (negative counts from the end) that row starts at zero and never
    receives a gradient, so it stays what it is; the lookup still returns its stored values.

    >>> table = Embedding(10, 4, padding_idx=0)
    >>> table([[0, 3], [5, 0]]).shape
    (2, 2, 4)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype=np.float32):
        super().__init__()
        self.num_embeddings = _positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _positive_int("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if (isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer))
                    or not -num_embeddings <= padding_idx < num_embeddings):
                raise ValueError(f"Embedding: padding_idx must be an integer in "
                                 f"[-{num_embeddings}, {num_embeddings}), got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype))
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True,
                        padding_idx: int | None = None) -> "Embedding":
        """A table holding a copy of ``embeddings`` (2-D floats), its weight frozen
        (``requires_grad=False``) unless ``freeze=False``; the padding row keeps its given
        values, as PyTorch's.

        >>> Embedding.from_pretrained(np.eye(3, dtype=np.float32))([2]).tolist()
        [[0.0, 0.0, 1.0]]
        """
        data = embeddings.array if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D table, got shape {data.shape}")
        table = cls(*data.shape, padding_idx=padding_idx, dtype=data.dtype)
        table.weight.array[...] = data
        table.weight.requires_grad = not freeze
        return table

    def reset_parameters(self, generator=None) -> None:
        """Redraw the weight from N(0, 1) and zero the padding row."""
        init.normal_(self.weight, 0.0, 1.0, generator)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0.0

    def forward(self, indices) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


class Dropout(Module):
    """Zero each element with probability ``p`` while ``training``, scaling the rest by
    1/(1 − p); the identity in eval mode (see :func:`tinygrad_rnn.dropout`)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        F._not_inplace("Dropout", inplace)
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a number in [0, 1], got {p!r}")
        self.p = float(p)

    def forward(self, x) -> Tensor:
        return ops.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Identity(Module):
    """Returns its input unchanged; its arguments are accepted and ignored, as PyTorch's.

    A placeholder where a layer is switched off (``model.head = Identity()``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Axes ``start_dim`` to ``end_dim`` (inclusive, negative from the end) merged into one.

    >>> import tinygrad_rnn as tg
    >>> Flatten()(tg.Tensor(np.zeros((2, 3, 4)))).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x) -> Tensor:
        x = ensure_tensor(x)
        start, end = (d + x.ndim if d < 0 else d for d in (self.start_dim, self.end_dim))
        if not 0 <= start <= end < max(x.ndim, 1):
            raise ValueError(f"Flatten: start_dim={self.start_dim}, end_dim={self.end_dim} do "
                             f"not fit a tensor of shape {x.shape}")
        merged = int(np.prod(x.shape[start:end + 1]))
        return ops.reshape(x, *x.shape[:start], merged, *x.shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Sequential(ModuleList):
    """Modules called in order, each on the previous one's output.

    ``Sequential(a, b, c)`` names them ``"0"``, ``"1"``, ``"2"``; ``Sequential(dict)``
    uses the dict's keys. Indexing and iteration are those of :class:`ModuleList`.

    >>> net = Sequential(Linear(3, 4), Dropout(0.1), Linear(4, 1))
    >>> net
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): Dropout(p=0.1)
      (2): Linear(in_features=4, out_features=1, bias=True)
    )
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], dict):
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, self._check(module, name))
        else:
            super().__init__(modules)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x
