r"""
11. The GRU, in both reset forms
================================

The GRU keeps no cell state and no output gate; two gates remain, update :math:`z` and
reset :math:`r` (lecture note 3 (GRU), ``003_0615cf6610feb24d.md``; lecture note 4,
``004_b458bdf2b022d4e7.md``). In the order r, z, n:

.. math::

   r = \sigma(\cdot), \quad z = \sigma(\cdot), \quad
   n = \tanh(x W_{in}^T + b_{in} + r \odot (h W_{hn}^T + b_{hn})), \quad
   h' = (1 - z) \odot n + z \odot h

with the reset applied after the product ("after", PyTorch's form), or before it,
:math:`(r \odot h) W_{hn}^T + b_{hn}` ("before", Cho et al.'s). Both, written with tensor
operations, against ``nn.GRU``:
"""

import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 6, 2, 3, 4
rng = np.random.default_rng(3)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
weights = tg.nn.GRU(I, H, dtype=np.float64).state_dict()
W_ih, W_hh, b_ih, b_hh = (tg.Tensor(weights[f"{name}_l0"])
                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def gru_by_hand(reset):
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
    return np.stack(outputs)


results = {}
for reset in ("after", "before"):
    layer = tg.nn.GRU(I, H, dtype=np.float64, reset=reset)
    layer.load_state_dict(weights)
    results[reset] = layer(tg.Tensor(x))[0].numpy()
    by_hand = gru_by_hand(reset)
    print(f"reset={reset:6s} largest difference {abs(results[reset] - by_hand).max():.1e}")
    assert np.allclose(results[reset], by_hand, rtol=1e-12, atol=1e-14)

# %%
# Same weights, different functions: the choice of form is part of the model.
print(f"after vs before differ by up to {abs(results['after'] - results['before']).max():.3f}")
assert not np.allclose(results["after"], results["before"])
