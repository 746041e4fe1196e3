"""Write the Python that runs a plan's two kernels on one chunk of a batch: ``run_forward``
and ``run_backward``, generated beside the kernels in the same module.

Each allocates the arrays its kernel takes, with the plan's widths written in (the names of
``codegen``'s module docstring), calls the kernel, and returns plain tuples:

- ``run_forward(lengths, reverse, T, f…, u…, c…, w…, first…)`` takes a chunk's hoisted
  values, the per-unit vectors and scalars, the matrices and the chunk's initial states;
  it returns ``(out, final states, saved)``, ``saved`` being just the arrays that
  ``run_backward`` reads (the rest is freed on return);
- ``run_backward(lengths, reverse, T, g_out, g_final…, w…, saved)`` returns the
  gradients ``(df…, du… and dc…, dW…, carry…)``: of the hoisted values, of the per-unit
  vectors and scalars, the chunk's share of each per-step product's weight (Σ_t v_tᵀ dm_t,
  :func:`weight_gradient`), and of the initial states.

Written out rather than interpreted from a table, a run costs a few microseconds of Python,
not tens: at small sizes, that is the difference from a hand-written kernel.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels.products import matmul
from .lower import Plan

IMPORTS = ("from tinygrad_rnn._kernels.products import prepared\n"
           "from tinygrad_rnn.compiler.driver import weight_gradient\n")


def weight_gradient(left, dm, matrix):
    """Σ_t v_tᵀ dm_t over one chunk's T·n rows: the gradient of the ``matrix`` of a per-step
    product v @ W from its left operand's rows ``left`` (T, n, K) and its gradient ``dm``
    (T, n, P). NOTE: a matrix that is a view such as W.T gets it as (dmᵀ v)ᵀ, in its own
    layout, so that W's comes back contiguous (as MatMul's backward does)."""
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
        text = "    " + line
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
            + [f"w{i}" for i in range(len(plan.matrices))])


def saved(plan: Plan, forward_args: list, backward_args: list) -> list[str]:
    """The forward's arrays that the backward reads, in the order ``saved`` holds them."""
    forward = set(forward_args) - {"lengths", "reverse"}
    histories = [history(p.args[0]) for p in plan.products]
    return list(dict.fromkeys([a for a in backward_args if a in forward]
                              + [f"s{k}" for k in range(len(plan.new_state))] + histories))


def _forward(plan: Plan, dtype, forward_args: list, kept: list) -> str:
    d = f"np.{np.dtype(dtype).name}"
    states = range(len(plan.new_state))
    code = _Lines()
    for i in range(len(plan.matrices)):
        code.add(f"w{i}, w{i}_t = prepared(w{i}, n)", "the orientation step_product takes")
    for k, node in zip(states, plan.new_state):
        code.add(f"s{k} = np.empty((T + 1, n, {node.width}), {d})", f"the history of state {k}")
        code.add(f"s{k}[T if reverse else 0] = first{k}")
    code.add(f"out = np.zeros((T, n, {plan.output.width}), {d})", "zero past each length")
    for p in plan.products:
        shape = f"(T, n, {p.width})" if p.saved else f"(n, {p.width})"
        code.add(f"m{p.id} = np.empty({shape}, {d})", "a per-step product")
    kept_here = [(f"k{node.id}", f"(T, n, {node.width})") for node in plan.nodes
                 if node.home == ("k", node.id)]
    code.zeros([a for a in kept_here if a[0] in kept], d, "kept for the backward")
    code.zeros([a for a in kept_here if a[0] not in kept], d, "kept for later loops")
    code.add(f"forward({', '.join(forward_args)})")
    finals = [f"s{k}[0 if reverse else T].copy()" for k in states]
    code.add(f"return out, {_tuple(finals)}, {_tuple(kept)}")
    arguments = ["lengths", "reverse", "T", *_inputs(plan), *(f"first{k}" for k in states)]
    return (f"def run_forward({', '.join(arguments)}):\n"
            f'    """The forward over one chunk of n sequences: see the module docstring."""\n'
            f"    n = lengths.shape[0]\n" + "\n".join(code.lines) + "\n")


def _backward(plan: Plan, dtype, backward_args: list, aliases: dict, kept: list) -> str:
    d = f"np.{np.dtype(dtype).name}"
    states = range(len(plan.new_state))
    code = _Lines()
    code.add(f"{_tuple(kept)} = saved")
    code.add(f"g_out = np.ascontiguousarray(g_out, {d})")
    for k in states:
        code.add(f"carry{k} = np.array(g_final{k}, {d}, copy=True)",
                 f"state {k}'s gradient from later steps")
    code.zeros([(f"d{k}", f"(n, {node.width})") for k, node in zip(states, plan.new_state)], d,
               "... and at this step")
    for i in range(len(plan.matrices)):
        if f"wt{i}" in backward_args:
            code.add(f"wt{i}, wt{i}_t = prepared(w{i}.T, n)")
    code.zeros([(f"df{i}", f"(T, n, {v.shape[1]})") for i, v in enumerate(plan.frontiers)], d)
    code.zeros([(f"du{i}", f"({math.prod(v.shape)},)") for i, v in enumerate(plan.units)]
               + [(f"dc{i}", "(1,)") for i in range(len(plan.scalars))], d)
    for p in plan.products:
        if f"dm{p.id}" in aliases:
            code.add(f"dm{p.id} = {aliases[f'dm{p.id}']}", "the same sums as its twin's")
    code.zeros([(f"dm{p.id}", f"(T, n, {p.width})") for p in plan.products
                if f"dm{p.id}" not in aliases], d)
    code.zeros([(f"gb{node.id}", f"(T, n, {node.width})") for node in plan.nodes if node.gbuf],
               d, "gradients sent back by later loops")
    code.add(f"backward({', '.join(backward_args)})")
    for p in plan.products:
        code.add(f"dW{p.id} = weight_gradient({_steps_read(p.args[0])}, dm{p.id}, w{p.index})",
                 "Σ_t v_tᵀ dm_t")
    groups = [[f"df{i}" for i in range(len(plan.frontiers))],
              [f"du{i}" for i in range(len(plan.units))]
              + [f"dc{i}" for i in range(len(plan.scalars))],
              [f"dW{p.id}" for p in plan.products],
              [f"carry{k}" for k in states]]
    code.add("return " + ", ".join(_tuple(g) if g else "()" for g in groups))
    arguments = ["lengths", "reverse", "T", "g_out", *(f"g_final{k}" for k in states),
                 *(f"w{i}" for i in range(len(plan.matrices))), "saved"]
    return (f"def run_backward({', '.join(arguments)}):\n"
            f'    """The backward over one chunk of n sequences: see the module docstring."""\n'
            f"    n = lengths.shape[0]\n" + "\n".join(code.lines) + "\n")
