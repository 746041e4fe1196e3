"""The graph and the chain rule: ``Function``, its ``Context``, grad mode and ``backward``.

Every differentiable operation is a :class:`Function` subclass with a ``forward`` and a
``backward`` over NumPy arrays. :meth:`Function.apply` runs ``forward``, wraps the result
in tensors and, when a gradient is wanted, records a :class:`Node` that links the outputs
to the inputs. :func:`backward` walks those nodes in reverse topological order.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import anomaly

_state = threading.local()


# ---------------------------------------------------------------- grad mode

def is_grad_enabled() -> bool:
    """Whether operations record a graph for ``backward`` (true unless inside ``no_grad``)."""
    return getattr(_state, "grad_enabled", True)


class _GradMode(contextlib.ContextDecorator):
    """Set grad mode for a ``with`` block or a decorated function, restoring it after."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        self.previous = is_grad_enabled()
        _state.grad_enabled = self.enabled

    def __exit__(self, *exc):
        _state.grad_enabled = self.previous


def no_grad() -> _GradMode:
    """Record no graph: results of operations have ``requires_grad=False`` and no parents.

    Use as ``with no_grad():`` or as the decorator ``@no_grad()``.
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record the graph again inside a ``no_grad`` block."""
    return _GradMode(True)


# ---------------------------------------------------------------- Function

class Context:
    """What ``forward`` leaves for ``backward``: saved arrays and which inputs need a gradient.

    Attributes:
        needs_input_grad: one bool per input of ``forward``; ``backward`` may return
            ``None`` for an input whose entry is false.
        saved_tensors: the arrays passed to :meth:`save_for_backward`.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *arrays) -> None:
        """Keep ``arrays`` (or any values) for ``backward``; they are freed after it runs."""
        self.saved_tensors = arrays


class Node:
    """One recorded call of a Function: its context, its input tensors, its output count."""

    __slots__ = ("function", "ctx", "inputs", "num_outputs", "freed", "created_at", "__weakref__")

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


class Function:
    """A differentiable operation over NumPy arrays: the engine's one extension point.

    Subclass it and write two static methods next to each other::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, gy):
                (x,) = ctx.saved_tensors
                return 2 * x * gy

    ``forward(ctx, *arrays, **options)`` receives the inputs' arrays and returns an array or
    a tuple of arrays. ``backward(ctx, *gys)`` receives one upstream gradient per output
    (zeros for an output that did not reach the loss) and returns one gradient per input,
    each of that input's shape, or ``None`` where the input needs none. Call it as
    ``Square.apply(tensor)``; non-tensor inputs are wrapped as constants.
    """

    @staticmethod
    def forward(ctx: Context, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *gys):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        from .tensor import Tensor, as_tensor

        tensors = tuple(t if isinstance(t, Tensor) else as_tensor(t) for t in inputs)
        needs = tuple(t.requires_grad for t in tensors)
        record = any(needs) and is_grad_enabled()
        ctx = Context(needs)
        out = cls.forward(ctx, *(t.data for t in tensors), **options)
        outputs = tuple(np.asarray(y) for y in (out if isinstance(out, tuple) else (out,)))
        ctx._output_meta = [(y.shape, y.dtype) for y in outputs]
        created_at = anomaly.creation_site() if anomaly.is_enabled() else None
        if created_at is not None:
            anomaly.check(cls.__name__, "forward output", outputs, created_at)
        node = Node(cls, ctx, tensors, len(outputs), created_at) if record else None
        results = tuple(
            Tensor._from_op(y, node, index) for index, y in enumerate(outputs)
        )
        return results if isinstance(out, tuple) else results[0]


# ---------------------------------------------------------------- backward

def _topological_order(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after every node that consumes its outputs."""
    order, visited, stack = [], {id(root)}, [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        stack.append((node, True))
        for t in node.inputs:
            parent = t._node
            if parent is not None and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, False))
    return order[::-1]


def _check_gradient(node: Node, tensor, gx) -> np.ndarray:
    gx = np.asarray(gx)
    if gx.shape != tensor.shape:
        raise RuntimeError(
            f"{node.name}.backward returned a gradient of shape {gx.shape} "
            f"for an input of shape {tensor.shape}"
        )
    return gx.astype(tensor.dtype, copy=False)


def backward(root, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) · ``grad`` into ``.grad`` of every leaf that requires grad.

    Two phases: order the graph so that each node comes after all its consumers; then apply
    the chain rule node by node, summing the gradients that reach each output.
    """
    # Phase 1: order the recorded nodes, consumers first.
    order = _topological_order(root._node)
    # Phase 2: chain rule. pending[node] holds the gradient of each of its outputs so far.
    pending = {id(root._node): [None] * root._node.num_outputs}
    pending[id(root._node)][root._index] = grad
    for node in order:
        if node.freed:
            raise RuntimeError(
                f"backward through {node.name} a second time: its saved values were freed "
                "after the first backward; pass retain_graph=True to the first call"
            )
        gys = pending.pop(id(node), None)
        if gys is None:
            continue
        gys = [np.zeros(shape, dtype) if g is None else g for g, (shape, dtype) in
               zip(gys, node.ctx._output_meta)]
        with no_grad():
            gxs = node.function.backward(node.ctx, *gys)
        gxs = gxs if isinstance(gxs, tuple) else (gxs,)
        if len(gxs) != len(node.inputs):
            raise RuntimeError(
                f"{node.name}.backward returned {len(gxs)} gradients for {len(node.inputs)} inputs"
            )
        if node.created_at is not None:
            anomaly.check(node.name, "backward gradient", [g for g in gxs if g is not None],
                          node.created_at)
        for tensor, gx in zip(node.inputs, gxs):
            if gx is None or not tensor.requires_grad:
                continue
            gx = _check_gradient(node, tensor, gx)
            if tensor._node is None:
                tensor._accumulate_grad(gx)
            else:
                slots = pending.setdefault(id(tensor._node), [None] * tensor._node.num_outputs)
                previous = slots[tensor._index]
                slots[tensor._index] = gx if previous is None else previous + gx
        if not retain_graph:
            node.ctx.saved_tensors = ()
            node.freed = True

