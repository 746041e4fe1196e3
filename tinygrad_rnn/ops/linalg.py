"""Matrix product, as NumPy's ``@``: 1-D, 2-D, and batched with broadcast batch axes.

For C = A @ B with upstream gradient G: dA = G @ Bᵀ and dB = Aᵀ @ G, each summed over the
batch axes that were broadcast. A 1-D A is treated as a row (1, k), a 1-D B as a column.

When B is a matrix (or a vector) and A has leading axes, as in a linear layer applied to
a (T, N, k) sequence, the leading axes are folded into the rows of one 2-D product:
A (..., k) as A' (M, k), so C' = A' B, dA' = G' Bᵀ and dB = A'ᵀ G'. That is one large
product instead of a batch of thin ones, and dB comes out summed over every row, never as
a per-batch (..., k, n) stack that a later sum would reduce.

Every product goes through ``_kernels.products.matmul``: tinygrad_rnn's threads, and the
same bits at every thread count.
"""

import math

import numpy as np

from .._kernels.products import matmul as product
from ..function import Function
from ..tensor import Tensor, ensure_tensor
from ._common import broadcast_shapes, unbroadcast


def _rows(x: np.ndarray) -> np.ndarray:
    """``x`` (..., k) as a 2-D (M, k) array: its leading axes folded (a view when they can be)."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.ndim > 2 and b.ndim <= 2:
            return product(_rows(a), b).reshape(a.shape[:-1] + b.shape[1:])
        return product(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        if a.ndim >= 2 and b.ndim <= 2:   # a matrix, or leading axes folded into its rows
            return _folded_backward(ctx, a, b, gy)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = gy
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(product(g, b2.swapaxes(-1, -2)), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = unbroadcast(product(a2.swapaxes(-1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


def _folded_backward(ctx, a, b, gy):
    """dA and dB of (M, k) @ (k, n) or (k,), with A's leading axes folded into M."""
    a2, b2 = _rows(a), (b[:, None] if b.ndim == 1 else b)
    g = gy.reshape(a2.shape[0], b2.shape[1])
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = product(g, b2.T).reshape(a.shape)
    if ctx.needs_input_grad[1] and not b2.flags.c_contiguous:
        # NOTE: b is a view such as W.T in x @ W.T: dB computed as (Gᵀ A)ᵀ has b's layout,
        # so W's gradient comes back contiguous and adds into W.grad several times faster.
        gb = product(g.T, a2).T.reshape(b.shape)
    elif ctx.needs_input_grad[1]:
        gb = product(a2.T, g).reshape(b.shape)
    return ga, gb


def matmul(a, b) -> Tensor:
    """a @ b with NumPy's rules for 1-D, 2-D and batched operands."""
    a, b = ensure_tensor(a), ensure_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: {a.shape} @ {b.shape}: operands must have at least 1 dimension")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: {a.shape} @ {b.shape}: inner dimensions {inner_a} and {inner_b} differ"
        )
    if a.ndim > 2 and b.ndim > 2:
        broadcast_shapes("matmul (batch dimensions)", a.shape[:-2], b.shape[:-2])
    return MatMul.apply(a, b)


class Linear(Function):
    """y = x Wᵀ + b over the last axis of x, its leading axes folded into the rows of one
    product (as MatMul's): dx = G W, dW = Gᵀ x, db = the sum of G's rows. The bias is added
    into the product's own output, so the layer makes one output array, not two."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        y = product(_rows(x), weight.T)
        if bias is not None:
            y += bias
        return y.reshape(x.shape[:-1] + weight.shape[:1])

    @staticmethod
    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        has_bias = ctx.has_bias
        g = _rows(gy)
        gx = product(g, weight).reshape(x.shape) if ctx.needs_input_grad[0] else None
        gw = product(g.T, _rows(x)) if ctx.needs_input_grad[1] else None
        gb = g.sum(axis=0) if has_bias and ctx.needs_input_grad[2] else None
        return (gx, gw, gb) if has_bias else (gx, gw)


def linear(x, weight, bias=None) -> Tensor:
    """x Wᵀ + b over the last axis of ``x`` (..., in): ``weight`` (out, in), ``bias`` (out,)
    or None; the result is (..., out)."""
    x, weight = ensure_tensor(x), ensure_tensor(weight)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input {x.shape} and weight {weight.shape}: expected input "
                         f"(..., in_features) and weight (out_features, in_features)")
    if bias is None:
        return Linear.apply(x, weight)
    bias = ensure_tensor(bias)
    if bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias must have shape {weight.shape[:1]} (out_features,), "
                         f"got {bias.shape}")
    return Linear.apply(x, weight, bias)


def bmm(input, mat2) -> Tensor:  # noqa: A002
    """The batched product of (b, n, m) and (b, m, p) tensors: (b, n, p), as ``torch.bmm``
    (no broadcasting: both must be 3-D with the same batch size)."""
    input, mat2 = ensure_tensor(input), ensure_tensor(mat2)
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0] or \
            input.shape[2] != mat2.shape[1]:
        raise ValueError(f"bmm: expected (b, n, m) and (b, m, p) tensors, got {input.shape} "
                         f"and {mat2.shape}")
    return MatMul.apply(input, mat2)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta * input + alpha * bmm(batch1, batch2), ``input`` broadcasting to the batch_product's
    shape (as ``torch.baddbmm``; with beta = 0 ``input`` is ignored, NaN included)."""
    batch_product = bmm(batch1, batch2)
    if alpha != 1:
        batch_product = batch_product * alpha
    if beta == 0:
        return batch_product
    input = ensure_tensor(input)  # noqa: A001
    broadcast_shapes("baddbmm", input.shape, batch_product.shape)
    return batch_product + (input if beta == 1 else input * beta)
