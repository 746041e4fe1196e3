"""The graph and the chain rule: grad mode, the recorded ``Node``, and ``backward``.

``Function.apply`` (in ``function.py``) records a :class:`Node` for each operation whose
result needs a gradient. :func:`backward` walks those nodes in reverse topological order.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import anomaly

class _State(threading.local):
    grad_enabled = True


_state = _State()


# ---------------------------------------------------------------- grad mode

def is_grad_enabled() -> bool:
    """Whether operations record a graph for ``backward`` (true unless inside ``no_grad``)."""
    return _state.grad_enabled


def _set_grad_enabled(enabled: bool) -> None:
    _state.grad_enabled = enabled


class _GradMode(contextlib.ContextDecorator):
    """Set grad mode for a ``with`` block or a decorated function, restoring it after.

    The previous modes are kept on a stack, so one instance may be entered again before it
    exits (a decorated recursive function does this).
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self):
        self._previous.append(is_grad_enabled())
        _set_grad_enabled(self.enabled)

    def __exit__(self, *exc):
        _set_grad_enabled(self._previous.pop())


def no_grad() -> _GradMode:
    """Record no graph: results of operations have ``requires_grad=False`` and no parents.

    Use as ``with no_grad():`` or as the decorator ``@no_grad()``.
    """
    return _GradMode(False)


def inference_mode(mode=True):
    """PyTorch's faster ``no_grad`` for inference; here the same as ``no_grad()`` (with
    ``mode=False``, as ``enable_grad()``). Use as ``with inference_mode():``, as the
    decorator ``@inference_mode()``, or bare as ``@inference_mode``."""
    if callable(mode):
        return _GradMode(False)(mode)
    return _GradMode(not mode)


def enable_grad() -> _GradMode:
    """Record the graph again inside a ``no_grad`` block."""
    return _GradMode(True)


class set_grad_enabled(_GradMode):
    """Switch graph recording on or off now (as a function), or for a ``with`` block, after
    which the mode from before the call comes back (as PyTorch's ``set_grad_enabled``)."""

    def __init__(self, mode: bool):
        super().__init__(bool(mode))
        self._before = is_grad_enabled()
        _set_grad_enabled(self.enabled)

    def __enter__(self):
        self._previous.append(self._before)
        _set_grad_enabled(self.enabled)


# ---------------------------------------------------------------- the graph

class Node:
    """One recorded call of a Function: its context, its input tensors, its output count."""

    __slots__ = ("function", "ctx", "inputs", "num_outputs", "freed", "created_at")

    def __init__(self, function, ctx, inputs, num_outputs, created_at):
        self.function = function
        self.ctx = ctx
        self.inputs = inputs
        self.num_outputs = num_outputs
        self.freed = False
        self.created_at = created_at

    @property
    def name(self) -> str:
        return self.function.__name__


def _topological_order(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after every node that consumes its outputs.

    An iterative depth-first search: a node is appended once all its inputs' nodes are,
    and the list is reversed at the end.
    """
    # NOTE: mark a node when it is expanded, not when it is pushed. A node already on the
    # stack may be reached again through a deeper path, and must then finish first there.
    order, expanded, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in expanded:
            continue
        expanded.add(node)
        stack.append((node, True))
        for t in node.inputs:
            if t._node is not None and t._node not in expanded:
                stack.append((t._node, False))
    return order[::-1]


def _checked(node: Node, tensor, gx) -> np.ndarray:
    """``gx`` as an array of ``tensor``'s shape and dtype, or a RuntimeError naming the op."""
    data = tensor.array
    if type(gx) is np.ndarray and gx.dtype is data.dtype and gx.shape == data.shape:
        return gx  # the common case, checked first
    gx = np.asarray(gx)
    if gx.shape != data.shape:
        raise RuntimeError(f"{node.name}.backward returned a gradient of shape {gx.shape} "
                           f"for an input of shape {data.shape}")
    return gx if gx.dtype == data.dtype else gx.astype(data.dtype)


def _upstream(node: Node, gys: list) -> list:
    """The gradients of a multi-output ``node``'s outputs, zeros for an output that did not
    reach the root."""
    return [np.zeros(shape, dtype) if g is None else g
            for g, (shape, dtype) in zip(gys, node.ctx.output_meta)]


def backward(root, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) · ``grad`` into ``.grad`` of every leaf that requires grad.

    Two phases: order the graph so that each node comes after all its consumers; then apply
    the chain rule node by node, summing the gradients that reach each output.
    """
    # Phase 1: order the recorded nodes, consumers first.
    order = _topological_order(root._node)
    # Phase 2: the chain rule. pending[node] holds the gradient of each of its outputs so far.
    pending = {root._node: [None] * root._node.num_outputs}
    pending[root._node][root._index] = grad
    checking = anomaly.is_enabled()
    grad_was_enabled = is_grad_enabled()
    _set_grad_enabled(False)
    try:
        for node in order:
            if node.freed:
                raise RuntimeError(
                    f"backward through {node.name} a second time: its saved values were "
                    "freed after the first backward; pass retain_graph=True to the first call")
            gys = pending.pop(node)
            if node.num_outputs > 1:
                gys = _upstream(node, gys)
            ctx = node.ctx
            ctx.retain_graph = retain_graph
            gxs = node.function.backward(ctx, *gys)
            gxs = gxs if type(gxs) is tuple else (gxs,)
            if len(gxs) != len(node.inputs):
                raise RuntimeError(f"{node.name}.backward returned {len(gxs)} gradients "
                                   f"for {len(node.inputs)} inputs")
            if checking:
                anomaly.check(node.name, "backward gradient", [g for g in gxs if g is not None],
                              node.created_at)
            for tensor, gx in zip(node.inputs, gxs):
                if gx is None or not tensor.requires_grad:
                    continue
                gx = _checked(node, tensor, gx)
                producer = tensor._node
                if producer is None:
                    tensor._accumulate_grad(gx)
                    continue
                slots = pending.get(producer)
                if slots is None:
                    slots = pending[producer] = [None] * producer.num_outputs
                previous = slots[tensor._index]
                slots[tensor._index] = gx if previous is None else previous + gx
            if not retain_graph:
                ctx.saved_tensors = ()
                node.freed = True
    finally:
        _set_grad_enabled(grad_was_enabled)
