"""The compiled whole sequence as one differentiable op: a :class:`Program` run.

:class:`GeneratedSequence` is one ``Function`` over ``x``, the cell's parameters and the
initial states. Its forward has three parts:

1. the **prelude**: the parameter-only and hoisted values of the step, computed by the
   traced Functions' own ``forward`` (hoisted ones on all T·N rows of x at once), each
   call kept on a small tape;
2. the generated ``run_forward``: the time loop's kernel, on each chunk of the batch;
3. nothing else: the outputs are the kernel's.

Its backward runs the generated ``run_backward`` (the backward kernel, then each per-step
product's weight gradient as one large product, Σ_t v_tᵀ dm_t), and walks the tape back
through the same Functions' own ``backward``. So the only arithmetic that is not the engine's is in the
generated loops, and those come from the per-op rules.
"""

from __future__ import annotations

import numpy as np

from .._kernels.chunks import batch_chunks
from ..function import Context, Function
from .program import Program, compile_cell


# ---------------------------------------------------------------- the prelude and its tape

def _prelude(program: Program, x_rows, parameters: tuple, wanted: tuple):
    """The traced values that the loop reads (``frontiers``, ``units``, ``scalars``,
    ``matrices``), computed before it; returns (arrays by value index, tape). ``wanted``:
    which of x and the parameters need a gradient."""
    arrays = dict(program.constants)
    arrays[0] = x_rows
    arrays.update(zip(program.parameter_indices, parameters))
    tape = []
    for step in program.prelude(wanted):
        index, function, inputs, options, needs, _ = step
        ctx = Context(needs)
        arrays[index] = np.asarray(function.forward(ctx, *[arrays[i] for i in inputs],
                                                    **options))
        tape.append((step, ctx))
    return arrays, tape


def _prelude_backward(program: Program, tape, grads: dict, parameters: tuple) -> dict:
    """Gradients by value index, walked back through the tape (each Function's own
    ``backward``); ``grads`` holds those of the values the loop read. A view of a parameter
    adds its gradient into the same view of the parameter's, through the view's own
    ``forward``: no array of the parameter's shape per view."""
    into = {}   # a parameter's position -> its gradient, that views add into
    for (index, function, inputs, _, needs, view), ctx in reversed(tape):
        g = grads.pop(index, None)
        if g is None or True not in needs:
            continue
        if view is not None:
            root, chain = view
            if root not in into:
                into[root] = np.zeros(parameters[root].shape, parameters[root].dtype)
            target = into[root]
            for link, options in chain:
                target = link.forward(Context((False,)), target, **options)
            target += g
            continue
        gxs = function.backward(ctx, g)
        for i, gx, needed in zip(inputs, gxs if type(gxs) is tuple else (gxs,), needs):
            if gx is not None and needed:
                _add(grads, i, gx)
    for root, g in into.items():
        _add(grads, program.parameter_indices[root], g)
    return grads


def _add(grads: dict, index: int, g) -> None:
    """Add ``g`` to the gradient of value ``index``."""
    grads[index] = g if index not in grads else grads[index] + g


class GeneratedSequence(Function):
    """All T steps of a compiled cell: inputs ``x, *parameters, *initial_states``, outputs
    ``(output, *final_states)``; options ``program``, ``lengths`` and ``reverse``. The
    generated ``run_forward`` and ``run_backward`` run the kernels over the batch
    (:mod:`~tinygrad_rnn.compiler.driver`).

    From ``2 · CHUNK_MIN`` sequences the time loops run on two halves of the batch, side by
    side, as the hand-written layers' do (:func:`~tinygrad_rnn._kernels.chunks.batch_chunks`):
    the prelude and the weights' gradients see the whole batch, each loop its half."""

    @staticmethod
    def forward(ctx, x, *arrays, program, lengths, reverse):
        T, N, I = x.shape
        count = len(program.parameters)
        parameters, states = arrays[:count], arrays[count:]
        values, tape = _prelude(program, x.reshape(T * N, I), parameters,
                                ctx.needs_input_grad[:1 + count])
        hoisted, shared, matrices = program.loop_inputs
        hoisted = [np.ascontiguousarray(values.pop(i).reshape(T, N, -1)) for i in hoisted]
        shared = [np.ascontiguousarray(values[i]).reshape(-1) for i in shared]
        matrices = [values[i] for i in matrices]
        del values   # NOTE: the prelude's other arrays are freed before the loops allocate
        chunks = batch_chunks(N)
        output, finals, saved = program.module.run_forward(
            lengths, reverse, T, chunks, *hoisted, *shared, *matrices, *states)
        # NOTE: tuples and lists of arrays, so context attributes rather than saved
        # tensors; backward drops them when the graph is not retained, as autograd frees those.
        ctx.saved, ctx.matrices, ctx.tape, ctx.parameters = saved, matrices, tape, parameters
        ctx.x_shape, ctx.program, ctx.chunks, ctx.lengths = x.shape, program, chunks, lengths
        ctx.reverse = reverse
        return (output, *finals)

    @staticmethod
    def backward(ctx, g_out, *g_finals):
        saved, matrices, tape, parameters = ctx.saved, ctx.matrices, ctx.tape, ctx.parameters
        x_shape, program = ctx.x_shape, ctx.program
        if not ctx.retain_graph:
            del ctx.saved, ctx.matrices, ctx.tape, ctx.parameters
        T, N, _ = x_shape
        d_hoisted, d_shared, d_weights, carries = program.module.run_backward(
            ctx.lengths, ctx.reverse, T, ctx.chunks, g_out, *g_finals, *matrices, saved)
        # NOTE: unless the graph is retained, the forward's arrays are freed here, before the
        # prelude's backward allocates.
        del saved
        frontiers, units, products = program.gradient_targets
        grads = {}
        for index, g in zip(frontiers, d_hoisted):
            _add(grads, index, g.reshape(T * N, -1))
        for (index, shape), g in zip(units, d_shared):
            _add(grads, index, g.reshape(shape))
        for index, g in zip(products, d_weights):
            _add(grads, index, g)
        grads = _prelude_backward(program, tape, grads, parameters)
        x_grad = grads.get(0)
        needs = ctx.needs_input_grad
        # NOTE: zeros, not None, for an input that needs a gradient but that the step never
        # used: a Function gives every input that needs a gradient one.
        return (None if not needs[0] else np.zeros(x_shape, g_out.dtype) if x_grad is None
                else x_grad.reshape(x_shape),
                *(None if not need else grads[index] if index in grads
                  else np.zeros(array.shape, array.dtype)
                  for index, array, need in zip(program.parameter_indices, parameters,
                                                needs[1:])),
                *carries)


def run(cell, x, state, lengths=None, reverse=False):
    """``(output, final_state)`` of ``cell`` over ``x`` through its compiled step, as the
    cell contract's ``sequence``; :class:`CompileError` if it cannot be compiled."""
    program = compile_cell(cell)
    cell.check_sequence(x, state, lengths)   # the kernels check no bounds
    T, N, _ = x.shape
    lengths = np.full(N, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
    parameters = [get(cell) for get in program.parameter_getters]
    output, *finals = GeneratedSequence.apply(x, *parameters, *state,
                                              program=program, lengths=lengths,
                                              reverse=bool(reverse))
    return output, tuple(finals)
