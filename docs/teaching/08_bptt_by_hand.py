r"""
08. Backpropagation through time by hand, against ``backward()``
================================================================

The RNN of step 7, and its backward pass written out in NumPy from the recursion derived in
:doc:`/bptt/rnn`: going back in time, the state's gradient is what the output contributes
plus what the next step sends back,

.. math::

   \delta h_t = \frac{\partial L}{\partial y_t} + \delta a_{t+1} W_{hh}, \qquad
   \delta a_t = \delta h_t \odot (1 - h_t^2),

and every weight's gradient is a sum over time. The engine's ``backward()`` on the graph of
tensor operations must agree.
"""

import numpy as np

import tinygrad_rnn as tg

grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731

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
dh = np.zeros((N, H))
for t in reversed(range(T)):
    dh = dh + G[t]                                   # the output's part
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
    print(f"d{name}: largest difference {abs(mine - grad_of(engine)).max():.1e}")
    assert np.allclose(mine, grad_of(engine), rtol=1e-12, atol=1e-14)
