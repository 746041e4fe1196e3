r"""
05. A Function of one's own
===========================

Every operation is a :class:`~tinygrad_rnn.Function`: a ``forward`` over NumPy arrays that
saves what it needs, and a ``backward`` that receives ``gy``, the gradient of the result,
and returns ``gx``. Write softplus, :math:`y = \log(1 + e^x)`, whose derivative is the
logistic sigmoid, :math:`dy/dx = 1 / (1 + e^{-x})`.
"""

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


grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731

x = tg.Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
y = Softplus.apply(x)
y.sum().backward()
print("softplus", y.numpy(), "\ngradient", grad_of(x))
assert np.allclose(y.numpy(), np.log1p(np.exp([-2.0, 0.0, 3.0])))
assert np.allclose(grad_of(x), 1 / (1 + np.exp([2.0, 0.0, -3.0])))

# %%
# The new operation composes with every other one: the engine records it like a built-in.
y = Softplus.apply(x)
z = y * x
print("y made by", y.op, "; z made by", z.op)
assert (y.op, z.op) == ("Softplus", "Mul")
