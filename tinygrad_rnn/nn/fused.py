"""``FusedRecurrence``: the shared half of a cell's whole-sequence ``Function``.

A recurrence over T steps splits into two kinds of work. The input projection
``xp_t = x_t W_ihᵀ + b_ih`` does not depend on the recurrence, so it is one large matrix
product over all T·N rows before the time loop; its gradients (``dx``, ``dW_ih``,
``db_ih``) are large products after the backward loop, and so are the hidden weights'
(``dW_hh = Σ_t dghᵀ_t h_{t-1}``, ``db_hh = Σ_t Σ_n dgh_t``), from the gradient ``dgh`` of
the hidden product ``h W_hhᵀ + b_hh`` at each step. This class does all of that, and checks
the arguments first (:meth:`RecurrentCell.check_sequence`: compiled loops check no bounds).
The other half, the time loop itself, is the cell's: a subclass supplies it as two methods
over arrays, normally wrappers around Numba kernels:

``recurrence_forward(xp, w_hh, b_hh, states, lengths, reverse, **options)``
    returns ``(output, final_states, h_prev, saved)``: output (T, N, H'), one final array
    per state, the h entering each step (T, N, H'; the operand of the hidden product) and
    whatever else the backward needs. ``xp`` is its own to overwrite (to keep the gates
    in, for instance).
``recurrence_backward(g_output, g_finals, saved, w_hh, lengths, reverse, **options)``
    returns ``(dxp, dgh, d_states)``: the gradient of the input projection (T, N, G·H), of
    the hidden product (T, N, G·H; the same array as ``dxp`` for a cell that adds the two
    before any gate, as the RNN and the LSTM do) and of each initial state. It may write
    its results over arrays of ``saved`` that its forward allocated for the backward
    alone (not over outputs, nor ``h_prev``): when the graph is retained for another
    backward, it gets a copy of ``saved``.

From ``2 · CHUNK_MIN`` sequences up the batch is cut in two halves (the rule of
:func:`~tinygrad_rnn._kernels.chunks.batch_chunks`), and the two methods run once per half,
side by side on tinygrad_rnn's threads: each call sees only its half's rows of ``xp``, the
states, ``lengths`` and the upstream gradients, and its ``saved`` is its own. So they must
be pure functions of their arguments (a Numba kernel compiled with ``nogil``, as the
project's ``kernel`` decorator does, runs truly in parallel).

A cell whose hidden product is not ``h W_hhᵀ`` at every step (the GRU's reset-before
form multiplies part of ``W_hh`` by ``r ⊙ h``) overrides :meth:`hidden_weight_gradient`.

Every array reaches the loop C-contiguous (a copy only when it is not), whatever the layout
of the tensors given, so a Fortran-ordered or strided state, input, weight or upstream
gradient gives bit for bit the result of a contiguous one. The time loops' per-step
products go through ``_kernels.products.step_product`` (NumPy's BLAS on one thread, see
``_kernels.threads``); the large products here through ``_kernels.products.matmul``
(tinygrad_rnn's threads, the same bits at every thread count), and so should a subclass's.
``lengths`` is always an int64 array (T for every
sequence when none is given); a step ``t >= lengths[n]`` must leave sequence n's state
unchanged and output zero. ``reverse`` runs from step T - 1 down to 0.

A cell's ``sequence`` method is then one line: ``return Subclass.run(self, x, state,
lengths, reverse)``.
"""

from __future__ import annotations

import numpy as np

from .._kernels.chunks import batch_chunks, joined, summed
from .._kernels.products import matmul
from .._kernels.threads import run_tiles
from ..function import Function
from ..tensor import Tensor


def _contiguous(arrays) -> tuple:
    return tuple(np.ascontiguousarray(array) for array in arrays)


