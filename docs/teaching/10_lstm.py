r"""
10. The LSTM
============

The LSTM of lecture note 1 (the LSTM in Olah's notation), ``001_5d6c6b924329e8c5.md``, in
the library's gate order i, f, g, o (derived in :doc:`/cells`):

.. math::

   \begin{aligned}
   [a_i | a_f | a_g | a_o] &= x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh} \\
   c' &= \sigma(a_f) \odot c + \sigma(a_i) \odot \tanh(a_g), \qquad
   h' = \sigma(a_o) \odot \tanh(c')
   \end{aligned}

Written with tensor operations, it matches ``nn.LSTM`` on both of its paths: the fused
Numba kernels and the step-by-step cell.
"""

import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 7, 3, 4, 5
rng = np.random.default_rng(2)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
fused = tg.nn.LSTM(I, H, dtype=np.float64)
W_ih, W_hh, b_ih, b_hh = (tg.Tensor(fused.state_dict()[f"{name}_l0"])
                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

h, c, outputs, forget = tg.Tensor(np.zeros((N, H))), tg.Tensor(np.zeros((N, H))), [], []
for t in range(T):
    a = x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f = tg.sigmoid(a[:, :H]), tg.sigmoid(a[:, H:2 * H])
    g, o = tg.tanh(a[:, 2 * H:3 * H]), tg.sigmoid(a[:, 3 * H:])
    c = f * c + i * g
    h = o * tg.tanh(c)
    outputs.append(h.numpy())
    forget.append(f.numpy())
by_hand = np.stack(outputs)

stepwise = tg.nn.LSTM(I, H, dtype=np.float64, fused=False)
stepwise.load_state_dict(fused.state_dict())
for name, layer in [("fused", fused), ("step by step", stepwise)]:
    output, (h_T, c_T) = layer(tg.Tensor(x))
    print(f"{name:13s} largest difference {abs(output.numpy() - by_hand).max():.1e}")
    assert np.allclose(output.numpy(), by_hand, rtol=1e-12, atol=1e-14)
    assert np.allclose(c_T.numpy()[0], c.numpy(), rtol=1e-12, atol=1e-14)

# %%
# Every gate lies in (0, 1), the candidate in (-1, 1) (lecture note 2,
# ``002_1ddc3fc33e30e5c4.md``): a forget gate near 0 erases a unit of the cell state, near 1
# keeps it.
forget = np.stack(forget)
print(f"forget gates between {forget.min():.3f} and {forget.max():.3f}")
assert 0 < forget.min() and forget.max() < 1
