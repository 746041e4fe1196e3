"""Lower a traced step to the plan of a time loop: what runs before it, what each step does.

Every value of the step is one of three kinds:

* **parameter-only** (no ``x``, no state: ``W_hh.T``, a block of a split weight, a bias):
  computed once per sequence, before the loop, by the recorded Functions themselves;
* **hoisted** (``x`` and parameters only, on the way to a product of ``x`` with a
  parameter, such as ``x W_ihᵀ``): computed once for all T·N rows before the loop, as
  ``FusedRecurrence`` does; the loop reads the result, one (N, K) slab per step;
* **per step** (everything else): :class:`Node` s of the loop. A product of a per-step
  value with a parameter matrix is a ``"product"`` (one ``step_product`` call per step);
  elementwise ops become ``"loop"`` nodes, fused into loops over (N, width); a slice along
  the features is a ``"view"`` (an offset), pushed down through elementwise ops so that
  ``split(h W_hhᵀ + b, H)`` becomes H-wide loops reading at offsets, never a copy; a
  concatenation is a ``"concat"`` buffer its pieces write into.

:func:`lower` then schedules the per-step nodes into blocks (a fused loop of one width, or a
product) and decides where each value lives (:class:`Plan`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from ..ops import elementwise, linalg, shape
from ..ops._common import ScalarRule
from .rules import rule_for
from .trace import CompileError, Graph, Value

COPY = ScalarRule("x", gx="gy")
SUPPORTED = ("elementwise ops with a scalar rule (add, sub, mul, div, neg, pow, exp, log, abs, "
             "tanh, sigmoid, relu, maximum, minimum, clone), slices and splits along the "
             "features, concatenation along the features, and products of per-step values "
             "with parameters (v @ W.T, or a Linear layer)")


@dataclass(eq=False)
class Node:
    """One per-step (N, width) value of the loop (a unit vector or scalar for parameters).

    ``kind``: ``"state"``, ``"frontier"`` (a hoisted value, read at step t), ``"unit"`` (a
    per-unit vector), ``"scalar"``, ``"literal"``, ``"loop"`` (an elementwise op),
    ``"view"`` (``args[0]`` from ``offset`` on), ``"product"`` (``args[0] @ matrix``),
    ``"concat"``. ``index`` numbers states, frontiers, units, scalars and matrices.
    """

    kind: str
    width: int
    args: tuple = ()
    rule: ScalarRule | None = None
    label: str = ""
    source: str = ""
    index: int = 0
    offset: int = 0
    literal: str = ""
    id: int = -1
    needs_grad: bool = True
    # decided by ``lower``:
    stores: list = field(default_factory=list)   # ("state", k) | ("out",) | ("concat", node, offset)
    home: tuple | None = None                    # where other blocks and the backward read it
    gbuf: bool = False                           # gradients from other blocks collect in g<id>
    saved: bool = False                          # a product's result kept for every step


@dataclass
class Plan:
    """The lowered step. ``prelude`` lists the traced values computed before the loop
    (parameter-only and hoisted, in order); the loop reads ``frontiers`` (hoisted values,
    or ``x``), ``units``, ``scalars`` and ``matrices`` (traced values) as arrays; ``blocks``
    is the order of one step: ``("loop", width, nodes)`` or ``("product", node)``."""

    graph: Graph
    prelude: list
    frontiers: list
    units: list
    scalars: list
    matrices: list
    products: list
    nodes: list
    blocks: list
    output: Node
    new_state: list
    leaves: list    # the parameters and constants of the graph


def _names(expression: str) -> set:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


class _Lowering:
    def __init__(self, graph: Graph, dtype):
        self.graph, self.dtype = graph, np.dtype(dtype)
        self.nodes: dict[int, Node] = {}     # trace value index -> node
        self.args = {"frontier": [], "unit": [], "scalar": [], "matrix": []}
        self.arg_nodes: dict = {}
        self.slices: dict = {}
        self.products: list[Node] = []
        self.kind = self._classify()

    # ------------------------------------------------------------ classification

    def _classify(self) -> dict:
        """Each traced value's kind: "parameter", "hoisted" or "step"."""
        kind, rows, stateful = {}, set(), set()
        for v in self.graph.values:
            if v.kind == "state" or any(i.index in stateful for i in v.inputs):
                stateful.add(v.index)
                kind[v.index] = "step"
            elif v.kind == "x" or any(i.index in rows for i in v.inputs):
                rows.add(v.index)
                kind[v.index] = "step"            # until it proves to feed a product of x
            else:
                kind[v.index] = "parameter"
        for v in reversed(self.graph.values):   # x-only products and what leads to them
            if v.index in rows and (v.function is linalg.MatMul or kind[v.index] == "hoisted"):
                kind[v.index] = "hoisted"
                for i in v.inputs:
                    if i.index in rows:
                        kind[i.index] = "hoisted"
        return kind

    def _needs_grad(self, value: Value) -> bool:
        return value.kind in ("parameter", "x") or any(map(self._needs_grad, value.inputs))

    # ------------------------------------------------------------ nodes

    def _argument(self, role: str, value: Value, width: int) -> Node:
        key = (role, value.index)
        if key not in self.arg_nodes:
            self.args[role].append(value)
            kind = "frontier" if role == "frontier" else role
            self.arg_nodes[key] = Node(kind, width, index=len(self.args[role]) - 1,
                                       label=value.label, needs_grad=self._needs_grad(value))
        return self.arg_nodes[key]

    def _operand(self, value: Value, width: int, op: Value) -> Node:
        """The node an op of (N, ``width``) reads ``value`` through."""
        if self.kind[value.index] == "parameter":
            if value.shape in ((), (1,), (1, 1)):
                if value.kind == "constant":
                    number = float(np.asarray(value.data, self.dtype).reshape(()))
                    return Node("literal", 1, literal=f"np.{self.dtype.name}({number!r})",
                                needs_grad=False)
                return self._argument("scalar", value, 1)
            if value.shape in ((width,), (1, width)):
                return self._argument("unit", value, width)
            raise CompileError(f"{op.label} (at {op.source}) broadcasts a parameter of shape "
                               f"{value.shape} over ({self.graph.batch}, {width}): a compiled "
                               f"step takes scalars and per-unit vectors ({width},)")
        node = self._node(value)
        if node.width != width:
            raise CompileError(f"{op.label} (at {op.source}) broadcasts a per-step value of "
                               f"shape {value.shape} to width {width}")
        return node

    def _node(self, value: Value) -> Node:
        if value.index in self.nodes:
            return self.nodes[value.index]
        batch, source = self.graph.batch, value.source
        if len(value.shape) != 2 or value.shape[0] != batch:
            raise CompileError(f"{value.label} (at {source or 'a leaf'}) makes a value of shape "
                               f"{value.shape}; a compiled step keeps (batch, features)")
        width = value.shape[1]
        if value.kind == "state":
            node = Node("state", width, index=value.index - 1, label=value.name)   # x is value 0
        elif self.kind[value.index] == "hoisted" or value.kind == "x":
            node = self._argument("frontier", value, width)
        else:
            node = self._op(value, width)
        self.nodes[value.index] = node
        return node

    def _op(self, value: Value, width: int) -> Node:
        function, inputs, options = value.function, value.inputs, value.options
        where = f"{value.label} (at {value.source})"
        rule = rule_for(function)
        if function is elementwise.Cast and options["dtype"] != self.dtype:
            raise CompileError(f"{where}: a cast to {options['dtype']} is not supported")
        if rule is not None:
            args = tuple(self._operand(i, width, value) for i in inputs)
            return Node("loop", width, args, rule, value.label, value.source)
        if function is shape.GetItem:
            return self._slice(value, options["index"], where)
        if function is shape.Concatenate and options["axis"] == 1:
            return Node("concat", width, tuple(map(self._node, inputs)), label="Concatenate",
                        source=value.source)
        if function is shape.Reshape and options["shape"] == inputs[0].shape:
            return self._node(inputs[0])
        if function is linalg.MatMul:
            left, right = inputs
            if self.kind[right.index] != "parameter" or len(right.shape) != 2:
                what = ("a matrix computed from x or the state"
                        if self.kind[right.index] != "parameter" else f"shape {right.shape}")
                raise CompileError(f"{where}: a compiled step multiplies per-step values by "
                                   f"parameter matrices only (v @ W.T, or a Linear layer's "
                                   f"weight), not {right.label} ({what})")
            matrix = self._argument("matrix", right, right.shape[1])
            node = Node("product", width, (self._node(left),), label=value.label,
                        source=value.source, index=matrix.index)
            self.products.append(node)
            return node
        raise CompileError(f"{where} is not supported in a compiled step; supported: {SUPPORTED}")

    def check_hoisted(self) -> None:
        """Each hoisted op must work row by row, since it runs on all T·N rows at once: the
        same ops as in the loop (checked by lowering each on a scratch copy)."""
        scratch = _Lowering(self.graph, self.dtype)
        for v in self.graph.values:
            if v.kind == "op" and self.kind[v.index] == "hoisted":
                if len(v.shape) != 2 or v.shape[0] != self.graph.batch:
                    raise CompileError(f"{v.label} (at {v.source}) makes a value of shape "
                                       f"{v.shape}; a compiled step keeps (batch, features)")
                scratch._op(v, v.shape[1])

    def _slice(self, value: Value, index, where: str) -> Node:
        parts = index if isinstance(index, tuple) else (index,)
        base = self._node(value.inputs[0])
        if (len(parts) == 2 and (parts[0] is Ellipsis or parts[0] == slice(None))
                and isinstance(parts[1], slice)):
            start, stop, step = parts[1].indices(base.width)
            if step == 1 and stop > start:
                return self.sliced(base, start, stop - start)
        raise CompileError(f"{where}: only slices of the features (v[:, a:b], split, chunk) "
                           f"are supported, not the index {index!r}")

    def sliced(self, node: Node, offset: int, width: int) -> Node:
        """``node[:, offset:offset + width]``: the node itself, a view, or (an elementwise
        op) the op on its operands' slices."""
        if offset == 0 and width == node.width or node.kind in ("scalar", "literal"):
            return node
        key = (id(node), offset, width)
        if key not in self.slices:
            if node.kind == "view":
                result = self.sliced(node.args[0], node.offset + offset, width)
            elif node.kind == "loop":
                args = tuple(self.sliced(a, offset, width) for a in node.args)
                result = Node("loop", width, args, node.rule, node.label, node.source)
            else:
                result = Node("view", width, (node,), offset=offset, label=node.label,
                              needs_grad=node.needs_grad)
            self.slices[key] = result
        return self.slices[key]


