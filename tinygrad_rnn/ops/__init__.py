"""The differentiable operations, as functions; ``Tensor``'s methods call these."""

from .elementwise import (abs, add, clip, div, exp, log, maximum, minimum, mul, neg, pow, relu,
                          sigmoid, sqrt, sub, tanh, where)
from .linalg import matmul
from .nn import (binary_cross_entropy_with_logits, cross_entropy, dropout, embedding,
                 log_softmax, logsumexp, mse_loss, softmax)
from .reduce import max, mean, min, sum
from .shape import (broadcast_to, chunk, concatenate, flip, getitem, permute, reshape, split,
                    squeeze, stack, swapaxes, transpose, unsqueeze, unstack)

__all__ = [
    "abs", "add", "clip", "div", "exp", "log", "maximum", "minimum", "mul", "neg", "pow", "relu",
    "sigmoid", "sqrt", "sub", "tanh", "where", "matmul", "binary_cross_entropy_with_logits",
    "cross_entropy", "dropout", "embedding", "log_softmax", "logsumexp", "mse_loss", "softmax",
    "max", "mean", "min", "sum", "broadcast_to", "chunk", "concatenate", "flip", "getitem",
    "permute", "reshape", "split", "squeeze", "stack", "swapaxes", "transpose", "unsqueeze",
    "unstack",
]
