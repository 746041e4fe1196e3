r"""
04. Broadcasting and its gradient
=================================

Adding a bias of shape ``(H,)`` to a batch of shape ``(N, H)`` copies the bias to every
row. The gradient of a copy is the sum of the copies' gradients, so the bias's gradient is
the batch gradient summed over the rows: in general, summed over every axis along which the
input was repeated.
"""

import numpy as np

import tinygrad_rnn as tg

grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731

rng = np.random.default_rng(0)
x = tg.Tensor(rng.standard_normal((5, 3)), requires_grad=True)    # (N, H)
bias = tg.Tensor(rng.standard_normal(3), requires_grad=True)       # (H,)
column = tg.Tensor(rng.standard_normal((5, 1)), requires_grad=True)  # (N, 1)
upstream = rng.standard_normal((5, 3))                             # dL/d(output)

out = x + bias + column
(out * tg.Tensor(upstream)).sum().backward()

print("bias grad  ", grad_of(bias))
print("column grad", grad_of(column).ravel())
assert np.allclose(grad_of(x), upstream)                            # no copy: passed through
assert np.allclose(grad_of(bias), upstream.sum(axis=0))             # the new leading axis
assert np.allclose(grad_of(column), upstream.sum(axis=1, keepdims=True))  # its size-1 axis