def _copy(node: Node) -> Node:
    return Node("loop", node.width, (node,), COPY, "copy", needs_grad=node.needs_grad)


def _normalise(output: Node, new_state: list) -> tuple[Node, list, list]:
    """Copies where a value must be a loop node (outputs, new states, concatenated pieces) or
    a whole contiguous array (a product's left operand); then the nodes reachable from the
    results, each after its arguments."""
    output = output if output.kind == "loop" else _copy(output)
    new_state = [s if s.kind == "loop" else _copy(s) for s in new_state]
    order, seen, stack = [], set(), [(n, False) for n in (output, *new_state)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == "product" and node.args[0].kind == "view":
            node.args = (_copy(node.args[0]),)
        if node.kind == "concat":
            node.args = tuple(a if a.kind == "loop" else _copy(a) for a in node.args)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if id(a) not in seen)
    for i, node in enumerate(order):
        node.id = i
    return output, new_state, order


def _dependencies(node: Node) -> tuple[set, set]:
    """The computed nodes (loops, products) ``node`` reads: (directly, as its own loop's
    locals; through an array, complete)."""
    direct, whole = set(), set()

    def through_array(a):
        if a.kind in ("loop", "product"):
            whole.add(a.id)
        elif a.kind == "view":
            through_array(a.args[0])
        elif a.kind == "concat":
            for piece in a.args:
                through_array(piece)

    for a in node.args:
        if node.kind == "loop" and a.kind == "loop":
            direct.add(a.id)
        else:
            through_array(a)
    return direct, whole


