"""Matrix product, as NumPy's ``@``: 1-D, 2-D, and batched with broadcast batch axes.

For C = A @ B with upstream gradient G: dA = G @ Bᵀ and dB = Aᵀ @ G, each summed over the
batch axes that were broadcast. A 1-D A is treated as a row (1, k), a 1-D B as a column.
"""

import numpy as np

from ..function import Function
from ..tensor import Tensor, ensure_tensor
from ._common import broadcast_shapes, unbroadcast


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = gy
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = unbroadcast(g @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1] and a.ndim == b.ndim == 2 and not b.flags.c_contiguous:
            # NOTE: b is a view such as W.T in x @ W.T: dB computed as (Gᵀ A)ᵀ has b's layout,
            # so W's gradient comes back contiguous and adds into W.grad several times faster.
            gb = (gy.T @ a).T
        elif ctx.needs_input_grad[1]:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g, b2.shape).reshape(b.shape)
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
    """beta * input + alpha * bmm(batch1, batch2), ``input`` broadcasting to the product's
    shape (as ``torch.baddbmm``; with beta = 0 ``input`` is ignored, NaN included)."""
    product = bmm(batch1, batch2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    input = ensure_tensor(input)  # noqa: A001
    broadcast_shapes("baddbmm", input.shape, product.shape)
    return product + (input if beta == 1 else input * beta)