class FusedRecurrence(Function):
    """Whole-sequence forward and backward of a recurrent cell; see the module docstring."""

    @classmethod
    def recurrence_forward(cls, xp, w_hh, b_hh, states, lengths, reverse, **options):
        raise NotImplementedError

    @classmethod
    def recurrence_backward(cls, g_output, g_finals, saved, w_hh, lengths, reverse, **options):
        raise NotImplementedError

    @classmethod
    def hidden_weight_gradient(cls, dgh, h_prev, saved, **options):
        """dW_hh = Σ_t dghᵀ_t h_{t-1}: one product over all T·n rows of one half of the
        batch (the halves' results are summed)."""
        rows = dgh.reshape(-1, dgh.shape[-1])
        return matmul(rows.T, h_prev.reshape(rows.shape[0], -1))

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
        """Check the arguments against ``cell`` (:meth:`RecurrentCell.check_sequence`), then
        apply to its weights (:meth:`parameters`); return ``(output, final_state)`` as the
        cell contract's ``sequence`` does."""
        cell.check_sequence(x, state, lengths)
        output, *finals = cls.apply(x, *cls.parameters(cell), *state, lengths=lengths,
                                    reverse=reverse, **options)
        return output, tuple(finals)

    @classmethod
    def forward(cls, ctx, x, w_ih, w_hh, b_ih, b_hh, *states, lengths=None, reverse=False,
                **options):
        x, w_ih, w_hh, b_ih, b_hh, *states = _contiguous((x, w_ih, w_hh, b_ih, b_hh, *states))
        T, N, _ = x.shape
        lengths = np.full(N, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
        # The input projection for all T·N rows as one matrix product.
        xp = matmul(x.reshape(T * N, -1), w_ih.T).reshape(T, N, -1)
        xp += b_ih
        chunks = batch_chunks(N)
        results = [None] * len(chunks)

        def loop(k, rows):
            results[k] = cls.recurrence_forward(
                np.ascontiguousarray(xp[:, rows]), w_hh, b_hh,
                tuple(np.ascontiguousarray(s[rows]) for s in states), lengths[rows], reverse,
                **options)

        run_tiles([lambda k=k, rows=rows: loop(k, rows) for k, rows in enumerate(chunks)])
        output = joined([r[0] for r in results], axis=1)
        finals = [joined(parts, axis=0) for parts in zip(*(r[1] for r in results))]
        ctx.save_for_backward(x, w_ih, w_hh, lengths)
        ctx.chunks, ctx.reverse, ctx.options = chunks, reverse, options
        ctx.h_prev, ctx.saved = [r[2] for r in results], [r[3] for r in results]
        return (output, *finals)

    @classmethod
    def backward(cls, ctx, g_output, *g_finals):
        x, w_ih, w_hh, lengths = ctx.saved_tensors
        saved = ctx.saved
        if ctx.retain_graph:
            saved = [tuple(array.copy() for array in part) for part in saved]
        needs = ctx.needs_input_grad
        results = [None] * len(ctx.chunks)

        def loop(k, rows):
            dxp, dgh, d_states = cls.recurrence_backward(
                np.ascontiguousarray(g_output[:, rows]),
                tuple(np.ascontiguousarray(g[rows]) for g in g_finals), saved[k], w_hh,
                lengths[rows], ctx.reverse, **ctx.options)
            # NOTE: each chunk's share of dW_hh, summed below in chunk order: the same
            # sums at every thread count.
            dw_hh = (cls.hidden_weight_gradient(dgh, ctx.h_prev[k], saved[k], **ctx.options)
                     if needs[2] else None)
            db_hh = dgh.reshape(-1, dgh.shape[-1]).sum(axis=0) if needs[4] else None
            results[k] = dxp, dw_hh, db_hh, d_states

        run_tiles([lambda k=k, rows=rows: loop(k, rows) for k, rows in enumerate(ctx.chunks)])
        if not ctx.retain_graph:   # freed with the saved arrays, as autograd frees those
            del ctx.saved, ctx.h_prev
        dxp = joined([r[0] for r in results], axis=1)
        d_states = [joined(parts, axis=0) for parts in zip(*(r[3] for r in results))]
        T, N, I = x.shape
        rows = dxp.reshape(T * N, -1)
        dx = matmul(rows, w_ih).reshape(T, N, I) if needs[0] else None
        dw_ih = matmul(rows.T, x.reshape(T * N, I)) if needs[1] else None
        dw_hh = summed(r[1] for r in results) if needs[2] else None
        db_ih = rows.sum(axis=0) if needs[3] else None
        db_hh = summed(r[2] for r in results) if needs[4] else None
        return (dx, dw_ih, dw_hh, db_ih, db_hh, *d_states)