def _schedule(order: list) -> list:
    """Blocks of one step: consecutive elementwise nodes of one width share a loop while
    they read each other's values directly; a product closes the loop it needs."""
    computed = [n for n in order if n.kind in ("loop", "product")]
    deps = {n.id: _dependencies(n) for n in computed}
    finished, current, blocks, remaining = set(), [], [], list(computed)

    def ready(node, allowed):
        direct, whole = deps[node.id]
        return direct <= allowed and whole <= finished

    while remaining:
        joining = {n.id for n in current}
        pick = next((n for n in remaining if current and n.kind == "loop"
                     and n.width == current[0].width and ready(n, finished | joining)), None)
        if pick is not None:
            current.append(pick)
            remaining.remove(pick)
            continue
        if current:
            blocks.append(("loop", current[0].width, current))
            finished |= joining
            current = []
        pick = (next((n for n in remaining if n.kind == "product" and ready(n, finished)), None)
                or next(n for n in remaining if ready(n, finished)))
        remaining.remove(pick)
        if pick.kind == "product":
            blocks.append(("product", pick))
            finished.add(pick.id)
        else:
            current = [pick]
    if current:
        blocks.append(("loop", current[0].width, current))
    return _sink(blocks, order)


def _sink(blocks: list, order: list) -> list:
    """Move each elementwise node down into the loop of its consumers when they all read it
    directly there (``x_n + b_in`` is then computed where ``tanh`` needs it, not kept in an
    array since an earlier loop). Walks the nodes consumers first, so a chain sinks whole."""
    consumers = {n.id: [] for n in order}
    for n in order:
        for a in n.args:
            consumers[a.id].append(n)
    where = {n.id: i for i, block in enumerate(blocks) if block[0] == "loop" for n in block[2]}
    for node in reversed(order):
        users = consumers[node.id]
        if node.id not in where or node.stores or not users:
            continue
        targets = {where.get(u.id) for u in users}
        target = targets.pop() if len(targets) == 1 else None
        if (target is None or target <= where[node.id] or blocks[target][1] != node.width
                or any(u.kind != "loop" for u in users)):
            continue
        blocks[where[node.id]][2].remove(node)
        blocks[target][2].insert(0, node)
        where[node.id] = target
    return [b for b in blocks if b[0] == "product" or b[2]]


