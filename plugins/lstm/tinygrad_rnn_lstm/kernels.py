"""Numba kernels for the LSTM's time loop, forward and backward through time.

The equations are the cell's, numbered as in ``cell.py``; ``a`` is a gate's pre-activation
``xp + h W_hᵀ + b_h`` (``xp`` already holds ``x W_iᵀ + b_i``):

    (1) i = σ(a_i)   (2) f = σ(a_f)   (3) g = tanh(a_g)   (4) o = σ(a_o)
    (5) c' = f ⊙ c + i ⊙ g
    (6) h' = o ⊙ tanh(c')

The backward walks them in reverse under the same numbers. With dh and dc the gradients
reaching h' and c' (from the next step and from the output):

    (6) do = dh ⊙ tanh(c');  dc += dh ⊙ o ⊙ (1 - tanh²(c'))
    (5) di = dc ⊙ g;  dg = dc ⊙ i;  df = dc ⊙ c;  dc_prev = dc ⊙ f
    (4) da_o = do ⊙ o(1 - o)   (3) da_g = dg ⊙ (1 - g²)
    (2) da_f = df ⊙ f(1 - f)   (1) da_i = di ⊙ i(1 - i)
        dh_prev = da W_h

A step t >= lengths[n] leaves sequence n's state as it was, outputs zero, and passes the
gradients of its state through unchanged.
"""

import numpy as np

from tinygrad_rnn.kernels import kernel
from tinygrad_rnn.kernels.scalar import sigmoid, tanh


@kernel
def _forward(xp, w_hh_t, b_hh, h, c, lengths, reverse, gates, h_prev, c_prev, output):
    T, N, _ = xp.shape
    H = c.shape[1]
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        c_prev[t] = c
        a = np.dot(h, w_hh_t)
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
                gates[t, n] = 0.0
                continue
            for j in range(H):
                i = sigmoid(xp[t, n, j] + a[n, j] + b_hh[j])                      # (1)
                f = sigmoid(xp[t, n, H + j] + a[n, H + j] + b_hh[H + j])          # (2)
                g = tanh(xp[t, n, 2 * H + j] + a[n, 2 * H + j] + b_hh[2 * H + j])  # (3)
                o = sigmoid(xp[t, n, 3 * H + j] + a[n, 3 * H + j] + b_hh[3 * H + j])  # (4)
                c[n, j] = f * c[n, j] + i * g                                      # (5)
                h[n, j] = o * tanh(c[n, j])                                     # (6)
                output[t, n, j] = h[n, j]
                gates[t, n, j], gates[t, n, H + j] = i, f
                gates[t, n, 2 * H + j], gates[t, n, 3 * H + j] = g, o


@kernel
def _backward(g_output, dh, dc, gates, c_prev, w_hh, lengths, reverse, da):
    T, N, _ = gates.shape
    H = dc.shape[1]
    for step in range(T):
        t = step if reverse else T - 1 - step
        for n in range(N):
            if t >= lengths[n]:
                da[t, n] = 0.0
                continue
            for j in range(H):
                i, f = gates[t, n, j], gates[t, n, H + j]
                g, o = gates[t, n, 2 * H + j], gates[t, n, 3 * H + j]
                c = c_prev[t, n, j]
                tanh_c = tanh(f * c + i * g)                  # (5) c' recomputed
                dh_t = dh[n, j] + g_output[t, n, j]
                do = dh_t * tanh_c                               # (6)
                dc_t = dc[n, j] + dh_t * o * (1.0 - tanh_c * tanh_c)
                dc[n, j] = dc_t * f                              # (5) dc_prev
                da[t, n, 3 * H + j] = do * o * (1.0 - o)         # (4)
                da[t, n, 2 * H + j] = dc_t * i * (1.0 - g * g)   # (3)
                da[t, n, H + j] = dc_t * c * f * (1.0 - f)       # (2)
                da[t, n, j] = dc_t * g * i * (1.0 - i)           # (1)
        dh_prev = np.dot(da[t], w_hh)                            # dh_prev = da W_h
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n]


def lstm_forward(xp, w_hh, b_hh, h0, c0, lengths, reverse):
    """Run the LSTM over ``xp`` (T, N, 4H); return (output, h_T, c_T, saved)."""
    T, N, _ = xp.shape
    H = c0.shape[1]
    h, c = np.array(h0, copy=True), np.array(c0, copy=True)
    gates = np.empty_like(xp)
    h_prev, c_prev, output = (np.empty((T, N, H), xp.dtype) for _ in range(3))
    _forward(xp, np.ascontiguousarray(w_hh.T), b_hh, h, c, lengths, reverse, gates, h_prev,
             c_prev, output)
    return output, h, c, (gates, h_prev, c_prev)


def lstm_backward(g_output, g_h, g_c, saved, w_hh, lengths, reverse):
    """Gradients of the pre-activations (T, N, 4H) and of the initial h and c."""
    gates, _, c_prev = saved
    dh, dc = np.array(g_h, copy=True), np.array(g_c, copy=True)
    da = np.empty_like(gates)
    _backward(np.ascontiguousarray(g_output), dh, dc, gates, c_prev,
              np.ascontiguousarray(w_hh), lengths, reverse, da)
    return da, dh, dc
