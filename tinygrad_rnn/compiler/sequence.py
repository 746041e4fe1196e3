"""The compiled whole sequence as one differentiable op: a :class:`Program` run.

:class:`GeneratedSequence` is one ``Function`` over ``x``, the cell's parameters and the
initial states. Its forward has three parts:

1. the **prelude**: the parameter-only and hoisted values of the step, computed by the
   traced Functions' own ``forward`` (hoisted ones on all T·N rows of x at once), each
   call kept on a small tape;
2. the generated ``forward`` kernel: the time loop;
3. nothing else: the outputs are the kernel's.

Its backward runs the generated ``backward`` kernel, forms each per-step product's weight
gradient as one large product (Σ_t v_tᵀ dm_t), and walks the tape back through the same
Functions' own ``backward``. So the only arithmetic that is not the engine's is in the
generated loops, and those come from the per-op rules.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels.chunks import batch_chunks, joined, summed
from .._kernels.products import matmul, prepared
from .._kernels.threads import run_tiles
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
    arrays the kernels share go by the names of ``codegen``'s module docstring.

    From ``2 · CHUNK_MIN`` sequences the time loops run on two halves of the batch, side by
    side, as the hand-written layers' do (:func:`~tinygrad_rnn._kernels.chunks.batch_chunks`):
    the prelude and the weights' gradients see the whole batch, each loop its half."""

    @staticmethod
    def forward(ctx, x, *arrays, program, lengths, reverse):
        T, N, I = x.shape
        parameters, states = arrays[:program.count], arrays[program.count:]
        values, tape = _prelude(program, x.reshape(T * N, I), parameters,
                                ctx.needs_input_grad[:1 + program.count])
        buffers = program.buffers
        shared = {"reverse": reverse}
        for name, _, _, index in buffers.per_unit:
            shared[name] = np.ravel(values[index])
        matrices = [values[entry[-1]] for entry in buffers.matrices]
        frontiers = [values.pop(index).reshape(T, N, -1) for *_, index in buffers.frontiers]
        chunks = batch_chunks(N)
        # NOTE: each chunk's rows of the hoisted values are copied before the loops start,
        # so that the whole-batch arrays are freed first (one chunk: the arrays themselves).
        chunk_frontiers = [[np.ascontiguousarray(f[:, rows]) for f in frontiers]
                           for rows in chunks]
        del values, frontiers
        loops = [None] * len(chunks)

        def loop(k, rows):
            loops[k] = _forward_loop(program, shared, matrices, lengths[rows],
                                     chunk_frontiers[k], [s[rows] for s in states], T, x.dtype)
            chunk_frontiers[k] = None

        run_tiles([lambda k=k, rows=rows: loop(k, rows) for k, rows in enumerate(chunks)])
        end = 0 if reverse else T
        output = joined([named["out"] for named in loops], axis=1)
        finals = [joined([named[history][end] for named in loops], axis=0).copy()
                  for history, _, _ in buffers.states]   # copies: the histories are kept
        # NOTE: keep only what the backward reads, so the rest is freed now
        loops = [{name: named[name] for name in buffers.for_backward} for named in loops]
        # NOTE: dicts and lists of arrays, so context attributes rather than saved tensors;
        # backward drops them when the graph is not retained, as autograd frees those.
        ctx.loops, ctx.matrices, ctx.tape, ctx.parameters = loops, matrices, tape, parameters
        ctx.x_shape, ctx.program, ctx.chunks = x.shape, program, chunks
        return (output, *finals)

    @staticmethod
    def backward(ctx, g_out, *g_finals):
        loops, matrices, tape, parameters = ctx.loops, ctx.matrices, ctx.tape, ctx.parameters
        x_shape, program, chunks = ctx.x_shape, ctx.program, ctx.chunks
        if not ctx.retain_graph:
            del ctx.loops, ctx.matrices, ctx.tape, ctx.parameters
        T, N, _ = x_shape
        dtype = loops[0]["s0"].dtype
        parts = [None] * len(chunks)

        def loop(k, rows):
            parts[k] = _backward_loop(program, loops[k], matrices, g_out[:, rows],
                                      [g[rows] for g in g_finals], T, dtype)

        run_tiles([lambda k=k, rows=rows: loop(k, rows) for k, rows in enumerate(chunks)])
        if not ctx.retain_graph:
            loops.clear()   # the forward's arrays, freed before the prelude's backward
        buffers, grads = program.buffers, {}
        for _, name, _, index in buffers.frontiers:
            _add(grads, index, joined([p[name] for p in parts], axis=1).reshape(T * N, -1))
        for _, name, shape, index in buffers.per_unit:
            _add(grads, index, summed(p[name] for p in parts).reshape(shape))
        for name, *_, index in buffers.weight_grads:
            _add(grads, index, summed(p[name] for p in parts))
        grads = _prelude_backward(program, tape, grads, parameters)
        x_grad = grads.get(0)
        needs = ctx.needs_input_grad
        # NOTE: zeros, not None, for an input that needs a gradient but that the step never
        # used: a Function gives every input that needs a gradient one.
        return (None if not needs[0] else np.zeros(x_shape, dtype) if x_grad is None
                else x_grad.reshape(x_shape),
                *(None if not need else grads[index] if index in grads else np.zeros_like(array)
                  for index, array, need in zip(program.parameter_indices, parameters,
                                                needs[1:])),
                *(joined([p[carry] for p in parts], axis=0) for _, carry, _ in buffers.states))


