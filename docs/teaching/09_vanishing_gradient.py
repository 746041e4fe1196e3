"""
09. The vanishing gradient, measured
====================================

How much does the state at step :math:`t` still matter to a loss at the last step
:math:`T`? That is :math:`\\|dL/dh_t\\|`. Measure it on the real layers: run the layer up
to step :math:`t`, make the state a leaf tensor, run the rest from it, and read the leaf's
gradient after ``backward``. Repeat for every :math:`t`, for an RNN, an LSTM and a GRU of
the same size on the same input. The derivation behind the picture is in
:doc:`/bptt/vanishing`.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, I, H = 40, 4, 16
rng = np.random.default_rng(0)
x = rng.standard_normal((T, 1, I))


grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731


def state_gradient_norms(layer):
    """||dL/dh_t|| for t = 1..T-1, with L the sum of the last step's output."""
    norms = []
    for t in range(1, T):
        _, state = layer(tg.Tensor(x[:t]))
        parts = state if isinstance(state, tuple) else (state,)
        leaves = tuple(tg.Tensor(p.numpy(), requires_grad=True) for p in parts)
        output, _ = layer(tg.Tensor(x[t:]), leaves if len(leaves) > 1 else leaves[0])
        output[-1].sum().backward()
        norms.append(np.linalg.norm(grad_of(leaves[0])))
    return np.array(norms)


def keeping(layer, block):
    """``layer`` with gate ``block``'s bias raised by 3, so that gate starts near
    σ(3) ≈ 0.95: the LSTM's forget gate (block 1 of i, f, g, o), the GRU's update gate
    (block 1 of r, z, n)."""
    state = layer.state_dict()
    state["bias_ih_l0"][block * H:(block + 1) * H] += 3.0
    layer.load_state_dict(state)
    return layer


_ = tg.manual_seed(0)
layers = {"RNN": tg.nn.RNN(I, H, dtype=np.float64),
          "LSTM": tg.nn.LSTM(I, H, dtype=np.float64),
          "GRU": tg.nn.GRU(I, H, dtype=np.float64),
          "LSTM, f near 1": keeping(tg.nn.LSTM(I, H, dtype=np.float64), 1),
          "GRU, z near 1": keeping(tg.nn.GRU(I, H, dtype=np.float64), 1)}
norms = {name: state_gradient_norms(layer) for name, layer in layers.items()}
distance = T - np.arange(1, T)          # steps between h_t and the loss

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in norms.items():
    ax.semilogy(distance, values, label=name)
ax.set_xlabel("distance T - t from the loss (steps)")
ax.set_ylabel("||dL/dh_t||")
ax.legend()
fig.tight_layout()

# %%
# All five fade, the RNN as the norm bound predicts for :math:`\sigma_1(W_{hh}) < 1`. At
# their default initialisation the gated cells fade too: a forget gate around
# :math:`\sigma(0) = 0.5` halves the cell state's gradient at every step. Their escape is
# the gate: raise the forget gate's (or the GRU's update gate's) bias so it starts near 1,
# and the gradient crosses 40 steps with orders of magnitude more left. Training can set
# those gates itself, unit by unit; the RNN has no such dial.
for name, values in norms.items():
    print(f"{name:15s} at distance 1: {values[-1]:.2e}   at distance {T - 1}: {values[0]:.2e}")
assert norms["RNN"][0] < 1e-3 * norms["RNN"][-1]
for gated in ("LSTM, f near 1", "GRU, z near 1"):
    assert norms[gated][0] > 1e3 * norms["RNN"][0], gated
