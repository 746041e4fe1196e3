"""Numba kernels for the Elman RNN's time loop, forward and backward through time.

With ``xp`` = x W_ihᵀ + b_ih already computed for every step, and φ = tanh or relu:

    (1) h' = φ(a),  a = xp + h W_hhᵀ + b_hh

The backward, with dh the gradient reaching h' (from the next step and the output):

    (1) da = dh ⊙ φ'(a), where tanh' = 1 - h'² and relu' = [h' > 0];  dh_prev = da W_hh

A step t >= lengths[n] leaves sequence n's state as it was, outputs zero, and passes the
gradient of its state through unchanged.
"""

import numpy as np

from tinygrad_rnn._kernels import kernel
from tinygrad_rnn._kernels.products import prepared, step_product
from tinygrad_rnn._kernels.scalar import ONE, ZERO, tanh

TANH, RELU = 0, 1


@kernel
def _forward_units(xp, a, b_hh, relu, h, output):
    """Equation (1) for one sequence at one step, over its H units, as contiguous rows
    (so LLVM vectorises the loop, see ``_kernels.scalar``)."""
    for j in range(h.shape[0]):
        a_j = xp[j] + a[j] + b_hh[j]
        h_j = max(a_j, ZERO) if relu else tanh(a_j)                   # (1)
        h[j], output[j] = h_j, h_j


@kernel
def _forward(xp, w_hh_t, transposed, b_hh, h, lengths, reverse, relu, h_prev, output):
    T, N, H = xp.shape
    a = np.empty_like(h)                                             # h W_hhᵀ, reused
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        step_product(h, w_hh_t, transposed, a)
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
            else:
                _forward_units(xp[t, n], a[n], b_hh, relu, h[n], output[t, n])


@kernel
def _backward_units(g_output, output, dh, relu, da):
    """The backward of (1) for one sequence at one step, over its H units, as rows."""
    for j in range(dh.shape[0]):
        h = output[j]
        slope = (ONE if h > ZERO else ZERO) if relu else ONE - h * h
        da[j] = (dh[j] + g_output[j]) * slope                          # (1), (dh)


@kernel
def _backward(g_output, dh, output, w_hh, transposed, lengths, reverse, relu, da):
    T, N, H = output.shape
    dh_prev = np.empty_like(dh)                                      # da W_hh, reused
    for step in range(T):
        t = step if reverse else T - 1 - step
        for n in range(N):
            if t >= lengths[n]:
                da[t, n] = 0.0                                         # (mask)
            else:
                _backward_units(g_output[t, n], output[t, n], dh[n], relu, da[t, n])
        step_product(da[t], w_hh, transposed, dh_prev)                 # (dh) dh_prev = da W_hh
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n]                                     # (mask) else dh stays


def rnn_forward(xp, w_hh, b_hh, h0, lengths, reverse, relu):
    """Run the RNN over ``xp`` (T, N, H); return (output, h_T, h_prev)."""
    h = np.array(h0, copy=True)
    h_prev, output = np.empty_like(xp), np.empty_like(xp)
    _forward(xp, *prepared(w_hh.T, h.shape[0]), b_hh, h, lengths, reverse, relu, h_prev, output)
    return output, h, h_prev


def rnn_backward(g_output, g_h, output, w_hh, lengths, reverse, relu):
    """Gradients of the pre-activations (T, N, H) and of the initial h."""
    dh = np.array(g_h, copy=True)
    da = np.empty_like(output)
    _backward(np.ascontiguousarray(g_output), dh, output, *prepared(w_hh, dh.shape[0]), lengths,
              reverse, relu, da)
    return da, dh
