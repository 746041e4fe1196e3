"""
10. The vanishing gradient, measured
====================================

How much does the state at step :math:`t` still matter to a loss at the last step
:math:`T`? That is :math:`\\|dL/dh_t\\|`. Measure it on the real layers: run the layer up
to step :math:`t`, make the state a leaf tensor, run the rest from it, and read the leaf's
gradient after ``backward``. Repeat for every :math:`t`, for an RNN, an LSTM and a GRU of
the same size on the same input. The derivation behind the picture is in
:doc:`/bptt/vanishing`: going back one step multiplies the gradient by the transposed
Jacobian :math:`J_t^\\top = W_{hh}^\\top \\mathrm{diag}(\\phi'(a_t))`, and over many steps
the gradient shrinks or grows by about the *spectral radius* :math:`\\rho` (the largest
modulus of an eigenvalue) of that Jacobian per step, not by its largest singular value.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.tasks.gradflow import NORM_LABEL, STEPS_LABEL, STYLES

T, I, H = 40, 4, 16
rng = np.random.default_rng(0)
x = rng.standard_normal((T, 1, I))


def state_gradient_norms(layer):
    """||dL/dh_t|| for t = 1..T-1, with L the sum of the last step's output."""
    norms = []
    for t in range(1, T):
        _, state = layer(tg.Tensor(x[:t]))
        parts = state if isinstance(state, tuple) else (state,)
        leaves = tuple(tg.Tensor(p.numpy(), requires_grad=True) for p in parts)
        output, _ = layer(tg.Tensor(x[t:]), leaves if len(leaves) > 1 else leaves[0])
        output[-1].sum().backward()
        norms.append(np.linalg.norm(leaves[0].grad.numpy()))
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

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for (name, values), style in zip(norms.items(), STYLES):
    ax.semilogy(distance, values, label=name, **style)
ax.set_xlabel(STEPS_LABEL)
ax.set_ylabel(NORM_LABEL)
ax.legend(fontsize=8)

# %%
# All five fade. The RNN's line is straight: a constant factor per step. That factor is
# the spectral radius of the Jacobian, :math:`\phi'` included. Measure it (the slope of
# the line), and compare with :math:`\rho(W_{hh})`, with :math:`\rho` of
# :math:`\mathrm{diag}(\bar\phi') W_{hh}` where :math:`\bar\phi'` is each unit's average
# :math:`1 - h_t^2` over the run, and with the largest singular value
# :math:`\sigma_1(W_{hh})`:
W_hh = layers["RNN"].weight_hh_l0.numpy()
states, _ = layers["RNN"](tg.Tensor(x))
slope = (1 - states.numpy()[:, 0] ** 2).mean(axis=0)            # the average φ' per unit
factor = float(np.exp(np.polyfit(distance, np.log(norms["RNN"]), 1)[0]))
rho = float(max(abs(np.linalg.eigvals(W_hh))))
rho_jacobian = float(max(abs(np.linalg.eigvals(np.diag(slope) @ W_hh))))
sigma_1 = float(np.linalg.norm(W_hh, 2))
print(f"measured factor per step    {factor:.3f}")
print(f"rho(diag(mean phi') W_hh)   {rho_jacobian:.3f}")
print(f"rho(W_hh)                   {rho:.3f}")
print(f"sigma_1(W_hh)               {sigma_1:.3f}")
assert abs(factor - rho_jacobian) < 0.05 and factor < rho < 1 < sigma_1

# %%
# The measured factor matches :math:`\rho` of the Jacobian. :math:`\rho(W_{hh})` alone is
# a little larger, because tanh's slope is below 1 at the run's states; and the largest
# singular value is above 1, although the gradient vanishes: the norm bound
# :math:`\|\delta h_s\| \le \sigma_1^{T-s} \|\partial L / \partial h_T\|` is only an upper
# bound, loose for a random matrix.
#
# At their default initialisation the gated cells fade too: a forget gate around
# :math:`\sigma(0) = 0.5` halves the cell state's gradient at every step. Their escape is
# the gate: raise the forget gate's (or the GRU's update gate's) bias so it starts near 1,
# and the gradient crosses 40 steps with orders of magnitude more left. Training can set
# those gates itself, unit by unit; the RNN has no such dial.
for name, values in norms.items():
    print(f"{name:15s} 1 step back: {values[-1]:.2e}   {T - 1} steps back: {values[0]:.2e}")
assert norms["RNN"][0] < 1e-3 * norms["RNN"][-1]
for gated in ("LSTM, f near 1", "GRU, z near 1"):
    assert norms[gated][0] > 1e3 * norms["RNN"][0], gated

# %%
# Exercise
# --------
#
# Scale the RNN's :math:`W_{hh}` so that its spectral radius is 1.5, set its biases and
# its input to zero (so every state stays exactly 0 and :math:`\phi' = 1`: each Jacobian
# is :math:`W_{hh}` itself), and measure the factor per step again.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

rnn = layers["RNN"]
weights = rnn.state_dict()
weights["weight_hh_l0"] = 1.5 * W_hh / rho
weights["bias_ih_l0"][:] = weights["bias_hh_l0"][:] = 0.0
rnn.load_state_dict(weights)
x = np.zeros_like(x)
steep = state_gradient_norms(rnn)
grown = float(np.exp(np.polyfit(distance, np.log(steep), 1)[0]))
print(f"factor per step {grown:.3f} (rho = 1.5); {T - 1} steps back the gradient is "
      f"{steep[0] / steep[-1]:.1e} times the one 1 step back")
assert abs(grown - 1.5) < 0.05 and steep[0] > 1e5 * steep[-1]

# %%
# .. raw:: html
#
#    </details>
#
# It explodes, by :math:`\rho` per step. With a real input the states would grow too,
# tanh would saturate and :math:`\phi'` fall: a tanh RNN's gradient is capped by
# saturation, at the price of a network whose states are all at :math:`\pm 1`.
