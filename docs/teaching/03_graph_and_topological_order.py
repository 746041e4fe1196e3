r"""
03. The graph and its topological order
=======================================

``backward`` must visit an operation only after every operation that used its result has
passed its gradient back: a *topological order* of the graph, reversed. Here is the idea on
a scalar class of a dozen lines, then the engine's graph of the same expression.
"""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.viz import to_dot


class Scalar:
    """A number that remembers its inputs and how to send a gradient back to them."""

    def __init__(self, value, inputs=(), local_grads=()):
        self.value, self.inputs, self.local_grads, self.grad = value, inputs, local_grads, 0.0

    def __add__(self, other):
        return Scalar(self.value + other.value, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return Scalar(self.value * other.value, (self, other), (other.value, self.value))


def topological_order(root):
    """Every node after all of its inputs (iterative depth-first search)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.inputs)
    return order


def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):       # consumers first
        for parent, local in zip(node.inputs, node.local_grads):
            parent.grad += local * node.grad             # the chain rule, summed over uses


a, b = Scalar(2.0), Scalar(-3.0)
c = a * b
d = c + a * c                                            # a and c are each used twice
backward(d)
print("d =", d.value, " dd/da =", a.grad, " dd/db =", b.grad)

# %%
# By hand: :math:`d = ab + a \cdot ab = ab(1 + a)`, so :math:`\partial d/\partial a =
# b(1 + a) + ab = b(1 + 2a) = -15` and :math:`\partial d/\partial b = a(1 + a) = 6`.
assert (a.grad, b.grad) == (-15.0, 6.0)

# %%
# The engine does the same on arrays. :func:`tinygrad_rnn.viz.to_dot` prints the graph it
# recorded (Graphviz text: an ellipse per operation, a box per tensor):
grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731
ta = tg.Tensor(np.float64(2.0), requires_grad=True)
tb = tg.Tensor(np.float64(-3.0), requires_grad=True)
tc = ta * tb
td = tc + ta * tc
td.backward()
print(to_dot(td))
assert (float(grad_of(ta)), float(grad_of(tb))) == (-15.0, 6.0)
