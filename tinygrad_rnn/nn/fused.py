"""``FusedRecurrence``: the shared half of a cell's whole-sequence ``Function``.

A recurrence over T steps splits into two kinds of work. The input projection
``xp_t = x_t W_ihᵀ + b_ih`` does not depend on the recurrence, so it is one large matrix
product over all T·N rows before the time loop; its gradients (``dx``, ``dW_ih``,
``db_ih``) are large products after the backward loop. This class does that half. The
other half, the time loop itself, is the cell's: a subclass supplies it as two methods
over arrays, normally wrappers around Numba kernels:

``recurrence_forward(xp, w_hh, b_hh, states, lengths, reverse, **options)``
    returns ``(output, final_states, saved)``: output (T, N, H'), one final array per
    state, and whatever the backward needs. ``xp`` is its own to overwrite (to keep the
    gates in, for instance).
``recurrence_backward(g_output, g_finals, saved, w_hh, lengths, reverse, **options)``
    returns ``(dxp, dw_hh, db_hh, d_states)``: the gradient of the input projection
    (T, N, G·H), of the hidden weights and bias, and of each initial state. It may write
    its results over arrays of ``saved`` that its forward allocated for the backward
    alone (not over outputs): when the graph is retained for another backward, it gets a
    copy of ``saved``.

The large products here go through ``_kernels.products.matmul`` (tinygrad_rnn's threads,
the same bits at every thread count), and so should a subclass's; the time loops' per-step
products through ``_kernels.products.step_product``: NumPy's BLAS on one thread (see
``_kernels.threads``). ``lengths`` is always an
int64 array (T for every sequence when none is given); a step ``t >= lengths[n]`` must
leave sequence n's state unchanged and output zero. ``reverse`` runs from step T - 1 down
to 0.

A cell's ``sequence`` method is then one line: ``return Subclass.run(self, x, state,
lengths, reverse)``.
"""

from __future__ import annotations

import numpy as np

from .._kernels.products import matmul
from ..function import Function
from ..tensor import Tensor


class FusedRecurrence(Function):
    """Whole-sequence forward and backward of a recurrent cell; see the module docstring."""

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse, **options):
        raise NotImplementedError

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse, **options):
        raise NotImplementedError

    @staticmethod
    def parameters(cell) -> tuple:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of ``cell``, with zero constants for
        the biases when it has none."""
        if cell.bias_ih is None:
            b_ih = b_hh = Tensor(np.zeros(cell.weight_ih.shape[0], cell.dtype))
        else:
            b_ih, b_hh = cell.bias_ih, cell.bias_hh
        return cell.weight_ih, cell.weight_hh, b_ih, b_hh

    @classmethod
    def run(cls, cell, x, state, lengths=None, reverse=False, **options):
        """Apply to ``cell``'s weights (:meth:`parameters`); return ``(output,
        final_state)`` as the cell contract's ``sequence`` does."""
        output, *finals = cls.apply(x, *cls.parameters(cell), *state, lengths=lengths,
                                    reverse=reverse, **options)
        return output, tuple(finals)

    @classmethod
    def forward(cls, ctx, x, w_ih, w_hh, b_ih, b_hh, *states, lengths=None, reverse=False,
                **options):
        T, N, _ = x.shape
        lengths = np.full(N, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
        # The input projection for all T·N rows as one matrix product.
        xp = matmul(x.reshape(T * N, -1), w_ih.T).reshape(T, N, -1)
        xp += b_ih
        output, finals, saved = cls.recurrence_forward(xp, w_hh, b_hh, states, lengths, reverse,
                                                       **options)
        ctx.save_for_backward(x, w_ih, w_hh, saved, lengths, reverse, options)
        return (output, *finals)

    @classmethod
    def backward(cls, ctx, g_output, *g_finals):
        x, w_ih, w_hh, saved, lengths, reverse, options = ctx.saved_tensors
        if ctx.retain_graph:
            saved = tuple(array.copy() for array in saved)
        dxp, dw_hh, db_hh, d_states = cls.recurrence_backward(g_output, g_finals, saved, w_hh,
                                                              lengths, reverse, **options)
        T, N, I = x.shape
        rows = dxp.reshape(T * N, -1)
        needs = ctx.needs_input_grad
        dx = matmul(rows, w_ih).reshape(T, N, I) if needs[0] else None
        dw_ih = matmul(rows.T, x.reshape(T * N, I)) if needs[1] else None
        db_ih = rows.sum(axis=0) if needs[3] else None
        return (dx, dw_ih, dw_hh, db_ih, db_hh if needs[4] else None, *d_states)
