"""The compiled whole sequence as one differentiable op, and the per-cell cache of programs.

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

import time
import weakref
from dataclasses import dataclass

import numpy as np

from .._kernels.products import prepared
from ..function import Context, Function
from . import cache, codegen
from .lower import Plan, lower
from .trace import CompileError, trace


@dataclass
class Program:
    """A compiled step: its plan, generated source, loaded kernels and compile time (s)."""

    plan: Plan
    source: str
    module: object
    seconds: float

    @property
    def products(self) -> list[str]:
        """One line per per-step product: the cell's line that made it."""
        return [p.source for p in self.plan.products]


# ---------------------------------------------------------------- the prelude and its tape

def _prelude(plan: Plan, x_rows, parameters: dict):
    """The traced values that the loop reads (``frontiers``, ``units``, ``scalars``,
    ``matrices``), computed before it; returns (arrays by value index, tape)."""
    arrays, tape = {0: x_rows}, []
    for v in plan.graph.values:
        if v.kind == "parameter":
            arrays[v.index] = parameters[v.name]
        elif v.kind == "constant":
            arrays[v.index] = v.data
    for v in plan.prelude:
        inputs = [arrays[i.index] for i in v.inputs]
        ctx = Context(tuple(i.kind != "constant" for i in v.inputs))
        arrays[v.index] = np.asarray(v.function.forward(ctx, *inputs, **v.options))
        tape.append((v, ctx))
    return arrays, tape


def _prelude_backward(tape, grads: dict) -> dict:
    """Gradients by value index, walked back through the tape (each Function's own
    ``backward``); ``grads`` holds those of the values the loop read."""
    for v, ctx in reversed(tape):
        g = grads.pop(v.index, None)
        if g is None:
            continue
        gxs = v.function.backward(ctx, g)
        for i, gx in zip(v.inputs, gxs if type(gxs) is tuple else (gxs,)):
            if gx is not None and i.kind != "constant":
                grads[i.index] = gx if i.index not in grads else grads[i.index] + gx
    return grads


def _add(grads: dict, index: int, g) -> None:
    grads[index] = g if index not in grads else grads[index] + g


class GeneratedSequence(Function):
    """All T steps of a compiled cell: inputs ``x, *parameters, *initial_states``, outputs
    ``(output, *final_states)``; options ``program``, ``names`` (the parameters'), ``lengths``
    and ``reverse``."""

    @staticmethod
    def forward(ctx, x, *arrays, program, names, lengths, reverse):
        plan, kernels = program.plan, program.module
        T, N, I = x.shape
        parameters = dict(zip(names, arrays))
        initial = arrays[len(names):]
        values, tape = _prelude(plan, x.reshape(T * N, I), parameters)
        frontiers = [values[v.index].reshape(T, N, -1) for v in plan.frontiers]
        units = [np.ascontiguousarray(values[v.index]).reshape(-1) for v in plan.units]
        scalars = [np.asarray(values[v.index]).reshape(1) for v in plan.scalars]
        matrices = [part for v in plan.matrices for part in prepared(values[v.index], N)]
        dtype = x.dtype
        states = []
        for s in initial:
            history = np.empty((T + 1, N, s.shape[1]), dtype)
            history[T if reverse else 0] = s
            states.append(history)
        out = np.zeros((T, N, plan.output.width), dtype)
        kept = ([np.empty((T, N, p.width), dtype) for p in plan.products]
                + [np.zeros((T, N, n.width), dtype) for n in plan.nodes if n.home == ("k", n.id)])
        kernels.forward(lengths, reverse, *frontiers, *units, *scalars, *matrices, *states, out,
                        *kept)
        ctx.save_for_backward(values, tape, frontiers, units, scalars, states, out, kept,
                              parameters, lengths, reverse, program)
        return (out, *(h[0 if reverse else T].copy() for h in states))

    @staticmethod
    def backward(ctx, g_out, *g_finals):
        (values, tape, frontiers, units, scalars, states, out, kept, parameters, lengths,
         reverse, program) = ctx.saved_tensors
        plan = program.plan
        T, N, _ = out.shape
        dtype = out.dtype
        carries = [np.array(g, dtype, copy=True) for g in g_finals]
        matrices = [part for v in plan.matrices for part in prepared(values[v.index], N)]
        matrices_t = [part for v in plan.matrices for part in prepared(values[v.index].T, N)]
        d_states = [np.zeros_like(c) for c in carries]
        d_frontiers = [np.zeros_like(f) for f in frontiers]
        d_units = [np.zeros_like(u) for u in units]
        d_scalars = [np.zeros_like(c) for c in scalars]
        d_products = [np.zeros((T, N, p.width), dtype) for p in plan.products]
        g_buffers = [np.zeros((T, N, n.width), dtype) for n in plan.nodes if n.gbuf]
        program.module.backward(lengths, reverse, np.ascontiguousarray(g_out, dtype), *carries,
                                *frontiers, *units, *scalars, *matrices_t, *states, out, *kept,
                                *d_states, *d_frontiers, *d_units, *d_scalars, *d_products,
                                *g_buffers)
        grads = {}
        for v, g in zip(plan.frontiers, d_frontiers):
            _add(grads, v.index, g.reshape(T * N, -1))
        for v, g in zip(plan.units, d_units):
            _add(grads, v.index, g.reshape(v.shape))
        for v, g in zip(plan.scalars, d_scalars):
            _add(grads, v.index, g.reshape(v.shape))
        for product, dm in zip(plan.products, d_products):
            left = _history(product.args[0], states, frontiers, out, kept, plan, reverse)
            rows = left.reshape(T * N, -1)
            _add(grads, plan.matrices[product.index].index, rows.T @ dm.reshape(T * N, -1))
        grads = _prelude_backward(tape, grads)
        by_name = {v.name: grads.get(v.index) for v in plan.graph.values if v.kind == "parameter"}
        x_grad = grads.get(0, np.zeros_like(values[0])).reshape(T, N, -1)
        # NOTE: zeros, not None, for an input the step never used: autograd expects a
        # gradient for every input that requires one.
        return (x_grad, *(np.zeros_like(array) if by_name[name] is None else by_name[name]
                          for name, array in parameters.items()), *carries)


