"""Write a :class:`~tinygrad_rnn.compiler.lower.Plan` as the Python source of two Numba
kernels: ``forward``, the time loop, and ``backward``, the same loop walked back.

The arrays the kernels share (the names in the generated code):

=========== =================================================================
``f<i>``    frontier i, a hoisted value such as x W_ihᵀ: (T, N, K), read at step t
``u<i>``    a per-unit vector (a bias, a peephole weight), ``c<i>`` a scalar (1,)
``w<i>``    matrix i of a per-step product, as ``products.prepared`` gave it
            (``w<i>_t``: whether transposed); the backward gets the transposes
``s<k>``    the history of state k: (T + 1, N, S); step t reads ``s[e]`` and writes
            ``s[l]``, e and l being t and t + 1 (t + 1 and t in reverse)
``m<id>``   the result of a per-step product at every step, (T, N, P), or at this
            step only, (N, P), when nothing needs it later
``k<id>``   a value kept for later loops or for the backward, (T, N, W)
``out``     the output, (T, N, H'), zero past each sequence's length
=========== =================================================================

Every array spans the whole batch; one call of a kernel runs the sequences ``first`` to
``last`` (a chunk of the batch) and touches only their rows, so chunks run side by side on
threads without copies. In the backward, each array's gradient: ``g_out`` (the output's),
``carry<k>`` (the state's, from the later steps; the initial state's when the loop is
done), ``d<k>`` (state k's at this step), ``df<i>``, ``du<i>``, ``dc<i>`` (the chunk's
share), ``dm<id>``, and ``gb<id>`` (gradients that later loops send back to a value).
Inside a loop, ``v<id>`` is a value and ``g<id>`` its gradient. Each line of a loop says
the op it comes from; each group, the line of the cell's ``step`` that made it, so the
backward reads as the forward upside down.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from . import driver
from .lower import Node, Plan, _names
from .rules import imports, render


class _Source:
    """Lines with indentation, and a comment each time the cell's source line changes."""

    def __init__(self):
        self.lines, self.depth, self.last_source = [], 0, None

    def add(self, line: str, comment: str = "") -> None:
        text = "    " * self.depth + line
        self.lines.append(f"{text:<60}  # {comment}" if comment else text)

    def source(self, source: str) -> None:
        if source and source != self.last_source:
            self.add(f"# {source}")
        self.last_source = source

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _index(offset: int) -> str:
    return f"{offset} + j" if offset else "j"


def _read(node: Node, local: set, offset: int = 0) -> str:
    """The expression of ``node``'s value at (t, n, offset + j); ``local`` holds the ids of
    the values that are variables of the current loop."""
    j = _index(offset)
    if node.id in local:
        return f"v{node.id}"
    if node.kind == "view":
        return _read(node.args[0], local, offset + node.offset)
    if node.kind == "loop":
        where = node.home
        if where[0] == "state":
            return f"s{where[1]}[l, n, {j}]"
        return f"out[t, n, {j}]" if where[0] == "out" else f"k{node.id}[t, n, {j}]"
    return {"state": f"s{node.index}[e, n, {j}]", "frontier": f"f{node.index}[t, n, {j}]",
            "unit": f"u{node.index}[{j}]", "scalar": f"c{node.index}[0]",
            "literal": node.literal,
            "product": f"m{node.id}[t, n, {j}]" if node.saved else f"m{node.id}[n, {j}]",
            "concat": f"k{node.id}[t, n, {j}]"}[node.kind]


def _target(node: Node, offset: int = 0, aliases: dict | None = None) -> str | None:
    """Where a gradient for ``node`` at (t, n, offset + j) is added (outside its loop), or
    None when it takes none."""
    j = _index(offset)
    if not node.needs_grad or node.kind == "literal":
        return None
    if node.kind == "view":
        return _target(node.args[0], offset + node.offset, aliases)
    if node.kind == "product" and aliases and f"dm{node.id}" in aliases:
        return f"{aliases[f'dm{node.id}']}[t, n, {j}]"
    return {"state": f"d{node.index}[n, {j}]", "frontier": f"df{node.index}[t, n, {j}]",
            "unit": f"du{node.index}[{j}]", "scalar": f"dc{node.index}[0]",
            "product": f"dm{node.id}[t, n, {j}]", "concat": f"gb{node.id}[t, n, {j}]",
            "loop": f"gb{node.id}[t, n, {j}]"}[node.kind]


