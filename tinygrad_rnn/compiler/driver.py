"""Write the Python that runs a plan's two kernels over a batch: ``run_forward`` and
``run_backward``, generated beside the kernels in the same module.

Each allocates the arrays its kernel takes, for the whole batch, with the plan's widths
written in (the names of ``codegen``'s module docstring), calls the kernel once per chunk
of the batch (:func:`~tinygrad_rnn._kernels.chunks.batch_chunks`), side by side on the
threads, each call on its own rows, and returns plain tuples:

- ``run_forward(lengths, reverse, T, chunks, f…, u…, c…, matrix…, initial…)`` takes the
  hoisted values (T, N, K), the per-unit vectors and scalars, the matrices and the initial
  states; it returns ``(out, final states, saved)``, ``saved`` being just the arrays that
  ``run_backward`` reads (the rest is freed on return);
- ``run_backward(lengths, reverse, T, chunks, g_out, g_final…, matrix…, saved)`` returns
  the gradients ``(df…, du… and dc…, dW…, carry…)``: of the hoisted values, of the
  per-unit vectors and scalars (each chunk's share, added in chunk order: the same bits at
  every thread count), of each per-step product's matrix (Σ_t v_tᵀ dm_t over all T·N rows,
  :func:`weight_gradient`), and of the initial states.

Written out rather than interpreted from a table, a run costs a few microseconds of Python,
not tens: at small sizes, that is the difference from a hand-written kernel.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels.products import matmul
from .lower import Plan

IMPORTS = ("from tinygrad_rnn._kernels.chunks import summed\n"
           "from tinygrad_rnn._kernels.products import prepared\n"
           "from tinygrad_rnn._kernels.threads import run_tiles\n"
           "from tinygrad_rnn.compiler.driver import weight_gradient\n")


def weight_gradient(left, dm, matrix):
    """Σ_t v_tᵀ dm_t over all T·N rows: the gradient of the ``matrix`` of a per-step product
    v @ W from its left operand's rows ``left`` (T, N, K) and its gradient ``dm`` (T, N, P).
    NOTE: a matrix that is a view such as W.T gets it as (dmᵀ v)ᵀ, in its own layout, so
    that W's comes back contiguous (as MatMul's backward does)."""
    left, dm = left.reshape(-1, left.shape[-1]), dm.reshape(-1, dm.shape[-1])
    return matmul(dm.T, left).T if matrix.flags.f_contiguous else matmul(left.T, dm)


def history(node) -> str:
    """The name of the array that holds a product's left operand at every step."""
    if node.kind == "state":
        return f"s{node.index}"
    if node.kind == "product":
        return f"m{node.id}"
    if node.kind == "loop" and node.home[0] == "state":
        return f"s{node.home[1]}"
    return "out" if node.kind == "loop" and node.home[0] == "out" else f"k{node.id}"


def _steps_read(node) -> str:
    """The T steps of a product's left operand, out of its history: a state's history
    has T + 1 entries, and the product read those entering (``s[e]``) or leaving (``s[l]``)
    each step."""
    name = history(node)
    if not name.startswith("s"):
        return name
    entering = node.kind == "state"   # else a new state, stored as it leaves the step
    first, rest = (f"{name}[1:]", f"{name}[:-1]") if entering else (f"{name}[:-1]", f"{name}[1:]")
    return f"({first} if reverse else {rest})"


def _tuple(names: list[str]) -> str:
    """A Python tuple of ``names``."""
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


class _Lines:
    def __init__(self):
        self.lines = []

    def add(self, line: str, comment: str = "") -> None:
        text = "    " + line if line else ""
        self.lines.append(f"{text:<60}  # {comment}" if comment else text)

    def zeros(self, arrays: list, dtype: str, comment: str = "") -> None:
        """``name = np.zeros(shape)`` for each ``(name, shape)`` of ``arrays``; those of one
        shape come out of one allocation (``a, b = np.zeros((2, *shape))``)."""
        shapes = {}
        for name, shape in arrays:
            shapes.setdefault(shape, []).append(name)
        for shape, names in shapes.items():
            if len(names) == 1:
                self.add(f"{names[0]} = np.zeros({shape}, {dtype})", comment)
            else:
                inner = shape[1:-1].rstrip(",")
                self.add(f"{', '.join(names)} = np.zeros(({len(names)}, {inner}), {dtype})",
                         comment)


def generate(plan: Plan, dtype, forward_args: list, backward_args: list, aliases: dict) -> str:
    """The source of ``run_forward`` and ``run_backward`` for ``plan``'s kernels, whose
    arguments are ``forward_args`` and ``backward_args``; ``aliases`` names the gradient
    arrays that are one."""
    kept = saved(plan, forward_args, backward_args)
    return (_forward(plan, dtype, forward_args, kept) + "\n\n"
            + _backward(plan, dtype, backward_args, aliases, kept))


def _inputs(plan: Plan) -> list[str]:
    return ([f"f{i}" for i in range(len(plan.frontiers))]
            + [f"u{i}" for i in range(len(plan.units))]
            + [f"c{i}" for i in range(len(plan.scalars))]
            + [f"matrix{i}" for i in range(len(plan.matrices))])


def saved(plan: Plan, forward_args: list, backward_args: list) -> list[str]:
    """The forward's arrays that the backward reads, in the order ``saved`` holds them."""
    forward = set(forward_args) - {"lengths", "reverse", "first", "last"}
    histories = [history(p.args[0]) for p in plan.products]
    return list(dict.fromkeys([a for a in backward_args if a in forward]
                              + [f"s{k}" for k in range(len(plan.new_state))] + histories))


