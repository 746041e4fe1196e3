r"""
08. An RNN written from tensor operations
=========================================

The Elman RNN of lecture note 4 (the vanilla RNN, with worked sizes),
:math:`h_t = \tanh(W_x x_t + W_h h_{t-1} + b)`, in the row form the library uses,

.. math::

   h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}),

is four lines of tensor operations in a loop, with the same weights at every step. Written
by hand, it must give exactly what the library's layer gives with those weights.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 6, 2, 4, 2           # the note's sizes: input 4, hidden 2
rng = np.random.default_rng(0)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
layer = tg.nn.RNN(I, H, dtype=np.float64)
W_ih, W_hh, b_ih, b_hh = (tg.Tensor(layer.state_dict()[f"{name}_l0"], requires_grad=True)
                          for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def rnn(x, h):
    outputs = []
    for t in range(x.shape[0]):
        h = tg.tanh(x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        outputs.append(h)
    return tg.stack(outputs), h


output, h_T = rnn(tg.Tensor(x), tg.Tensor(np.zeros((N, H))))
reference, _ = layer(tg.Tensor(x))
print("output shape", output.shape, " largest difference from nn.RNN:",
      float(abs(output.numpy() - reference.numpy()).max()))
assert np.allclose(output.numpy(), reference.numpy(), rtol=1e-12, atol=1e-14)

# %%
# The state carries the past: each unit's value over the six steps, for the first
# sequence of the batch, beside the input that drove it.
fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 3.6), sharex=True, layout="constrained")
top.plot(np.arange(1, T + 1), x[:, 0], marker=".")
top.set(ylabel="input $x_t$")
bottom.plot(np.arange(1, T + 1), output.numpy()[:, 0], marker="o")
bottom.set(xlabel="step t", ylabel="state $h_t$")

# %%
# Exercise
# --------
#
# Run your ``rnn`` on the sequence reversed in time, starting from the zero state, and
# check it against the library's layer with ``bidirectional=True``: its second half of
# features at step :math:`t` is a run over the reversed sequence, read back in the original
# order. (Load the same weights into both directions.)
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

both = tg.nn.RNN(I, H, dtype=np.float64, bidirectional=True)
weights = layer.state_dict()
both.load_state_dict({**weights, **{name + "_reverse": value for name, value in weights.items()}})
backward_states, _ = rnn(tg.Tensor(x[::-1].copy()), tg.Tensor(np.zeros((N, H))))
reference = both(tg.Tensor(x))[0].numpy()[:, :, H:]
print("largest difference:", float(abs(backward_states.numpy()[::-1] - reference).max()))
assert np.allclose(backward_states.numpy()[::-1], reference, rtol=1e-12, atol=1e-14)

# %%
# .. raw:: html
#
#    </details>
