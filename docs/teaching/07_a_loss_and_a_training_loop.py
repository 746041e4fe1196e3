r"""
07. A loss, and a training loop written by hand
===============================================

Training is the backward pass put to work. A *loss* :math:`L` is one number that says how
wrong the model is; its gradient says, for every parameter, which way increases it. Step
against the gradient, a little, many times: stochastic gradient descent,

.. math::

   \theta \leftarrow \theta - \eta \, \frac{dL}{d\theta},

with :math:`\eta` the learning rate. Here the model is a small network of tensor operations,
:math:`\hat y = \tanh(x W_1^\top + b_1) W_2^\top + b_2`, fitted to noisy samples of
:math:`\sin x` with the mean squared error. Nothing but tensors, ``backward`` and a loop:
no optimizer class (step 14 brings one in, once this loop is familiar).
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

rng = np.random.default_rng(0)
x_data = rng.uniform(-3, 3, (64, 1))
y_data = np.sin(x_data) + 0.1 * rng.standard_normal((64, 1))
x, y = tg.Tensor(x_data), tg.Tensor(y_data)

H = 16
params = [tg.Tensor(rng.standard_normal((H, 1)), requires_grad=True),          # W_1
          tg.Tensor(np.zeros(H), requires_grad=True),                          # b_1
          tg.Tensor(rng.standard_normal((1, H)) / np.sqrt(H), requires_grad=True),  # W_2
          tg.Tensor(np.zeros(1), requires_grad=True)]                          # b_2


def model(x):
    W1, b1, W2, b2 = params
    return tg.tanh(x @ W1.T + b1) @ W2.T + b2


def mse(prediction, target):
    return ((prediction - target) ** 2).mean()


learning_rate, losses = 0.1, []
for step in range(400):
    loss = mse(model(x), y)
    loss.backward()                              # fills every parameter's .grad
    with tg.no_grad():                           # the update is not part of the graph
        for p in params:
            p -= learning_rate * p.grad
            p.grad.zero_()                       # gradients add up: clear them for the next step
    losses.append(loss.item())
print(f"loss {losses[0]:.3f} at the start, {losses[-1]:.4f} after {len(losses)} steps")
assert losses[-1] < 0.05 * losses[0]

# %%
# The training curve, and what the network learnt:
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
left.semilogy(losses)
left.set(xlabel="step", ylabel="loss (mean squared error)", title="training curve")
grid = np.linspace(-3, 3, 200)[:, None]
with tg.no_grad():
    fitted = model(tg.Tensor(grid)).numpy()
right.plot(x_data, y_data, ".", color="0.5", label="data")
right.plot(grid, fitted, label="the network")
right.plot(grid, np.sin(grid), ":", label="sin x")
right.set(xlabel="x", title="the fit")
right.legend(fontsize=8)

# %%
# Exercise
# --------
#
# SGD with *momentum* keeps a running velocity per parameter,
# :math:`v \leftarrow \mu v + dL/d\theta`, :math:`\theta \leftarrow \theta - \eta v`. Add
# it to the loop (with :math:`\mu = 0.9` and :math:`\eta = 0.02`), train a fresh network
# for 400 steps, and compare the final loss with the plain loop's.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

rng = np.random.default_rng(0)
rng.uniform(-3, 3, (64, 1)), rng.standard_normal((64, 1))     # the same draws as above
params = [tg.Tensor(rng.standard_normal((H, 1)), requires_grad=True),
          tg.Tensor(np.zeros(H), requires_grad=True),
          tg.Tensor(rng.standard_normal((1, H)) / np.sqrt(H), requires_grad=True),
          tg.Tensor(np.zeros(1), requires_grad=True)]
velocity = [np.zeros(p.shape) for p in params]
for step in range(400):
    loss = mse(model(x), y)
    loss.backward()
    with tg.no_grad():
        for p, v in zip(params, velocity):
            v *= 0.9
            v += p.grad.numpy()
            p -= 0.02 * tg.Tensor(v)
            p.grad.zero_()
print(f"with momentum: {loss.item():.4f}; plain SGD: {losses[-1]:.4f}")
assert loss.item() < 0.05 * losses[0]

# %%
# .. raw:: html
#
#    </details>