def _place(blocks: list, order: list, output: Node, new_state: list) -> None:
    """Decide each node's stores, home and gradient buffer (see :class:`Node`)."""
    block_of = {n.id: b for b, block in enumerate(blocks)
                for n in (block[2] if block[0] == "loop" else [block[1]])}
    for k, node in enumerate(new_state):
        node.stores.append(("state", k))
    output.stores.append(("out",))
    needs_home = set()
    for node in order:
        if node.kind == "concat":
            offset = 0
            for piece in node.args:
                piece.stores.append(("concat", node, offset))
                offset += piece.width
            node.home, node.gbuf = ("k", node.id), True
        if node.kind == "loop":
            used = set()
            for a, expression in zip(node.args, node.rule.grads):
                if a.needs_grad and a.kind != "literal":
                    used |= _names(expression)
            for name, a in zip(node.rule.inputs, node.args):
                if name in used and a.kind == "loop":
                    needs_home.add(a.id)
                while name in used and a.kind == "view":
                    a = a.args[0]
                if name in used and a.kind == "product":
                    a.saved = True   # the backward reads it
            if "y" in used:
                needs_home.add(node.id)
        if node.kind == "product" and node.args[0].kind == "product":
            node.args[0].saved = True   # for this product's weight gradient
        for a in node.args:
            if a.kind != "loop":
                continue
            same_loop = node.kind == "loop" and block_of.get(node.id) == block_of[a.id]
            if not same_loop:
                needs_home.add(a.id)
                a.gbuf = True
    for node in order:
        if node.kind != "loop":
            continue
        state = next((s for s in node.stores if s[0] == "state"), None)
        if state is not None:
            node.home = ("state", state[1])
        elif node.stores and node.stores[0][0] == "out":
            node.home = ("out",)
        elif node.id in needs_home:
            node.home = ("k", node.id)


def lower(graph: Graph, dtype) -> Plan:
    """The :class:`Plan` of ``graph``; :class:`CompileError` for what cannot be compiled."""
    lowering = _Lowering(graph, dtype)
    lowering.check_hoisted()
    output = lowering._node(graph.output)
    new_state = [lowering._node(v) for v in graph.new_state]
    output, new_state, order = _normalise(output, new_state)
    blocks = _schedule(order)
    _place(blocks, order, output, new_state)
    used = {id(v) for role in lowering.args.values() for v in role}
    needed = set()
    for v in reversed(graph.values):
        if id(v) in used or v.index in needed:
            if v.kind == "op":
                needed.update(i.index for i in v.inputs)
            needed.add(v.index)
    prelude = [v for v in graph.values if v.index in needed and v.kind == "op"]
    return Plan(graph, prelude, lowering.args["frontier"], lowering.args["unit"],
                lowering.args["scalar"], lowering.args["matrix"],
                [n for n in order if n.kind == "product"], order, blocks, output, new_state,
                [v for v in graph.values if v.kind in ("parameter", "constant")])
