"""The differentiable operations, as functions; ``Tensor``'s methods call these."""

from .elementwise import (abs, add, cast, clamp, clip, clone, div, exp, log, masked_fill, maximum,
                          minimum, mul, neg, pow, relu, sigmoid, sqrt, sub, tanh, where)
from .linalg import matmul
from .nn import (binary_cross_entropy_with_logits, cross_entropy, dropout, embedding,
                 log_softmax, logsumexp, mse_loss, softmax)
from .reduce import (ValuesIndices, amax, amin, argmax, argmin, max, mean, min, sort, sum,
                     topk)
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, flip, gather,
                    getitem, permute, repeat, reshape, split, squeeze, stack, swapaxes,
                    transpose, unsqueeze, unstack)

__all__ = [
    "abs", "add", "cast", "clamp", "clip", "clone", "div", "exp", "log", "masked_fill",
    "maximum", "minimum", "mul", "neg", "pow", "relu", "sigmoid", "sqrt", "sub", "tanh", "where",
    "matmul", "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "embedding",
    "log_softmax", "logsumexp", "mse_loss", "softmax", "ValuesIndices", "amax", "amin", "argmax",
    "argmin", "max", "mean", "min", "sort", "sum", "topk", "broadcast_to", "cat", "chunk",
    "concatenate", "expand", "flatten", "flip", "gather", "getitem", "permute", "repeat",
    "reshape", "split", "squeeze", "stack", "swapaxes", "transpose", "unsqueeze", "unstack",
]
