"""``tinygrad_rnn.nn.functional``: the ops under PyTorch's names, argument names and defaults,
so ``import tinygrad_rnn.nn.functional as F`` reads as ``torch.nn.functional`` does.

The differentiable operations themselves live in :mod:`tinygrad_rnn.ops`; this module only
adapts the call signatures (``F.embedding(input, weight)`` takes the indices first, as
PyTorch's does, where ``tinygrad_rnn.embedding(weight, indices)`` follows ``torch.embedding``).
Where this project differs on purpose, the call raises an error that says what to write.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops import linalg
from ..ops.elementwise import gelu
from ..ops.nn import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                      huber_loss, kl_div, l1_loss, layer_norm, mse_loss, nll_loss, one_hot, pad,
                      smooth_l1_loss)
from ..tensor import Tensor, ensure_tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "embedding", "l1_loss", "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "pad",
    "relu", "sigmoid", "softmax", "tanh", "gelu", "huber_loss", "kl_div", "layer_norm",
    "leaky_relu", "smooth_l1_loss", "softplus",
]


def _not_inplace(op: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"{op}: inplace=True is not supported (tensors here are not changed "
                         f"in place by ops); drop the argument and use the result")


def relu(input, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0), elementwise."""
    _not_inplace("relu", inplace)
    return ops.relu(input)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else negative_slope * x."""
    _not_inplace("leaky_relu", inplace)
    return ops.leaky_relu(input, negative_slope)


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold."""
    return ops.softplus(input, beta, threshold)


def tanh(input) -> Tensor:  # noqa: A002
    """The hyperbolic tangent, elementwise."""
    return ops.tanh(input)


def sigmoid(input) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x)), elementwise."""
    return ops.sigmoid(input)


def _required_dim(op: str, dim):
    if dim is None:
        raise TypeError(f"{op}: pass dim= (PyTorch's implicit choice of dim is deprecated "
                        f"there and not supported here)")
    return dim


def _in_dtype(input, dtype) -> Tensor:
    return ensure_tensor(input) if dtype is None else ensure_tensor(input).to(dtype)


def softmax(input, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``, computed in ``dtype`` if given."""
    return ops.softmax(_in_dtype(input, dtype), _required_dim("softmax", dim))


def log_softmax(input, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along ``dim``, computed in ``dtype`` if given."""
    return ops.log_softmax(_in_dtype(input, dtype), _required_dim("log_softmax", dim))


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1/(1 - p) while
    ``training`` (the mask comes from the generator that ``manual_seed`` seeds)."""
    _not_inplace("dropout", inplace)
    return ops.dropout(input, p, training)


def embedding(input, weight, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer indices ``input``; the
    ``padding_idx`` row (negative counts from the end) receives no gradient."""
    weight = ensure_tensor(weight)
    if padding_idx is not None:
        rows = weight.shape[0] if weight.ndim else 0
        if not isinstance(padding_idx, (int, np.integer)) or not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx must be an int in [-{rows}, {rows}), "
                             f"got {padding_idx!r}")
        padding_idx = int(padding_idx) % rows
    return ops.embedding(weight, input, padding_idx)


def linear(input, weight, bias=None) -> Tensor:  # noqa: A002
    """x Wᵀ + b over the last axis of ``input``; ``weight`` is (out_features, in_features)."""
    return linalg.linear(input, weight, bias)
