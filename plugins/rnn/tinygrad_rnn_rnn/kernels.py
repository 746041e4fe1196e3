"""Numba kernels for the Elman RNN's time loop, forward and backward through time.

With ``xp`` = x W_ihᵀ + b_ih already computed for every step, and φ = tanh or relu:

    (1) h' = φ(a),  a = xp + h W_hhᵀ + b_hh

The backward, with dh the gradient reaching h' (from the next step and the output):

    (1) da = dh ⊙ φ'(a), where tanh' = 1 - h'² and relu' = [h' > 0];  dh_prev = da W_hh

A step t >= lengths[n] leaves sequence n's state as it was, outputs zero, and passes the
gradient of its state through unchanged.
"""

import numpy as np

from tinygrad_rnn.kernels import kernel
from tinygrad_rnn.kernels.scalar import tanh

TANH, RELU = 0, 1


@kernel
def _forward(xp, w_hh_t, b_hh, h, lengths, reverse, relu, h_prev, output):
    T, N, H = xp.shape
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        a = np.dot(h, w_hh_t)
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
                continue
            for j in range(H):
                a_j = xp[t, n, j] + a[n, j] + b_hh[j]
                h[n, j] = max(a_j, 0.0) if relu else tanh(a_j)       # (1)
                output[t, n, j] = h[n, j]


@kernel
def _backward(g_output, dh, output, w_hh, lengths, reverse, relu, da):
    T, N, H = output.shape
    for step in range(T):
        t = step if reverse else T - 1 - step
        for n in range(N):
            if t >= lengths[n]:
                da[t, n] = 0.0
                continue
            for j in range(H):
                h = output[t, n, j]
                slope = (1.0 if h > 0 else 0.0) if relu else 1.0 - h * h
                da[t, n, j] = (dh[n, j] + g_output[t, n, j]) * slope  # (1)
        dh_prev = np.dot(da[t], w_hh)                                  # dh_prev = da W_hh
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n]


def rnn_forward(xp, w_hh, b_hh, h0, lengths, reverse, relu):
    """Run the RNN over ``xp`` (T, N, H); return (output, h_T, h_prev)."""
    h = np.array(h0, copy=True)
    h_prev, output = np.empty_like(xp), np.empty_like(xp)
    _forward(xp, np.ascontiguousarray(w_hh.T), b_hh, h, lengths, reverse, relu, h_prev, output)
    return output, h, h_prev


def rnn_backward(g_output, g_h, output, w_hh, lengths, reverse, relu):
    """Gradients of the pre-activations (T, N, H) and of the initial h."""
    dh = np.array(g_h, copy=True)
    da = np.empty_like(output)
    _backward(np.ascontiguousarray(g_output), dh, output, np.ascontiguousarray(w_hh), lengths,
              reverse, relu, da)
    return da, dh
