r"""
05. A Function of one's own
===========================

Every operation is a :class:`~tinygrad_rnn.Function` (step 3): a ``forward`` over NumPy
arrays that saves what it needs, and a ``backward`` that receives ``gy``, the gradient of
the result, and returns ``gx``. Write softplus, :math:`y = \log(1 + e^x)`, whose derivative
is the logistic sigmoid, :math:`dy/dx = 1 / (1 + e^{-x})`.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg


class Softplus(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)              # log(1 + e^x) without overflow

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy / (1.0 + np.exp(-x))           # gx = gy · σ(x)


x = tg.Tensor(np.linspace(-4.0, 4.0, 81), requires_grad=True)
y = Softplus.apply(x)
y.sum().backward()
X = x.numpy()
assert np.allclose(y.numpy(), np.log1p(np.exp(X)))
assert np.allclose(x.grad.numpy(), 1 / (1 + np.exp(-X)))

# %%
# The function and the gradient ``backward`` returned, against :math:`\max(0, x)`, which
# softplus smooths:
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.plot(X, y.numpy(), label="softplus(x)")
ax.plot(X, x.grad.numpy(), "--", label="its gradient, from backward")
ax.plot(X, np.maximum(X, 0), ":", color="0.5", label="max(0, x)")
ax.set_xlabel("x")
ax.legend()

# %%
# The new operation composes with every other one: the engine records it like a built-in.
y = Softplus.apply(x)
z = y * x
print("y made by", y.op, "; z made by", z.op)
assert (y.op, z.op) == ("Softplus", "Mul")

# %%
# Exercise
# --------
#
# Write ``Cube``, :math:`y = x^3`, as a ``Function``, and check that ``backward`` gives
# :math:`3x^2` for ``x = [-1, 0.5, 2]``.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>


class Cube(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * gy                   # gx = gy · 3x²


x = tg.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
Cube.apply(x).sum().backward()
print("gradient of x³ at", x.numpy(), ":", x.grad.numpy())
assert np.array_equal(x.grad.numpy(), [3.0, 0.75, 12.0])

# %%
# .. raw:: html
#
#    </details>
