"""Draw the graph behind a tensor: Graphviz DOT text, and optionally a rendered image.

:func:`to_dot` needs nothing beyond this package: it walks the recorded graph from a tensor
back to its leaves and returns DOT text, which any Graphviz viewer (or an online one) can
draw. :func:`render` turns that text into an SVG, PNG or PDF file with the ``graphviz``
Python package and the Graphviz ``dot`` program. :func:`draw` needs neither: it draws a
graph with matplotlib, the engine's or any other (the teaching path draws its own scalar
engine's graphs with it).

The drawing shows data flowing from the leaves down to the tensor:

* an operation is an ellipse labelled with its name (``Mul``, ``Tanh``);
* a tensor is a box labelled with its shape and dtype: filled blue for a leaf that requires
  grad (a parameter), dashed for a constant, rounded for a result of an operation, bold for
  the tensor you asked about.

Node ids (``n0``, ``n1``, ...) follow a breadth-first walk from that tensor, so the same
graph always gives the same text.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import uuid
from collections import deque

import numpy as np

from .tensor import Tensor

_INSTALL_HINT = (
    "render() needs the graphviz Python package and the Graphviz 'dot' program: "
    "pip install graphviz, and install Graphviz itself (e.g. apt-get install graphviz, "
    "brew install graphviz). to_dot() works without either and returns the DOT text."
)

_STYLES = {
    "op": 'shape=ellipse, style=filled, fillcolor="#e8e8e8"',
    "parameter": 'shape=box, style=filled, fillcolor="#cfe2f3"',
    "constant": "shape=box, style=dashed",
    "result": "shape=box, style=rounded",
}


def to_dot(tensor: Tensor, *, show_values: bool = False, show_grads: bool = False,
           max_nodes: int | None = 500) -> str:
    """The graph that made ``tensor``, as Graphviz DOT text.

    The walk is iterative, so graphs thousands of operations deep are fine. Beyond
    ``max_nodes`` nodes (tensors and operations together, nearest to ``tensor`` first) the
    drawing stops, and a note says how many nodes were left out; the note points at the
    nodes whose inputs are missing.

    Args:
        tensor: the tensor whose graph to draw (usually a loss).
        show_values: add min / mean / max of each tensor's values to its label.
        show_grads: add min / mean / max of each tensor's ``.grad`` (or "grad: None").
        max_nodes: the most nodes drawn; ``None`` draws them all.

    Returns:
        DOT text, starting with ``digraph tinygrad_rnn {``.

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> dot = to_dot((x * x).sum())
    >>> dot.splitlines()[0]
    'digraph tinygrad_rnn {'
    >>> print(dot.splitlines()[2])
      n0 [label="() float32", shape=box, style=rounded, penwidth=2];
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"to_dot: max_nodes must be at least 1 (or None), got {max_nodes}")
    objects, edges = _walk(tensor)
    shown = len(objects) if max_nodes is None else min(max_nodes, len(objects))

    lines = ["digraph tinygrad_rnn {", '  node [fontname="Helvetica", fontsize=10];']
    for index, (kind, obj) in enumerate(objects[:shown]):
        if kind == "op":
            label, style = obj.name, _STYLES["op"]
        else:
            label, style = _tensor_label(obj, show_values, show_grads), _STYLES[_role(obj)]
            if index == 0:
                style += ", penwidth=2"
        lines.append(f'  n{index} [label="{_escape(label)}", {style}];')

    cut = set()  # shown nodes with an edge to a node that is not shown
    for source, target, label in edges:
        if source < shown and target < shown:
            attributes = f' [label="{_escape(label)}"]' if label else ""
            lines.append(f"  n{source} -> n{target}{attributes};")
        elif target < shown:
            cut.add(target)
    if shown < len(objects):
        note = (f"graph truncated at max_nodes={max_nodes}: "
                f"{len(objects) - shown} more nodes not shown")
        lines.append(f'  truncated [label="{_escape(note)}", shape=note, fontcolor=red];')
        lines.extend(f"  truncated -> n{target} [style=dashed];" for target in sorted(cut))
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor: Tensor, path, format: str = "svg",  # noqa: A002  (graphviz's own name)
           **to_dot_options) -> pathlib.Path:
    """Draw the graph of ``tensor`` into the file ``path`` (exactly that name) with Graphviz.

    The file is written atomically: to a temporary file in the same directory, then moved
    over ``path``, so a reader never sees half an image.

    Args:
        tensor: the tensor whose graph to draw.
        path: the file to write.
        format: any output format of ``dot``: ``"svg"``, ``"png"``, ``"pdf"``, ...
        **to_dot_options: passed to :func:`to_dot` (``show_values``, ``show_grads``,
            ``max_nodes``).

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        RuntimeError: the ``graphviz`` package or the ``dot`` program is missing (the
            message says what to install).

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> render((x * x).sum(), "graph.svg")  # doctest: +SKIP
    PosixPath('graph.svg')
    """
    try:
        import graphviz
    except ImportError:
        raise RuntimeError(
            f"the graphviz Python package is not installed. {_INSTALL_HINT}") from None
    if shutil.which("dot") is None:
        raise RuntimeError(f"the Graphviz 'dot' program is not on PATH. {_INSTALL_HINT}")
    source = to_dot(tensor, **to_dot_options)
    try:
        image = graphviz.Source(source).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            f"the Graphviz 'dot' program could not be run. {_INSTALL_HINT}") from None

    path = pathlib.Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(image)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def draw(root, inputs=None, label=None, ax=None):
    """Draw the graph that made ``root`` with matplotlib (no Graphviz needed) and return
    the axes: a box per node, an arrow from each input to the node computed from it, the
    leaves in the left column and ``root`` in the right one, each node one column left of
    the leftmost node that uses it.

    For a :class:`Tensor` the nodes are the tensors, each labelled with the operation that
    made it (or "leaf") and its shape. Any other graph is drawn through ``inputs(node)``,
    the nodes it was computed from, and ``label(node)``, its text.
    """
    import matplotlib.pyplot as plt

    if inputs is None:
        inputs = (lambda t: () if t._node is None else t._node.inputs)
        label = label or (lambda t: f"{t.op or 'leaf'}\n{tuple(t.shape)}")
    label = label or str
    nodes, depth = _by_depth(root, inputs)
    columns = max(depth.values())
    sizes = _column_sizes(depth)
    if ax is None:
        ax = plt.subplots(figsize=(1.7 * columns + 1.8, 0.9 * max(sizes.values()) + 0.8),
                          layout="constrained")[1]
    place, filled = {}, {}
    for node in nodes:                     # each column's nodes centred on the middle row
        d = depth[id(node)]
        row = filled.get(d, 0)
        filled[d] = row + 1
        place[id(node)] = (columns - d, (sizes[d] - 1) / 2 - row)
    for node in nodes:
        for source in inputs(node):
            (x0, y0), (x1, y1) = place[id(source)], place[id(node)]
            # NOTE: an arrow that skips columns would cross the boxes between: it bends.
            bend = 0.0 if x1 - x0 == 1 else -0.25
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=20, shrinkB=20,
                                        connectionstyle=f"arc3,rad={bend}"))
    for node in nodes:
        leaf = not tuple(inputs(node))
        ax.text(*place[id(node)], label(node), ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round", facecolor="#cfe2f3" if leaf else "#f2f2f2"))
    spread = max(sizes.values()) / 2
    ax.set_xlim(-0.6, columns + 0.6)
    ax.set_ylim(-spread - 0.1, spread + 0.1)
    ax.set_axis_off()
    return ax


# ---------------------------------------------------------------- helpers

def _by_depth(root, inputs) -> tuple[list, dict]:
    """The nodes reachable from ``root`` (each once, breadth first) and, by ``id``, each
    node's depth: the length of the longest path from it to ``root``."""
    nodes, seen, queue = [], {id(root)}, deque([root])
    while queue:
        node = queue.popleft()
        nodes.append(node)
        for source in inputs(node):
            if id(source) not in seen:
                seen.add(id(source))
                queue.append(source)
    depth = {id(root): 0}
    for _ in nodes:                                   # relax until the longest paths settle
        changed = False
        for node in nodes:
            for source in inputs(node):
                if depth.get(id(source), -1) < depth[id(node)] + 1:
                    depth[id(source)] = depth[id(node)] + 1
                    changed = True
        if not changed:
            break
    return nodes, depth


def _column_sizes(depth: dict) -> dict:
    """How many nodes have each depth."""
    counts: dict = {}
    for d in depth.values():
        counts[d] = counts.get(d, 0) + 1
    return counts


def _walk(root: Tensor) -> tuple[list, list]:
    """Every tensor and op node reachable from ``root``, breadth first, and the edges.

    Returns ``objects``, a list of ``("tensor", Tensor)`` or ``("op", Node)`` whose index is
    the node's id, and ``edges``, ``(source index, target index, label)`` in data-flow
    direction: input tensor -> op -> output tensor. A tensor used twice by one op (``x * x``)
    gives two edges.
    """
    index_of: dict[int, int] = {}
    objects: list = []
    edges: list = []

    def visit(kind, obj) -> tuple[int, bool]:
        key = id(obj)
        if key in index_of:
            return index_of[key], False
        index_of[key] = len(objects)
        objects.append((kind, obj))
        return index_of[key], True

    queue = deque([visit("tensor", root)[0]])
    while queue:
        index = queue.popleft()
        kind, obj = objects[index]
        if kind == "tensor":
            if obj._node is None:
                continue  # a leaf
            op, new = visit("op", obj._node)
            label = f"out {obj._index}" if obj._node.num_outputs > 1 else ""
            edges.append((op, index, label))
            if new:
                queue.append(op)
        else:
            for tensor in obj.inputs:
                source, new = visit("tensor", tensor)
                edges.append((source, index, ""))
                if new:
                    queue.append(source)
    return objects, edges


def _role(tensor: Tensor) -> str:
    if tensor._node is not None:
        return "result"
    return "parameter" if tensor.requires_grad else "constant"


def _tensor_label(tensor: Tensor, show_values: bool, show_grads: bool) -> str:
    lines = [f"{tuple(tensor.shape)} {tensor.dtype}"]
    if show_values:
        lines.append(_summary(tensor.array))
    if show_grads:
        lines.append("grad: None" if tensor.grad is None else "grad: " + _summary(tensor.grad.array))
    return "\n".join(lines)


def _summary(array: np.ndarray) -> str:
    """``min=… mean=… max=…`` of ``array``; NaN and infinities are shown, not hidden."""
    if array.size == 0:
        return "empty"
    with np.errstate(all="ignore"):
        low, mean, high = np.min(array), np.mean(array, dtype=np.float64), np.max(array)
    return f"min={low:.4g} mean={mean:.4g} max={high:.4g}"


def _escape(text: str) -> str:
    """``text`` inside a DOT double-quoted string: backslashes and quotes escaped,
    line breaks as DOT's ``\\n``."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