def _history(node, states, frontiers, out, kept, plan, reverse):
    """The (T, N, K) values of a product's left operand at every step."""
    T = out.shape[0]
    entering, leaving = (slice(1, T + 1), slice(0, T)) if reverse else (slice(0, T), slice(1, T + 1))
    if node.kind == "state":
        return states[node.index][entering]
    if node.kind == "frontier":
        return frontiers[node.index]
    if node.kind == "loop" and node.home[0] == "state":
        return states[node.home[1]][leaving]
    if node.kind == "loop" and node.home[0] == "out":
        return out
    owners = [("m", p.id) for p in plan.products] + [n.home for n in plan.nodes
                                                     if n.home == ("k", n.id)]
    return kept[owners.index(("m", node.id) if node.kind == "product" else ("k", node.id))]


# ---------------------------------------------------------------- compiling, once per kind of cell

_PROGRAMS: dict = {}                              # signature -> Program or CompileError
_BY_CELL: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _signature(cell) -> tuple:
    """What a step's graph may depend on: the class, the dtype, the cell's plain
    attributes (sizes and options) and its parameters' shapes."""
    plain = tuple(sorted((k, v) for k, v in vars(cell).items()
                         if isinstance(v, (bool, int, float, str, type(None)))))
    shapes = tuple((name, p.shape) for name, p in cell.named_parameters())
    return type(cell), np.dtype(cell.dtype).name, plain, shapes


def compile_cell(cell) -> Program:
    """The :class:`Program` of ``cell``'s step, traced and generated once per signature
    (class, options, dtype, sizes) and loaded from the disk cache when it is there;
    :class:`CompileError` when the step cannot be compiled."""
    missing = [name for name in ("named_parameters", "check_sequence", "state_sizes", "dtype")
               if not hasattr(cell, name)]
    if missing:
        raise CompileError(f"cannot compile {type(cell).__name__}.step: the cell has no "
                           f"{', '.join(missing)} (subclass RecurrentCell)")
    signature = _signature(cell)
    known = _BY_CELL.get(cell)
    if known is not None and known[0] == signature:
        result = known[1]
    else:
        if signature not in _PROGRAMS:
            _PROGRAMS[signature] = _build(cell)
        result = _PROGRAMS[signature]
        _BY_CELL[cell] = (signature, result)
    if isinstance(result, CompileError):
        raise result
    return result


def why_not(cell) -> str | None:
    """Why ``cell``'s step cannot be compiled (the :class:`CompileError`'s message), or None
    when it can."""
    try:
        compile_cell(cell)
    except CompileError as error:
        return str(error)
    return None


def _build(cell):
    start = time.perf_counter()
    try:
        plan = lower(trace(cell), cell.dtype)
    except CompileError as error:
        return CompileError(f"cannot compile {type(cell).__name__}.step: {error}")
    title = (f"{type(cell).__name__}.step ({np.dtype(cell.dtype).name}, input_size "
             f"{cell.input_size}, state sizes {tuple(cell.state_sizes)})")
    source = codegen.generate(plan, cell.dtype, title)
    module = cache.load(source)
    return Program(plan, source, module, time.perf_counter() - start)


def run(cell, x, state, lengths=None, reverse=False):
    """``(output, final_state)`` of ``cell`` over ``x`` through its compiled step, as the
    cell contract's ``sequence``; :class:`CompileError` if it cannot be compiled."""
    program = compile_cell(cell)
    cell.check_sequence(x, state, lengths)   # the kernels check no bounds
    T, N, _ = x.shape
    lengths = np.full(N, T, np.int64) if lengths is None else np.asarray(lengths, np.int64)
    named = dict(cell.named_parameters())
    names = [v.name for v in program.plan.graph.values if v.kind == "parameter"]
    output, *finals = GeneratedSequence.apply(x, *(named[n] for n in names), *state,
                                              program=program, names=names, lengths=lengths,
                                              reverse=bool(reverse))
    return output, tuple(finals)
