r"""
12. The GRU, in both reset forms
================================

The GRU keeps no cell state and no output gate; two gates remain, update :math:`z` and
reset :math:`r` (lecture note 3, on the GRU; lecture note 4, on when to prefer it). In the
order r, z, n:

.. math::

   \begin{aligned}
   r &= \sigma(x W_{ir}^\top + b_{ir} + h W_{hr}^\top + b_{hr}), \qquad
   z = \sigma(x W_{iz}^\top + b_{iz} + h W_{hz}^\top + b_{hz}), \\
   n &= \tanh(x W_{in}^\top + b_{in} + r \odot (h W_{hn}^\top + b_{hn})), \\
   h' &= (1 - z) \odot n + z \odot h
   \end{aligned}

with the reset applied after the product ("after", PyTorch's form), or before it,
:math:`(r \odot h) W_{hn}^\top + b_{hn}` ("before", Cho et al.'s). Both, written with
tensor operations, against ``nn.GRU``:
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 6, 2, 3, 4
rng = np.random.default_rng(3)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
weights = tg.nn.GRU(I, H, dtype=np.float64).state_dict()
W_ih, W_hh, b_ih, b_hh = (tg.Tensor(weights[f"{name}_l0"])
                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def gru_by_hand(reset, update_gates=None):
    h, outputs = tg.Tensor(np.zeros((N, H))), []
    for t in range(T):
        p = x[t] @ W_ih.T + b_ih                     # input side, blocks r | z | n
        q = h @ W_hh.T + b_hh                        # hidden side
        r = tg.sigmoid(p[:, :H] + q[:, :H])
        z = tg.sigmoid(p[:, H:2 * H] + q[:, H:2 * H])
        if reset == "after":
            n = tg.tanh(p[:, 2 * H:] + r * q[:, 2 * H:])
        else:
            n = tg.tanh(p[:, 2 * H:] + (r * h) @ W_hh[2 * H:].T + b_hh[2 * H:])
        h = (1 - z) * n + z * h
        outputs.append(h.numpy())
        if update_gates is not None:
            update_gates.append(z.numpy())
    return np.stack(outputs)


results, update_gates = {}, []
for reset in ("after", "before"):
    layer = tg.nn.GRU(I, H, dtype=np.float64, reset=reset)
    layer.load_state_dict(weights)
    results[reset] = layer(tg.Tensor(x))[0].numpy()
    by_hand = gru_by_hand(reset, update_gates if reset == "after" else None)
    print(f"reset={reset:6s} largest difference {abs(results[reset] - by_hand).max():.1e}")
    assert np.allclose(results[reset], by_hand, rtol=1e-12, atol=1e-14)

# %%
# Same weights, different functions: the choice of form is part of the model.
print(f"after vs before differ by up to {abs(results['after'] - results['before']).max():.3f}")
assert not np.allclose(results["after"], results["before"])

# %%
# The two forms' states for the first sequence, unit by unit, and the update gate
# :math:`z` of the "after" form: where :math:`z` is near 1 a unit keeps its state.
fig, panels = plt.subplots(1, 3, figsize=(9, 2.6), sharey=True, layout="constrained")
shown = [("h, reset after", results["after"][:, 0]), ("h, reset before", results["before"][:, 0]),
         ("update gate z, after", np.stack(update_gates)[:, 0])]
for ax, (title, values) in zip(panels, shown):
    ax.imshow(values.T, vmin=-1, vmax=1, cmap="coolwarm", aspect="auto")
    ax.set(title=title, xlabel="step t")
panels[0].set_ylabel("unit")

# %%
# Exercise
# --------
#
# With :math:`W_{hh} = 0` the gates and the candidate no longer depend on :math:`h`, and
# :math:`\partial h' / \partial h = \mathrm{diag}(z)` exactly: the GRU's direct path
# (:doc:`/bptt/vanishing`). Check it with ``backward()``: for :math:`L = \langle h_T, 1
# \rangle` over the six steps, the gradient of the initial state must be the product of
# the update gates over time.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

flat = dict(weights, weight_hh_l0=np.zeros((3 * H, H)))
layer = tg.nn.GRU(I, H, dtype=np.float64, fused=False)
layer.load_state_dict(flat)
h0 = tg.Tensor(np.zeros((1, N, H)), requires_grad=True)
_, h_T = layer(tg.Tensor(x), h0)
h_T.sum().backward()
p = x @ flat["weight_ih_l0"].T + flat["bias_ih_l0"]                 # input side, (T, N, 3H)
z = 1 / (1 + np.exp(-(p[..., H:2 * H] + flat["bias_hh_l0"][H:2 * H])))
print("largest difference:", float(abs(h0.grad.numpy()[0] - z.prod(axis=0)).max()))
assert np.allclose(h0.grad.numpy()[0], z.prod(axis=0), rtol=1e-12, atol=1e-15)

# %%
# .. raw:: html
#
#    </details>