def _row_array(node: Node, gradient: bool) -> str:
    """The (N, width) array of ``node`` at this step (its gradient's, if ``gradient``): the
    left operand of a product."""
    if gradient:
        return {"state": f"d{node.index}", "frontier": f"df{node.index}[t]"}.get(
            node.kind, f"{'dm' if node.kind == 'product' else 'gb'}{node.id}[t]")
    if node.kind == "loop" and node.home[0] == "state":
        return f"s{node.home[1]}[l]"
    if node.kind == "loop" and node.home[0] == "out":
        return "out[t]"
    return {"state": f"s{node.index}[e]", "frontier": f"f{node.index}[t]",
            "product": f"m{node.id}[t]" if node.saved else f"m{node.id}"}.get(
                node.kind, f"k{node.id}[t]")


def _rows(array: str) -> str:
    """``array`` (a whole batch's (N, width) array at this step) cut to this chunk's rows."""
    return f"{array[:-1]}, first:last]" if array.endswith("]") else f"{array}[first:last]"


def _signature(plan: Plan) -> tuple[list, list]:
    """The forward's and the backward's arguments, in order."""
    shared = ([f"f{i}" for i in range(len(plan.frontiers))]
              + [f"u{i}" for i in range(len(plan.units))]
              + [f"c{i}" for i in range(len(plan.scalars))])
    states = [f"s{k}" for k in range(len(plan.new_state))]
    kept = ([f"m{p.id}" for p in plan.products]
            + [f"k{n.id}" for n in plan.nodes if n.home == ("k", n.id)])
    matrices = [name for i in range(len(plan.matrices)) for name in (f"w{i}", f"w{i}_t")]
    forward = ["lengths", "reverse", "first", "last", *shared, *matrices, *states, "out", *kept]
    gradients = ([f"d{k}" for k in range(len(states))]
                 + [f"df{i}" for i in range(len(plan.frontiers))]
                 + [f"du{i}" for i in range(len(plan.units))]
                 + [f"dc{i}" for i in range(len(plan.scalars))]
                 + [f"dm{p.id}" for p in plan.products]
                 + [f"gb{n.id}" for n in plan.nodes if n.gbuf])
    backward = ["lengths", "reverse", "first", "last", "g_out",
                *[f"carry{k}" for k in range(len(states))],
                *shared, *matrices, *states, "out", *kept, *gradients]
    return forward, backward


def _step_header(code: _Source, backward: bool) -> None:
    code.add("for step in range(T):")
    code.depth += 1
    first, last = ("step", "T - 1 - step") if backward else ("T - 1 - step", "step")
    code.add(f"t = {first} if reverse else {last}")
    code.add("e = t + 1 if reverse else t", "the states entering step t ...")
    code.add("l = t if reverse else t + 1", "... and leaving it")


def _open_rows(code: _Source, width: int) -> None:
    code.add("for n in range(first, last):")
    code.add("    if t < lengths[n]:", "a sequence past its end is left alone")
    code.add(f"        for j in range({width}):")
    code.depth += 3


