r"""
07. An RNN written from tensor operations
=========================================

The Elman RNN of lecture note 4 (vanilla RNN sizes), ``004_b458bdf2b022d4e7.md``,
:math:`h_t = \tanh(W_x x_t + W_h h_{t-1} + b)`, in the row form the library uses,

.. math::

   h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}),

is four lines of tensor operations in a loop, with the same weights at every step. Written
by hand, it must give exactly what the library's layer gives with those weights.
"""

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
