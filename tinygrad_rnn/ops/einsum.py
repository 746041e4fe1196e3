"""``einsum``: sums of products over named indices, as ``torch.einsum``.

For y = einsum("s_1,...,s_n->s_y", x_1, ..., x_n) the gradient of x_k is the same sum with
x_k's place taken by gy: einsum("s_y,<the other s_j>->s_k", gy, <the other x_j>). Two
cases need more (NOTEs below): an index that only x_k has, and an index repeated in s_k.
``...`` stands for the broadcast dims, right-aligned; without ``->`` the output is the
``...`` dims, then the indices that appear once, in alphabetical order (NumPy's rule too).
"""

import string
from collections import Counter

import numpy as np

from ..function import Function
from ..tensor import Tensor, ensure_tensor


def _explicit(equation: str, shapes) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, ``...`` spelled out in letters
    that the equation does not use."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} has {len(terms)} operands, got "
                         f"{len(shapes)} tensors")
    if any(c not in string.ascii_letters + ".,->" for c in equation):
        raise ValueError(f"einsum: subscripts must be letters (and '...'), got {equation!r}")
    unused = [c for c in string.ascii_letters if c not in equation]
    widths = []
    for term, shape in zip(terms, shapes):
        letters = len(term.replace("...", ""))
        if len(shape) < letters or ("..." not in term and len(shape) != letters):
            raise ValueError(f"einsum: subscripts {term!r} do not fit an operand of shape "
                             f"{tuple(shape)}")
        widths.append(len(shape) - letters)
    ellipsis = "".join(unused[:max(widths, default=0)])
    terms = [t.replace("...", ellipsis[len(ellipsis) - w:]) for t, w in zip(terms, widths)]
    if arrow:
        return terms, output.replace("...", ellipsis)
    counts = Counter("".join(terms))
    return terms, ellipsis + "".join(sorted(c for c, n in counts.items()
                                            if n == 1 and c not in ellipsis))


class Einsum(Function):
    @staticmethod
    def forward(ctx, *xs, terms, output):
        ctx.save_for_backward(*xs)
        ctx.terms, ctx.output = terms, output
        return np.einsum(f"{','.join(terms)}->{output}", *xs, optimize=len(xs) > 2)

    @staticmethod
    def backward(ctx, gy):
        xs = ctx.saved_tensors
        return tuple(_gradient(k, xs, ctx.terms, ctx.output, gy) if ctx.needs_input_grad[k] else None
                     for k in range(len(xs)))


def _gradient(k, xs, terms, output, gy):
    term, x = terms[k], xs[k]
    unique = "".join(dict.fromkeys(term))
    others = [j for j in range(len(xs)) if j != k]
    reached = set(output).union(*(terms[j] for j in others))
    kept = "".join(c for c in unique if c in reached)
    g = np.einsum(",".join([output] + [terms[j] for j in others]) + "->" + kept,
                  gy, *(xs[j] for j in others))
    size = dict(zip(term, x.shape))
    # NOTE: an index that only x_k has was summed over x_k alone: gy spreads along it.
    g = np.broadcast_to(g.reshape([g.shape[kept.index(c)] if c in kept else 1 for c in unique]),
                        [g.shape[kept.index(c)] if c in kept else size[c] for c in unique])
    # A size-1 dim of x_k broadcast against a longer one receives the sum along it.
    wide = tuple(i for i, c in enumerate(unique) if size[c] == 1 and g.shape[i] != 1)
    g = g.sum(axis=wide, keepdims=True) if wide else g
    if unique == term:
        return np.array(g, dtype=x.dtype)
    # NOTE: an index repeated in s_k reads a diagonal of x_k; its gradient goes back onto
    # that diagonal, zeros elsewhere (einsum "s_k->unique" is a writeable view of it).
    gx = np.zeros(x.shape, x.dtype)
    np.einsum(f"{term}->{unique}", gx)[...] = g
    return gx


def einsum(equation: str, *operands) -> Tensor:
    """The sum of products that ``equation`` names, e.g. ``einsum("bij,bjk->bik", a, b)``
    for a batched product or ``einsum("ii", a)`` for a trace (as ``torch.einsum``; the
    operands may also come as one list)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: expected the equation string first, got "
                        f"{type(equation).__name__} (the sublist form einsum(a, [0, 1], ...) "
                        "is not supported; write einsum('ij,jk->ik', a, b))")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [ensure_tensor(t) for t in operands]
    terms, output = _explicit(equation, [t.shape for t in tensors])
    sizes = {}
    for term, t in zip(terms, tensors):
        for c, n in zip(term, t.shape):
            if sizes.setdefault(c, n) != n and 1 not in (n, sizes[c]):
                raise ValueError(f"einsum: {equation!r}: index {c!r} has sizes {sizes[c]} and "
                                 f"{n} in operands of shapes {[t.shape for t in tensors]}")
            sizes[c] = max(sizes[c], n)
    if len(set(output)) != len(output) or not set(output) <= set(sizes):
        raise ValueError(f"einsum: the output subscripts of {equation!r} must be distinct "
                         "indices of the operands")
    return Einsum.apply(*tensors, terms=terms, output=output)
