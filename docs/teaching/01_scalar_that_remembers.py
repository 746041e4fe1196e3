"""
01. A scalar that remembers how it was made
===========================================

A tensor is an array plus a record of the operation that produced it. Start with one
number, :math:`x = 3`, and compute :math:`y = x^2 + 2x`. Each operation leaves a node in
the graph, and the result knows which node made it.
"""

import numpy as np

import tinygrad_rnn as tg

x = tg.Tensor(3.0, requires_grad=True)
y = x * x + 2 * x
print("y =", y.item(), "made by", y.op)

# %%
# ``backward`` walks that record in reverse and leaves :math:`dy/dx = 2x + 2 = 8` in
# ``x.grad``. (``grad_of`` reads a gradient as a NumPy array, whether ``.grad`` holds an
# array or a tensor; every later step defines it the same way.)

grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731

y.backward()
print("dy/dx =", float(grad_of(x)))
assert y.item() == 15.0 and float(grad_of(x)) == 8.0

# %%
# A tensor that does not ask for a gradient is a constant: no node is recorded for an
# operation on constants only.
c = tg.Tensor(3.0) * 2
print("constant made by", c.op)
assert c.op is None