class _RowLoop:
    """One fused loop over a sequence's units, written as its own small kernel that takes
    one contiguous row of each array (``f0[t, n]`` becomes the argument ``f0_t``), as the
    hand-written kernels do: over rows, LLVM vectorises the loop."""

    ROW = re.compile(r"\b(\w+)\[([tel]), n, ")
    STATE_ROW = re.compile(r"\b(\w+)\[n, ")

    def __init__(self, name: str, width: int, doc: str):
        self.name, self.width, self.doc = name, width, doc
        self.body = _Source()
        self.body.depth = 2

    def function(self) -> tuple[str, str]:
        """``(source of the row kernel, the call that runs it for sequence n at step t)``."""
        lines = [line if _code(line) == "" else _realign(
                 self.STATE_ROW.sub(r"\1_n[", self.ROW.sub(r"\1_\2[", _code(line)))
                 + line[len(_code(line)):]) for line in self.body.lines]
        names = dict.fromkeys(re.findall(r"\b(\w+)\[", "\n".join(map(_code, lines))))
        arguments = [a for a in names if not a.startswith(("v", "g")) or "_" in a]
        calls = [f"{a[:-2]}[{a[-1]}, n]" if a[-2:] in ("_t", "_e", "_l") else
                 f"{a[:-2]}[n]" if a.endswith("_n") else a for a in arguments]
        head = _Source()
        head.add("@kernel")
        head.add(f"def {self.name}({', '.join(arguments)}):")
        head.add(f'    """{self.doc}"""')
        head.add(f"    for j in range({self.width}):")
        return head.text() + "\n".join(lines) + "\n", f"{self.name}({', '.join(calls)})"


def _code(line: str) -> str:
    """``line`` without its comment (a line of the cell's source quoted in a comment may
    name anything)."""
    return "" if line.lstrip().startswith("#") else line.split("  # ", 1)[0]


def _realign(line: str) -> str:
    """``line`` with its trailing comment back in the comment column."""
    if line.lstrip().startswith("#") or "  # " not in line:
        return line
    text, comment = line.split("  # ", 1)
    return f"{text.rstrip():<60}  # {comment}"


def _call_rows(code: _Source, call: str) -> None:
    code.add("for n in range(first, last):")
    code.add("    if t < lengths[n]:", "a sequence past its end is left alone")
    code.add(f"        {call}")


def _forward(plan: Plan, arguments: list) -> str:
    code, helpers = _Source(), []
    code.add("@kernel")
    code.add(f"def forward({', '.join(arguments)}):")
    code.depth += 1
    code.add('"""The step over time; see the module docstring for the arrays."""')
    code.add("T = out.shape[0]")
    _step_header(code, backward=False)
    code.add("for n in range(first, last):")
    code.add("    if t >= lengths[n]:", "past its end a sequence keeps its state")
    for k in range(len(plan.new_state)):
        code.add(f"        s{k}[l, n] = s{k}[e, n]")
    for block in plan.blocks:
        if block[0] == "product":
            node = block[1]
            code.last_source = None
            code.source(node.source)
            code.add(f"step_product({_rows(_row_array(node.args[0], False))}, w{node.index}, "
                     f"w{node.index}_t, {_rows(_row_array(node, False))})",
                     f"MatMul: m{node.id} = v @ W")
            continue
        _, width, nodes = block
        loop = _RowLoop(f"forward_loop{len(helpers) + 1}", width,
                        f"Fused loop {len(helpers) + 1} of the forward: one sequence at step t.")
        code, outer = loop.body, code
        local = set()
        for node in nodes:
            code.source(node.source)
            names = {name: _read(a, local) for name, a in zip(node.rule.inputs, node.args)}
            code.add(f"v{node.id} = {render(node.rule.y, names)}", node.label)
            local.add(node.id)
            stores = list(node.stores)
            if node.home == ("k", node.id):
                stores.append(("k",))
            for store in stores:
                if store[0] == "state":
                    code.add(f"s{store[1]}[l, n, j] = v{node.id}", f"new state {store[1]}")
                elif store[0] == "out":
                    code.add(f"out[t, n, j] = v{node.id}", "the output")
                elif store[0] == "concat":
                    code.add(f"k{store[1].id}[t, n, {_index(store[2])}] = v{node.id}",
                             "into the concatenation")
                else:
                    code.add(f"k{node.id}[t, n, j] = v{node.id}", "kept")
        code = outer
        helper, call = loop.function()
        helpers.append(helper)
        _call_rows(code, call)
        code.last_source = None
    return "\n\n".join(helpers + [code.text()])


