r"""
02. Backward, in topological order
==================================

Step 1 followed one path by hand. A backward pass follows all of them at once: give the
result the gradient 1, then visit the nodes from the result back to the leaves, and let
each node pass its gradient to its inputs, multiplied by the local derivative, *adding*
to what the input already has (a value used twice receives both contributions: the
multivariable chain rule).

The order matters: a node may pass its gradient on only once every node that used it has
passed theirs, that is, in a *topological order* of the graph, reversed. A depth-first
search gives one: a node goes into the list after all of its inputs. It is written
iteratively, with its own stack, so that a graph thousands of steps deep (an RNN over a
long sequence) does not hit Python's recursion limit.

Here is the whole engine: step 1's ``Value``, now with ``backward``.
"""

import math


from tinygrad_rnn.viz import draw


class Value:
    """A number that remembers its inputs and its local derivatives, and can backpropagate."""

    def __init__(self, data, inputs=(), local_grads=(), op=""):
        self.data, self.inputs, self.local_grads, self.op = data, inputs, local_grads, op
        self.grad = 0.0

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "×")

    __radd__, __rmul__ = __add__, __mul__

    def tanh(self):
        y = math.tanh(self.data)
        return Value(y, (self,), (1 - y * y,), "tanh")

    def backward(self):
        # Phase 1: order the graph, every node after all of its inputs.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.inputs)
        # Phase 2: the chain rule, from the result back to the leaves.
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.inputs, node.local_grads):
                parent.grad += local * node.grad
        return order


# %%
# :math:`d = ab + a \cdot ab`, in which ``a`` and ``c = ab`` are each used twice. By hand,
# :math:`d = ab(1 + a)`, so :math:`\partial d / \partial a = b(1 + 2a) = -15` and
# :math:`\partial d / \partial b = a(1 + a) = 6`. The picture numbers the nodes in the
# order ``backward`` visits them.

a, b = Value(2.0), Value(-3.0)
c = a * b
d = c + a * c
order = d.backward()
print("d =", d.data, " dd/da =", a.grad, " dd/db =", b.grad)
assert (a.grad, b.grad) == (-15.0, 6.0)

visit = {id(node): k for k, node in enumerate(reversed(order), start=1)}
ax = draw(d, inputs=lambda v: v.inputs,
          label=lambda v: f"#{visit[id(v)]} {v.op or 'leaf'}\n{v.data:g}, grad {v.grad:g}")
ax.set_title("backward visits #1 first; each node after all its users")

# %%
# Check against finite differences
# --------------------------------
#
# A derivative can be checked without any derivation:
# :math:`(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon` differs from
# :math:`f'(x)` by a term of order :math:`\varepsilon^2`. The neuron of step 1, every
# input checked:


def neuron(x, w, b):
    return (w * x + b).tanh()


point = {"x": 0.5, "w": -1.5, "b": 0.25}
leaves = {name: Value(v) for name, v in point.items()}
neuron(**leaves).backward()
eps = 1e-6
for name in point:
    up = neuron(**{k: Value(v + eps * (k == name)) for k, v in point.items()}).data
    down = neuron(**{k: Value(v - eps * (k == name)) for k, v in point.items()}).data
    numeric = (up - down) / (2 * eps)
    print(f"dy/d{name}: backward {leaves[name].grad:+.8f}, finite differences {numeric:+.8f}")
    assert math.isclose(leaves[name].grad, numeric, rel_tol=1e-7)

# %%
# Exercise
# --------
#
# Add :math:`e^x` to ``Value`` as a method ``exp`` (its local derivative is
# :math:`e^x` itself), and check ``backward`` on :math:`f(x) = e^{x} \cdot x` at
# :math:`x = 0.7` against finite differences.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>


def exp(self):
    y = math.exp(self.data)
    return Value(y, (self,), (y,), "exp")


Value.exp = exp
x = Value(0.7)
(x.exp() * x).backward()
f = lambda v: math.exp(v) * v                             # noqa: E731
numeric = (f(0.7 + eps) - f(0.7 - eps)) / (2 * eps)
print(f"backward {x.grad:.8f}, finite differences {numeric:.8f}")
assert math.isclose(x.grad, numeric, rel_tol=1e-7)

# %%
# .. raw:: html
#
#    </details>
#
# That is an autograd engine: values, operations that record local derivatives, and a
# backward pass in topological order. Step 3 opens the library's engine and finds the same
# two phases.
