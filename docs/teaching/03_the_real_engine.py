r"""
03. The real engine: the same algorithm over arrays
===================================================

The library's engine is step 2's, with NumPy arrays in place of numbers. Here are its
pieces, included from the source files that run.

A :class:`~tinygrad_rnn.Tensor` is an array plus the record of the operation that made it,
step 1's ``inputs`` and ``op`` gathered in one ``Node``; an operation's result is wrapped
like this:

.. literalinclude:: ../../tinygrad_rnn/tensor.py
   :pyobject: Tensor._from_op

An operation is a :class:`~tinygrad_rnn.Function`: a ``forward`` over arrays and a
``backward`` that receives ``gy``, the gradient of the result, and returns ``gx``, one per
input: the local derivative multiplied in, as ``local * node.grad`` did in step 2, but for
whole arrays at once. ``Mul``:

.. literalinclude:: ../../tinygrad_rnn/ops/elementwise.py
   :pyobject: Mul

``Function.apply`` runs ``forward`` on the inputs' arrays and, when an input needs a
gradient, records a ``Node`` (the function, its saved values and its inputs): step 2's
``inputs`` and ``local_grads``, with the local derivatives computed later, by
``backward``, from the saved values:

.. literalinclude:: ../../tinygrad_rnn/function.py
   :pyobject: Function.apply

``Tensor.backward`` checks its argument and hands over to ``autograd.backward``:

.. literalinclude:: ../../tinygrad_rnn/tensor.py
   :pyobject: Tensor.backward

``autograd.backward`` is step 2's two phases: a topological order by an iterative depth-first search, then the chain rule
node by node, adding the gradients that reach each output (``pending``) before the node
passes them on:

.. literalinclude:: ../../tinygrad_rnn/autograd.py
   :pyobject: _topological_order

.. literalinclude:: ../../tinygrad_rnn/autograd.py
   :pyobject: backward

The same expression as in step 2, :math:`d = ab + a \cdot ab`, now on arrays of three
elements: every operation works elementwise, and so does the gradient,
:math:`\partial d / \partial a = b(1 + 2a)`.
"""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import autograd
from tinygrad_rnn.viz import draw

a = tg.Tensor(np.array([2.0, 0.5, -1.0]), requires_grad=True)
b = tg.Tensor(np.array([-3.0, 4.0, 1.5]), requires_grad=True)
c = a * b
d = c + a * c
d.sum().backward()
A, B = a.numpy(), b.numpy()
print("dd/da =", a.grad.numpy(), " by hand:", B * (1 + 2 * A))
print("dd/db =", b.grad.numpy(), " by hand:", A * (1 + A))
assert np.allclose(a.grad.numpy(), B * (1 + 2 * A)) and np.allclose(b.grad.numpy(), A * (1 + A))

# %%
# The engine's graph of the same expression, drawn from its recorded nodes (each box: the
# operation that made the tensor, and its shape):
d = c + a * c
ax = draw(d.sum())
ax.set_title("the engine's graph of (ab + a·ab).sum()")

# %%
# Exercise
# --------
#
# Build :math:`y = \tanh(w x + b)` with tensors (``x`` an array of four numbers) and list
# the names of the nodes in the order ``backward`` visits them, with
# ``autograd._topological_order(y._node)``. Which comes first, and why? Then check that
# ``x.grad`` is :math:`(1 - y^2)\, w`.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

x = tg.Tensor(np.array([0.1, -0.4, 0.9, 2.0]), requires_grad=True)
w, b = tg.Tensor(np.float64(-1.5)), tg.Tensor(np.float64(0.25))
y = tg.tanh(w * x + b)
visits = [node.name for node in autograd._topological_order(y._node)]
print("backward visits", visits, "- the last operation first: nothing used its result")
y.sum().backward()
assert visits == ["Tanh", "Add", "Mul"]
assert np.allclose(x.grad.numpy(), (1 - y.numpy() ** 2) * -1.5)

# %%
# .. raw:: html
#
#    </details>