def _contributions(plan: Plan) -> dict:
    """{gradient array: the set of (node, rule expression, offset, width) that add to it
    from loops}: what decides which gradient arrays are equal (:func:`_aliases`)."""
    found = {}   # a multiset: Add(m, m) adds to m twice
    for node in plan.nodes:
        if node.kind != "loop":
            continue
        for a, expression in zip(node.args, node.rule.grads):
            offset = 0
            while a.kind == "view":
                a, offset = a.args[0], offset + a.offset
            if a.kind in ("product", "frontier") and a.needs_grad:
                name = f"dm{a.id}" if a.kind == "product" else f"df{a.index}"
                found.setdefault(name, Counter())[node.id, expression, offset, node.width] += 1
    return found


def _aliased(node: Node, aliases: dict) -> bool:
    """Whether ``node`` is (a slice of) a product whose gradient array is a twin's."""
    while node.kind == "view":
        node = node.args[0]
    return node.kind == "product" and f"dm{node.id}" in aliases


def _aliases(plan: Plan) -> dict:
    """{``dm<id>``: ``df<i>``} for each product whose gradient is, element for element, the
    same sum as a hoisted value's: ``x W_ihᵀ`` and ``h W_hhᵀ`` added together, as in every
    gate. The backward then writes one array for both (half the stores, and the memory)."""
    found = _contributions(plan)
    written = {_row_array(p.args[0], True).split("[")[0] for p in plan.products}
    aliases = {}
    for p in plan.products:
        mine = found.get(f"dm{p.id}")
        for i, f in enumerate(plan.frontiers):
            if (mine and found.get(f"df{i}") == mine and f.shape[1] == p.width
                    and not {f"dm{p.id}", f"df{i}"} & written
                    and f"df{i}" not in aliases.values()):
                aliases[f"dm{p.id}"] = f"df{i}"
    return aliases


