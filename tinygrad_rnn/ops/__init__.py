"""The operations, as functions; ``Tensor``'s operators and op methods call these.

A new op goes into the module of its kind and its name into the imports and ``__all__``
below; it is then ``tinygrad_rnn.NAME`` too.
"""

from .compare import all, any, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, ge, gt, le, lt, ne
from .einsum import einsum
from .elementwise import (abs, add, allclose, cast, clamp, clip, clone, div, erf, exp, gelu,
                          isfinite, isinf, isnan, leaky_relu, log, masked_fill, maximum,
                          minimum, mul, neg, pow, relu, sigmoid, softplus, sqrt, sub, tanh,
                          where)
from .linalg import baddbmm, bmm, matmul
from .nn import (binary_cross_entropy_with_logits, cross_entropy, dropout, embedding,
                 log_softmax, logsumexp, mse_loss, multinomial, softmax)
from .reduce import (ValuesIndices, amax, amin, argmax, argmin, cumsum, max, mean, min, norm,
                     prod, sort, std, sum, topk, var)
from .shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, flip, gather,
                    getitem, index_select, masked_select, narrow, permute, repeat, reshape,
                    setitem, split, squeeze, stack, swapaxes, transpose, unbind, unsqueeze,
                    unstack)

__all__ = [
    "all", "any", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "eq", "ge", "gt",
    "le", "lt", "ne",
    "abs", "add", "cast", "clamp", "clip", "clone", "div", "exp", "log", "masked_fill",
    "maximum", "minimum", "mul", "neg", "pow", "relu", "sigmoid", "sqrt", "sub", "tanh", "where",
    "matmul", "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "embedding",
    "log_softmax", "logsumexp", "mse_loss", "multinomial", "softmax", "ValuesIndices", "amax", "amin", "argmax",
    "argmin", "max", "mean", "min", "sort", "sum", "topk", "broadcast_to", "cat", "chunk",
    "concatenate", "expand", "flatten", "flip", "gather", "getitem", "permute", "repeat",
    "reshape", "setitem", "split", "squeeze", "stack", "swapaxes", "transpose", "unsqueeze", "unstack",
    "allclose", "baddbmm", "bmm", "cumsum", "einsum", "erf", "gelu", "index_select",
    "isfinite", "isinf", "isnan", "leaky_relu", "masked_select", "narrow", "norm", "prod",
    "softplus", "std", "unbind", "var",
]
