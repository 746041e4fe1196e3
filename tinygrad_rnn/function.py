"""``Function``: the one public way to define a differentiable operation, and its ``Context``.

Every built-in op is a ``Function``; so is a plugin's fused recurrent kernel.
"""

from __future__ import annotations

import numpy as np

from . import anomaly
from .autograd import Node, is_grad_enabled
from .tensor import Tensor, ensure_tensor


class Context:
    """What ``forward`` leaves for ``backward``: saved values and which inputs need a gradient.

    Attributes:
        needs_input_grad: one bool per input of ``forward``; ``backward`` may return
            ``None`` for an input whose entry is false.
        saved_tensors: the arrays passed to :meth:`save_for_backward`.
        output_meta: the (shape, dtype) of each output of a multi-output op, filled in by
            ``apply`` (``backward`` gives zeros to an output that did not reach the loss).
        retain_graph: during ``backward``, whether the saved values must outlive it (set by
            ``autograd.backward``). When false, they are freed right after, so ``backward``
            may reuse an array it allocated in ``forward`` to hold its results.
    """

    __slots__ = ("needs_input_grad", "saved_tensors", "output_meta", "retain_graph", "__dict__")

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()
        self.retain_graph = True  # the safe answer until a backward says otherwise

    def save_for_backward(self, *arrays) -> None:
        """Keep ``arrays`` (inputs, outputs or intermediates of ``forward``) for ``backward``;
        freed after it runs. Other values ``backward`` needs (a shape, an axis, an option)
        are set as attributes of the context instead: ``ctx.axis = axis``."""
        self.saved_tensors = arrays


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
    each of that input's shape, or ``None`` where the input needs none. Neither may modify
    its arguments in place. Call it as ``Square.apply(tensor)``; non-tensor inputs become
    constants. Keyword ``options`` are passed to ``forward`` unchanged.
    """

    @staticmethod
    def forward(ctx: Context, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *gys):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        tensors = [t if isinstance(t, Tensor) else ensure_tensor(t) for t in inputs]
        needs = tuple([t.requires_grad for t in tensors])
        ctx = Context(needs)
        out = cls.forward(ctx, *[t.array for t in tensors], **options)
        single = type(out) is not tuple
        if single:
            outputs = (out if type(out) is np.ndarray else np.asarray(out),)
        else:
            outputs = tuple([np.asarray(y) for y in out])
            ctx.output_meta = [(y.shape, y.dtype) for y in outputs]
        created_at = None
        if anomaly.is_enabled():
            created_at = anomaly.creation_site()
            anomaly.check(cls.__name__, "forward output", outputs, created_at)
        node = None
        if True in needs and is_grad_enabled():
            node = Node(cls, ctx, tensors, len(outputs), created_at)
        if single:
            return Tensor._from_op(outputs[0], node, 0)
        return tuple([Tensor._from_op(y, node, i) for i, y in enumerate(outputs)])
