r"""
09. Backpropagation through time by hand, against ``backward()``
================================================================

The RNN of step 8, and its backward pass written out in NumPy from the recursion derived in
:doc:`/bptt/rnn`: going back in time, the state's gradient is what the output contributes
plus what the next step sends back,

.. math::

   \delta h_t = \frac{\partial L}{\partial y_t} + \delta a_{t+1} W_{hh}, \qquad
   \delta a_t = \delta h_t \odot (1 - h_t^2),

and every weight's gradient is a sum over time. The engine's ``backward()`` on the graph of
tensor operations must agree.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 6, 2, 4, 3
rng = np.random.default_rng(1)
x = rng.standard_normal((T, N, I))
G = rng.standard_normal((T, N, H))                  # dL/dy_t: L = sum over t of <y_t, G_t>
W_ih, W_hh = rng.standard_normal((H, I)) * 0.5, rng.standard_normal((H, H)) * 0.5
b = rng.standard_normal(H)

# By hand: the forward, keeping every state, then the recursion backwards.
h = [np.zeros((N, H))]
for t in range(T):
    h.append(np.tanh(x[t] @ W_ih.T + h[-1] @ W_hh.T + b))
dW_ih, dW_hh, db, dx = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b), np.zeros_like(x)
dh, dh_norms = np.zeros((N, H)), []
for t in reversed(range(T)):
    dh = dh + G[t]                                   # the output's part
    dh_norms.append(np.linalg.norm(dh))
    da = dh * (1 - h[t + 1] ** 2)                    # through tanh
    dW_ih += da.T @ x[t]
    dW_hh += da.T @ h[t]
    db += da.sum(axis=0)
    dx[t] = da @ W_ih
    dh = da @ W_hh                                   # sent to the step before

# %%
# The same loss through the engine:
tW_ih, tW_hh, tb = (tg.Tensor(a, requires_grad=True) for a in (W_ih, W_hh, b))
tx = tg.Tensor(x, requires_grad=True)
state, loss = tg.Tensor(np.zeros((N, H))), 0
for t in range(T):
    state = tg.tanh(tx[t] @ tW_ih.T + state @ tW_hh.T + tb)
    loss = loss + (state * tg.Tensor(G[t])).sum()
loss.backward()

pairs = [("W_ih", dW_ih, tW_ih), ("W_hh", dW_hh, tW_hh), ("b", db, tb), ("x", dx, tx)]
for name, mine, engine in pairs:
    print(f"d{name}: largest difference {abs(mine - engine.grad.numpy()).max():.1e}")
    assert np.allclose(mine, engine.grad.numpy(), rtol=1e-12, atol=1e-14)

# %%
# What the recursion carried: the size of :math:`\delta h_t` at each step, the output's own
# part plus everything sent back from later steps, and the gradient of each step's input.
fig, ax = plt.subplots(figsize=(5.5, 3), layout="constrained")
steps = np.arange(1, T + 1)
ax.plot(steps, dh_norms[::-1], marker="o", label=r"$\|\delta h_t\|$")
ax.plot(steps, [np.linalg.norm(G[t]) for t in range(T)], ":", marker=".",
        label=r"$\|\partial L / \partial y_t\|$, the output's part")
ax.plot(steps, np.linalg.norm(dx.reshape(T, -1), axis=1), "--", marker="s",
        label=r"$\|\delta x_t\|$")
ax.set(xlabel="step t")
ax.legend(fontsize=8)

# %%
# Exercise
# --------
#
# Put the loss on the last output only (:math:`G_t = 0` for :math:`t < T`) and show that,
# by hand and by ``backward()`` alike, :math:`\delta h_t` is then the last step's gradient
# sent back :math:`T - t` times through :math:`\delta h_{t-1} = (\delta h_t \odot (1 -
# h_t^2)) W_{hh}`: compute :math:`\delta x_1` both ways.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

dh = G[-1]
for t in reversed(range(T)):
    da = dh * (1 - h[t + 1] ** 2)
    if t > 0:
        dh = da @ W_hh
dx_1_by_hand = da @ W_ih

tx = tg.Tensor(x, requires_grad=True)
state = tg.Tensor(np.zeros((N, H)))
for t in range(T):
    state = tg.tanh(tx[t] @ tW_ih.T + state @ tW_hh.T + tb)
(state * tg.Tensor(G[-1])).sum().backward()
print("largest difference in dx_1:", float(abs(tx.grad.numpy()[0] - dx_1_by_hand).max()))
assert np.allclose(tx.grad.numpy()[0], dx_1_by_hand, rtol=1e-12, atol=1e-14)

# %%
# .. raw:: html
#
#    </details>
