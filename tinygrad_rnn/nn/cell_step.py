"""One step of a recurrent cell as one graph node, for cells called step by step.

A cell called as PyTorch's single-step cells are (``h, c = cell(x, (h, c))`` in a Python
loop) runs its ``step``, which is written with engine ops: a dozen nodes per step, each
keeping its inputs for the backward. A cell that has a fused whole-sequence
:class:`~tinygrad_rnn.nn.fused.FusedRecurrence` can instead give a ``fused_step`` that
returns :func:`run_step`: the same step as one node, :class:`FusedStep`, with the cell's
hand-written kernels doing its forward and backward.

:class:`FusedStep` is that ``FusedRecurrence`` over a sequence of one step (T = 1). Its
forward keeps nothing but references to its inputs, which the graph holds anyway (the
previous step's state, the weights, the input); its backward runs the step's forward again
from them, then the whole-sequence backward. So a step adds only its outputs to what the
graph holds: for the LSTM h' and c', 2·N·H numbers, where PyTorch's ``LSTMCell`` also keeps
its four gates (6·N·H). The price is one more forward of the step in the backward.

A cell without ``fused_step`` (one whose whole-sequence path is composed from engine ops,
or none) runs ``step`` op by op; a ``fused_step`` generated from a cell's ``step`` plugs in
at the same attribute. ``TINYGRAD_RNN_STEPWISE=1`` forces ``step`` everywhere, as it does
for whole sequences.
"""

from __future__ import annotations

from ..function import Context, Function
from .fused import FusedRecurrence
from .recurrent import use_fused


class FusedStep(Function):
    """One step ``(x, w_ih, w_hh, b_ih, b_hh, *states) -> (h, *new_states)`` of the
    ``recurrence`` (a :class:`FusedRecurrence` subclass, run with its ``options``)."""

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, *states, recurrence, options):
        inputs = (x[None], w_ih, w_hh, b_ih, b_hh, *states)
        output, *finals = recurrence.forward(Context(ctx.needs_input_grad), *inputs, **options)
        ctx.save_for_backward(*inputs)   # references only: no copy
        ctx.recurrence, ctx.options = recurrence, options
        return (output[0], *finals)

    @staticmethod
    def backward(ctx, gy, *g_states):
        inputs, recurrence, options = ctx.saved_tensors, ctx.recurrence, ctx.options
        # NOTE: the forward is run again to have what the sequence backward reads (the gates
        # and the states entering the step); those arrays are this backward's own to reuse.
        inner = Context(ctx.needs_input_grad)
        inner.retain_graph = False
        recurrence.forward(inner, *inputs, **options)
        gx, *grads = recurrence.backward(inner, gy[None], *g_states)
        return (None if gx is None else gx[0], *grads)


def run_step(recurrence: type[FusedRecurrence], cell, x, state, **options):
    """``(h, new_state)`` for one step of ``cell`` from ``x`` (N, I) and ``state``, as one
    :class:`FusedStep` node of ``recurrence`` (the cell's own ``FusedRecurrence``, with
    the ``options`` its ``sequence`` passes); ``cell.step`` instead when
    ``TINYGRAD_RNN_STEPWISE=1``. What a cell's ``fused_step`` returns."""
    if not use_fused(None):
        return cell.step(x, state)
    cell.check_sequence(x.array[None], state, where=f"{type(cell).__name__} step")
    h, *new_state = FusedStep.apply(x, *recurrence.parameters(cell), *state,
                                    recurrence=recurrence, options=options)
    return h, tuple(new_state)