def _forward_loop(program, shared: dict, matrices: list, lengths, frontiers: list,
                  states: list, T: int, dtype) -> dict:
    """Run the generated ``forward`` over one chunk of the batch (``lengths``, the hoisted
    ``frontiers`` and the initial ``states`` are its rows); return its arrays by name."""
    buffers = program.buffers
    n = len(lengths)
    named = dict(shared, lengths=lengths, out=np.zeros((T, n, program.plan.output.width), dtype))
    for (name, *_), f in zip(buffers.frontiers, frontiers):
        named[name] = f
    for (name, flag, *_), w in zip(buffers.matrices, matrices):
        named[name], named[flag] = prepared(w, n)
    for (name, _, _), s in zip(buffers.states, states):
        named[name] = history = np.empty((T + 1, n, s.shape[1]), dtype)
        history[T if shared["reverse"] else 0] = s
    for name, width, every_step in buffers.products:
        named[name] = np.empty((T, n, width) if every_step else (n, width), dtype)
    for name, width in buffers.kept:
        named[name] = np.zeros((T, n, width), dtype)
    program.module.forward(*[named[a] for a in program.forward_args])
    return named


def _backward_loop(program, named: dict, matrices: list, g_out, g_finals: list, T: int,
                   dtype) -> dict:
    """Run the generated ``backward`` over one chunk of the batch (``named``: its forward's
    arrays); return the gradients by name: of the hoisted values (``df<i>``), per-unit
    vectors and scalars (``du<i>``, ``dc<i>``), initial states (``carry<k>``) and, as
    ``dW<id>``, the chunk's share of each per-step product's weight gradient
    (Σ_t v_tᵀ dm_t)."""
    buffers = program.buffers
    n = g_out.shape[1]
    named = dict(named, g_out=np.ascontiguousarray(g_out, dtype))
    for (_, carry, d), g in zip(buffers.states, g_finals):
        named[carry] = np.array(g, dtype, copy=True)
        named[d] = np.zeros(named[carry].shape, dtype)
    for (_, _, name, flag, _), w in zip(buffers.matrices, matrices):
        named[name], named[flag] = prepared(w.T, n)
    for _, name, width, _ in buffers.frontiers:
        named[name] = np.zeros((T, n, width), dtype)
    for _, name, shape, _ in buffers.per_unit:
        named[name] = np.zeros(math.prod(shape), dtype)
    for name, width, twin in buffers.product_grads:
        named[name] = named[twin] if twin else np.zeros((T, n, width), dtype)
    for name, width in buffers.sent_back:
        named[name] = np.zeros((T, n, width), dtype)
    program.module.backward(*[named[a] for a in program.backward_args])
    grads = {name: named[name] for name in buffers.gradients}
    for name, dm, history, entering, index, _ in buffers.weight_grads:
        left = named[history]
        if entering is not None:   # a state's history: the T steps that the product read
            left = left[1:] if entering == bool(named["reverse"]) else left[:-1]
        left, dm = left.reshape(T * n, -1), named[dm].reshape(T * n, -1)
        # NOTE: a matrix that is a view such as W.T gets its gradient as (dmᵀ v)ᵀ, in its
        # own layout, so that W's comes back contiguous (as MatMul's backward does).
        grads[name] = (matmul(dm.T, left).T if matrices[index].flags.f_contiguous
                       else matmul(left.T, dm))
    return grads


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