def _call(kernel: str, arguments: list, names: dict) -> str:
    """The call of ``kernel`` with its ``arguments``, each written as ``names`` says (else
    as itself)."""
    return f"{kernel}({', '.join(names.get(a, a) for a in arguments)})"


def _chunk_runs(code: _Lines, prepare: list, call: str, chunk_index: bool) -> None:
    """A nested ``run`` that calls a kernel on one chunk's rows (and, with ``chunk_index``,
    knows which chunk it is), and the line that runs it on every chunk, side by side on the
    threads."""
    code.add("")
    code.add(f"def run({'k, rows' if chunk_index else 'rows'}):")
    code.add("    first, last = rows.start, rows.stop")
    for line, comment in prepare:
        code.add("    " + line, comment)
    code.add("    " + call)
    code.add("")
    code.add("run_tiles([lambda k=k, rows=rows: run(k, rows) for k, rows in enumerate(chunks)])"
             if chunk_index else "run_tiles([lambda rows=rows: run(rows) for rows in chunks])")


def _forward(plan: Plan, dtype, forward_args: list, kept: list) -> str:
    d = f"np.{np.dtype(dtype).name}"
    states = range(len(plan.new_state))
    code = _Lines()
    for k, node in zip(states, plan.new_state):
        code.add(f"s{k} = np.empty((T + 1, N, {node.width}), {d})", f"the history of state {k}")
        code.add(f"s{k}[T if reverse else 0] = initial{k}")
    code.add(f"out = np.zeros((T, N, {plan.output.width}), {d})", "zero past each length")
    for p in plan.products:
        shape = f"(T, N, {p.width})" if p.saved else f"(N, {p.width})"
        code.add(f"m{p.id} = np.empty({shape}, {d})", "a per-step product")
    kept_here = [(f"k{node.id}", f"(T, N, {node.width})") for node in plan.nodes
                 if node.home == ("k", node.id)]
    code.zeros([a for a in kept_here if a[0] in kept], d, "kept for the backward")
    code.zeros([a for a in kept_here if a[0] not in kept], d, "kept for later loops")
    prepare = [(f"w{i}, w{i}_t = prepared(matrix{i}, last - first)",
                "the orientation step_product takes") for i in range(len(plan.matrices))]
    _chunk_runs(code, prepare, _call("forward", forward_args, {}), chunk_index=False)
    finals = [f"s{k}[0 if reverse else T].copy()" for k in states]
    code.add(f"return out, {_tuple(finals)}, {_tuple(kept)}")
    arguments = ["lengths", "reverse", "T", "chunks", *_inputs(plan),
                 *(f"initial{k}" for k in states)]
    return (f"def run_forward({', '.join(arguments)}):\n"
            f'    """The forward over the whole batch: see the module docstring."""\n'
            f"    N = lengths.shape[0]\n" + "\n".join(code.lines) + "\n")


def _backward(plan: Plan, dtype, backward_args: list, aliases: dict, kept: list) -> str:
    d = f"np.{np.dtype(dtype).name}"
    states = range(len(plan.new_state))
    code = _Lines()
    code.add(f"{_tuple(kept)} = saved")
    code.add(f"g_out = np.ascontiguousarray(g_out, {d})")
    for k in states:
        code.add(f"carry{k} = np.array(g_final{k}, {d}, copy=True)",
                 f"state {k}'s gradient from later steps")
    code.zeros([(f"d{k}", f"(N, {node.width})") for k, node in zip(states, plan.new_state)], d,
               "... and at this step")
    code.zeros([(f"df{i}", f"(T, N, {v.shape[1]})") for i, v in enumerate(plan.frontiers)], d)
    shares = ([(f"du{i}", f"(len(chunks), {math.prod(v.shape)})")
               for i, v in enumerate(plan.units)]
              + [(f"dc{i}", "(len(chunks), 1)") for i in range(len(plan.scalars))])
    code.zeros(shares, d, "each chunk's share")
    for p in plan.products:
        if f"dm{p.id}" in aliases:
            code.add(f"dm{p.id} = {aliases[f'dm{p.id}']}", "the same sums as its twin's")
    code.zeros([(f"dm{p.id}", f"(T, N, {p.width})") for p in plan.products
                if f"dm{p.id}" not in aliases], d)
    code.zeros([(f"gb{node.id}", f"(T, N, {node.width})") for node in plan.nodes if node.gbuf],
               d, "gradients sent back by later loops")
    prepare = [(f"wt{i}, wt{i}_t = prepared(matrix{i}.T, last - first)", "")
               for i in range(len(plan.matrices)) if f"wt{i}" in backward_args]
    call = _call("backward", backward_args, {name: f"{name}[k]" for name, _ in shares})
    _chunk_runs(code, prepare, call, chunk_index=True)
    for p in plan.products:
        code.add(f"dW{p.id} = weight_gradient({_steps_read(p.args[0])}, dm{p.id}, "
                 f"matrix{p.index})", "Σ_t v_tᵀ dm_t")
    groups = [[f"df{i}" for i in range(len(plan.frontiers))],
              [f"summed({name})" for name, _ in shares],
              [f"dW{p.id}" for p in plan.products],
              [f"carry{k}" for k in states]]
    code.add("return " + ", ".join(_tuple(g) if g else "()" for g in groups),
             "the chunks' shares added in order")
    arguments = ["lengths", "reverse", "T", "chunks", "g_out", *(f"g_final{k}" for k in states),
                 *(f"matrix{i}" for i in range(len(plan.matrices))), "saved"]
    return (f"def run_backward({', '.join(arguments)}):\n"
            f'    """The backward over the whole batch: see the module docstring."""\n'
            f"    N = lengths.shape[0]\n" + "\n".join(code.lines) + "\n")