def _backward(plan: Plan, arguments: list, dtype, aliases: dict) -> str:
    zero = f"np.{np.dtype(dtype).name}(0.0)"
    body, helpers = _Source(), []
    body.depth = 2
    touched, zeroed = set(), set()   # gradient arrays written so far in this step, walking back

    def touch(target: str) -> None:
        array = target.split("[")[0]
        if array.startswith("d") and array[1:].isdigit() and array not in touched:
            zeroed.add(array)
        touched.add(array)

    for block in reversed(plan.blocks):
        if block[0] == "product":
            node = block[1]
            left, dm = node.args[0], aliases.get(f"dm{node.id}", f"dm{node.id}")
            body.last_source = None
            body.source(node.source)
            target = _row_array(left, True)
            array = target.split("[")[0]
            if not left.needs_grad:
                continue
            if array not in touched:
                touched.add(array)
                body.add(f"step_product({_rows(f'{dm}[t]')}, wt{node.index}, "
                         f"wt{node.index}_t, {_rows(target)})", f"MatMul back: dv = dm{node.id} Wᵀ")
                continue
            body.add(f"step_product({_rows(f'{dm}[t]')}, wt{node.index}, wt{node.index}_t, "
                     f"tmp{node.id})", f"MatMul back: dv += dm{node.id} Wᵀ")
            _open_rows(body, left.width)
            destination = _target(left)
            touch(destination)
            body.add(f"{destination} += tmp{node.id}[n - first, j]")
            body.depth -= 3
            continue
        _, width, nodes = block
        loop = _RowLoop(f"backward_loop{len(helpers) + 1}", width,
                        f"Fused loop {len(helpers) + 1} of the backward: one sequence at step t.")
        body, outer = loop.body, body
        members = {n.id for n in nodes}
        lines, loads = [], set()
        for node in reversed(nodes):
            names = {"y": f"v{node.id}", "gy": f"g{node.id}"}
            for name, a in zip(node.rule.inputs, node.args):
                names[name] = f"v{a.id}" if a.id in members else _read(a, set())
            for name, a, expression in zip(node.rule.inputs, node.args, node.rule.grads):
                destination = f"g{a.id}" if a.id in members else _target(a, 0, aliases)
                if destination is None or _aliased(a, aliases):
                    continue   # an aliased product's gradient is its twin's, added there
                used = _names(expression)
                loads |= {a2.id for n2, a2 in zip(node.rule.inputs, node.args)
                          if n2 in used and a2.id in members}
                if "y" in used:
                    loads.add(node.id)
                if a.id not in members:
                    touch(destination)
                lines.append((node.source, f"{destination} += {render(expression, names)}",
                              f"{node.label} back"))
        for node in nodes:
            if node.id in loads:
                body.add(f"v{node.id} = {_read(node, set())}", "the forward's value")
        for node in nodes:
            seeds = [f"gb{node.id}[t, n, j]"] if node.gbuf else []
            for store in node.stores:
                if store[0] == "state":
                    seeds.append(f"carry{store[1]}[n, j]")
                elif store[0] == "out":
                    seeds.append("g_out[t, n, j]")
                elif store[0] == "concat":
                    seeds.append(f"gb{store[1].id}[t, n, {_index(store[2])}]")
            body.add(f"g{node.id} = {' + '.join(seeds) or zero}", f"the gradient of v{node.id}")
        for source, line, comment in lines:
            body.source(source)
            body.add(line, comment)
        body = outer
        helper, call = loop.function()
        helpers.append(helper)
        _call_rows(body, call)
        body.last_source = None
    used = set(re.findall(r"\w+", "\n".join(map(_code, "\n".join(body.lines + helpers)
                                                   .splitlines()))))
    arguments[:] = [a for a in arguments if a in used
                    or a in ("g_out", "lengths", "reverse", "first", "last")
                    or a.startswith("carry") or re.fullmatch(r"d\d+", a)]
    code = _Source()
    code.add("@kernel")
    code.add(f"def backward({', '.join(arguments)}):")
    code.depth += 1
    code.add('"""The forward walked back, step by step and loop by loop."""')
    code.add("T = g_out.shape[0]")
    for p in plan.products:
        code.add(f"tmp{p.id} = np.empty((last - first, {p.args[0].width}), g_out.dtype)")
    _step_header(code, backward=True)
    for array in sorted(zeroed):
        code.add(f"{array}[first:last] = 0.0", "this step's state gradients start at zero")
    code.lines.extend(body.lines)
    code.add("for n in range(first, last):")
    code.add("    if t < lengths[n]:", "past its end, a sequence's gradient passes through")
    for k in range(len(plan.new_state)):
        code.add(f"        carry{k}[n] = d{k}[n]")
    return "\n\n".join(helpers + [code.text()])


def generate(plan: Plan, dtype, title: str) -> str:
    """The module source of ``plan``'s two kernels and of the Python that runs them on a
    chunk of a batch (:mod:`~tinygrad_rnn.compiler.driver`)."""
    forward_args, backward_args = _signature(plan)
    backward_args = [a.replace("w", "wt", 1) if a.startswith("w") else a for a in backward_args]
    header = (f'"""Generated by tinygrad_rnn.compiler from {title}.\n\n'
              f"``forward`` runs the step over time; ``backward`` walks it back under the same\n"
              f"comments; ``run_forward`` and ``run_backward`` allocate their arrays and call\n"
              f"them. Written again whenever the step changes; do not edit.\n"
              f'"""\n\n')
    aliases = _aliases(plan)
    forward = _forward(plan, forward_args)
    backward = _backward(plan, backward_args, dtype, aliases)
    runs = driver.generate(plan, dtype, forward_args, backward_args, aliases)
    return (header + imports(dtype, driver.IMPORTS) + "\n\n" + forward + "\n\n" + backward
            + "\n\n" + runs)
