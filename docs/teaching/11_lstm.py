r"""
11. The LSTM, forward and backward by hand
==========================================

The LSTM of lecture note 1 (the LSTM in Olah's notation), in the library's gate order
i, f, g, o (derived in :doc:`/cells`):

.. math::

   \begin{aligned}
   [a_i \,|\, a_f \,|\, a_g \,|\, a_o] &= x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh} \\
   c' &= \sigma(a_f) \odot c + \sigma(a_i) \odot \tanh(a_g) \\
   h' &= \sigma(a_o) \odot \tanh(c')
   \end{aligned}

Written with tensor operations, it matches ``nn.LSTM`` on both of its paths: the fused
Numba kernels and the step-by-step cell.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 7, 3, 4, 5
rng = np.random.default_rng(2)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
fused = tg.nn.LSTM(I, H, dtype=np.float64)
W_ih, W_hh, b_ih, b_hh = (tg.Tensor(fused.state_dict()[f"{name}_l0"])
                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def cell(x_t, h, c):
    a = x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f = tg.sigmoid(a[:, :H]), tg.sigmoid(a[:, H:2 * H])
    g, o = tg.tanh(a[:, 2 * H:3 * H]), tg.sigmoid(a[:, 3 * H:])
    c = f * c + i * g
    return o * tg.tanh(c), c, (i, f, g, o)


h, c, outputs, gates = tg.Tensor(np.zeros((N, H))), tg.Tensor(np.zeros((N, H))), [], []
for t in range(T):
    h, c, gate = cell(tg.Tensor(x[t]), h, c)
    outputs.append(h.numpy())
    gates.append([v.numpy() for v in gate])
by_hand = np.stack(outputs)

stepwise = tg.nn.LSTM(I, H, dtype=np.float64, fused=False)
stepwise.load_state_dict(fused.state_dict())
for name, layer in [("fused", fused), ("step by step", stepwise)]:
    output, (h_T, c_T) = layer(tg.Tensor(x))
    print(f"{name:13s} largest difference {abs(output.numpy() - by_hand).max():.1e}")
    assert np.allclose(output.numpy(), by_hand, rtol=1e-12, atol=1e-14)
    assert np.allclose(c_T.numpy()[0], c.numpy(), rtol=1e-12, atol=1e-14)

# %%
# Every gate lies in (0, 1), the candidate in (-1, 1) (lecture note 2): a forget gate near
# 0 erases a unit of the cell state, near 1 keeps it. The four gates of the first sequence,
# unit by unit, over the seven steps:
fig, panels = plt.subplots(1, 4, figsize=(9, 2.6), sharey=True, layout="constrained")
for k, (ax, name) in enumerate(zip(panels, ["input i", "forget f", "candidate g", "output o"])):
    image = ax.imshow(np.stack([gate[k][0] for gate in gates]).T, vmin=-1, vmax=1,
                      cmap="coolwarm", aspect="auto")
    ax.set(title=name, xlabel="step t")
panels[0].set_ylabel("unit")
fig.colorbar(image, ax=panels, shrink=0.8)
forget = np.stack([gate[1] for gate in gates])
assert 0 < forget.min() and forget.max() < 1

# %%
# The backward of one step, by hand
# ---------------------------------
#
# Differentiate one step, from the gradients :math:`\delta h'` and :math:`\delta c'` that
# reach its outputs, with the two rules of :doc:`/bptt/notation` (derivation:
# :doc:`/bptt/lstm`). The output gate reads :math:`\tanh(c')`; the cell state's gradient
# is what comes through :math:`h'` plus what comes directly; each gate's pre-activation
# gets its gate's factor; :math:`h`, :math:`x` and the weights get the product rules:
#
# .. math::
#
#    \begin{aligned}
#    \delta c &= \delta c' + \delta h' \odot o \odot (1 - \tanh^2 c'), \qquad
#    \delta c_{\mathrm{prev}} = \delta c \odot f, \\
#    \delta a_o &= \delta h' \odot \tanh(c') \odot o (1 - o), \qquad
#    \delta a_g = \delta c \odot i \odot (1 - g^2), \\
#    \delta a_f &= \delta c \odot c_{\mathrm{prev}} \odot f (1 - f), \qquad
#    \delta a_i = \delta c \odot g \odot i (1 - i), \\
#    \delta h &= \delta a \, W_{hh}, \qquad \delta x = \delta a \, W_{ih}, \qquad
#    \delta W_{hh} = \delta a^\top h .
#    \end{aligned}


def cell_backward(x_t, h, c_prev, dh_next, dc_next):
    """The gradients of one LSTM step, in NumPy, from the formulas above."""
    _, c_next, gate = cell(tg.Tensor(x_t), tg.Tensor(h), tg.Tensor(c_prev))   # the forward
    i, f, g, o = (v.numpy() for v in gate)
    tanh_c = np.tanh(c_next.numpy())
    dc = dc_next + dh_next * o * (1 - tanh_c**2)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g**2), dh_next * tanh_c * o * (1 - o)], axis=1)
    return {"h": da @ W_hh.numpy(), "c": dc * f, "x": da @ W_ih.numpy(),
            "W_hh": da.T @ h, "W_ih": da.T @ x_t}


# %%
# The same step through the engine, with the loss
# :math:`L = \langle h', G_h \rangle + \langle c', G_c \rangle`, so that
# :math:`\delta h' = G_h` and :math:`\delta c' = G_c`:
x_t, h0, c0 = x[0], rng.standard_normal((N, H)), rng.standard_normal((N, H))
G_h, G_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
leaves = {"x": tg.Tensor(x_t, requires_grad=True), "h": tg.Tensor(h0, requires_grad=True),
          "c": tg.Tensor(c0, requires_grad=True)}
W_ih.requires_grad_(), W_hh.requires_grad_()
h1, c1, _ = cell(leaves["x"], leaves["h"], leaves["c"])
((h1 * tg.Tensor(G_h)).sum() + (c1 * tg.Tensor(G_c)).sum()).backward()
engine = {name: t.grad.numpy() for name, t in leaves.items()}
engine.update(W_hh=W_hh.grad.numpy(), W_ih=W_ih.grad.numpy())
mine = cell_backward(x_t, h0, c0, G_h, G_c)
for name in mine:
    print(f"d{name:5s} by hand vs backward(): largest difference "
          f"{abs(mine[name] - engine[name]).max():.1e}")
    assert np.allclose(mine[name], engine[name], rtol=1e-12, atol=1e-14)

# %%
# Exercise
# --------
#
# Chain ``cell_backward`` through time: for the loss :math:`L = \langle c_T, G_c \rangle`
# on the last cell state of the seven-step run from :math:`h_0 = c_0 = 0`, compute
# :math:`\delta x_1` by calling it from the last step back to the first (each step's
# :math:`\delta h, \delta c` are the step before's :math:`\delta h', \delta c'`), and check
# it against ``backward()``.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

states = [(np.zeros((N, H)), np.zeros((N, H)))]
for t in range(T):
    h_t, c_t, _ = cell(tg.Tensor(x[t]), *(tg.Tensor(s) for s in states[-1]))
    states.append((h_t.numpy(), c_t.numpy()))
dh, dc = np.zeros((N, H)), G_c
for t in reversed(range(T)):
    grads = cell_backward(x[t], *states[t], dh, dc)
    dh, dc = grads["h"], grads["c"]
tx = tg.Tensor(x, requires_grad=True)
h, c = tg.Tensor(np.zeros((N, H))), tg.Tensor(np.zeros((N, H)))
for t in range(T):
    h, c, _ = cell(tx[t], h, c)
(c * tg.Tensor(G_c)).sum().backward()
print("largest difference in dx_1:", float(abs(grads["x"] - tx.grad.numpy()[0]).max()))
assert np.allclose(grads["x"], tx.grad.numpy()[0], rtol=1e-10, atol=1e-14)

# %%
# .. raw:: html
#
#    </details>
