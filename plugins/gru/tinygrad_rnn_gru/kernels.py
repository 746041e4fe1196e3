"""Numba kernels for the GRU's time loop, forward and backward through time, in both
reset forms.

The equations are the cell's, numbered as in ``cell.py``. ``xp`` already holds
x W_iᵀ + b_i for the three row blocks r, z, n; ``a`` is h W_hᵀ + b_h for a block:

    (1) r = σ(xp_r + a_r)
    (2) z = σ(xp_z + a_z)
    (3) n = tanh(xp_n + r ⊙ a_n)                      reset after:  a_n = h W_hnᵀ + b_hn
        n = tanh(xp_n + (r ⊙ h) W_hnᵀ + b_hn)         reset before
    (4) h' = (1 - z) ⊙ n + z ⊙ h

The backward walks them in reverse under the same numbers, with dh the gradient reaching
h' (from the next step and from the output); ``dxp`` is the gradient of xp, ``dgh`` that
of each block's hidden pre-activation (h W_hᵀ + b_h, or for n before reset (r⊙h) W_hnᵀ + b_hn):

    (4) dn = dh ⊙ (1 - z);  dz = dh ⊙ (h - n);  dh_prev = dh ⊙ z
    (3) dxp_n = dn ⊙ (1 - n²)
        after:  dgh_n = dxp_n ⊙ r;  dr = dxp_n ⊙ a_n
        before: dgh_n = dxp_n;  d(r⊙h) = dgh_n W_hn;  dr = d(r⊙h) ⊙ h;  dh_prev += d(r⊙h) ⊙ r
    (2) dxp_z = dgh_z = dz ⊙ z(1 - z)
    (1) dxp_r = dgh_r = dr ⊙ r(1 - r)
        dh_prev += dgh_rz W_hrz  (after: dgh W_h over all three blocks)

A step t >= lengths[n] leaves sequence n's state as it was, outputs zero, and passes the
gradient of its state through unchanged.
"""

import numpy as np

from tinygrad_rnn.kernels import kernel
from tinygrad_rnn.kernels.scalar import sigmoid, tanh


@kernel
def _forward(xp, w_a_t, w_n_t, b_hh, h, lengths, reverse, reset_after, gates, a_n, h_prev,
             output):
    T, N, _ = xp.shape
    H = h.shape[1]
    rh = np.empty_like(h)
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        a = np.dot(h, w_a_t)
        for n in range(N):
            for j in range(H):
                gates[t, n, j] = sigmoid(xp[t, n, j] + a[n, j] + b_hh[j])                 # (1)
                gates[t, n, H + j] = sigmoid(xp[t, n, H + j] + a[n, H + j] + b_hh[H + j])  # (2)
                rh[n, j] = gates[t, n, j] * h[n, j]
        if reset_after:
            for n in range(N):
                for j in range(H):
                    a_n[t, n, j] = a[n, 2 * H + j] + b_hh[2 * H + j]
        else:
            a_n[t] = np.dot(rh, w_n_t)
            for n in range(N):
                for j in range(H):
                    a_n[t, n, j] += b_hh[2 * H + j]
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
                gates[t, n] = 0.0
                continue
            for j in range(H):
                r, z = gates[t, n, j], gates[t, n, H + j]
                pre_n = xp[t, n, 2 * H + j] + (r * a_n[t, n, j] if reset_after else a_n[t, n, j])
                n_j = tanh(pre_n)                                  # (3)
                h[n, j] = (1.0 - z) * n_j + z * h[n, j]               # (4)
                gates[t, n, 2 * H + j] = n_j
                output[t, n, j] = h[n, j]


@kernel
def _backward(g_output, dh, gates, a_n, h_prev, w_hh, lengths, reverse, reset_after, dxp, dgh):
    T, N, _ = gates.shape
    H = dh.shape[1]
    d_rh = np.zeros_like(dh)
    for step in range(T):
        t = step if reverse else T - 1 - step
        dh_prev = np.zeros_like(dh)
        for n in range(N):
            if t >= lengths[n]:
                dxp[t, n] = 0.0
                dgh[t, n] = 0.0
                continue
            for j in range(H):
                r, z, n_j = gates[t, n, j], gates[t, n, H + j], gates[t, n, 2 * H + j]
                dh_t = dh[n, j] + g_output[t, n, j]
                dn = dh_t * (1.0 - z)                                 # (4)
                dxp[t, n, H + j] = dh_t * (h_prev[t, n, j] - n_j) * z * (1.0 - z)  # (4), (2)
                dh_prev[n, j] = dh_t * z                              # (4)
                dxp[t, n, 2 * H + j] = dn * (1.0 - n_j * n_j)         # (3)
                dgh[t, n, H + j] = dxp[t, n, H + j]                   # (2)
                if reset_after:
                    dgh[t, n, 2 * H + j] = dxp[t, n, 2 * H + j] * r   # (3)
                    dr = dxp[t, n, 2 * H + j] * a_n[t, n, j]
                    dxp[t, n, j] = dr * r * (1.0 - r)                 # (1)
                    dgh[t, n, j] = dxp[t, n, j]
                else:
                    dgh[t, n, 2 * H + j] = dxp[t, n, 2 * H + j]       # (3)
        if reset_after:
            dh_prev += np.dot(dgh[t], w_hh)                           # dgh W_h
        else:
            d_rh[:] = np.dot(np.ascontiguousarray(dgh[t, :, 2 * H:]), w_hh[2 * H:])  # (3)
            for n in range(N):
                if t >= lengths[n]:
                    continue
                for j in range(H):
                    r = gates[t, n, j]
                    dh_prev[n, j] += d_rh[n, j] * r                   # (3)
                    dxp[t, n, j] = d_rh[n, j] * h_prev[t, n, j] * r * (1.0 - r)  # (3), (1)
                    dgh[t, n, j] = dxp[t, n, j]
            dh_prev += np.dot(np.ascontiguousarray(dgh[t, :, :2 * H]), w_hh[:2 * H])
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n]


def gru_forward(xp, w_hh, b_hh, h0, lengths, reverse, reset_after):
    """Run the GRU over ``xp`` (T, N, 3H); return (output, h_T, saved)."""
    T, N, _ = xp.shape
    h = np.array(h0, copy=True)
    H = h.shape[1]
    gates = np.empty_like(xp)
    a_n, h_prev, output = (np.empty((T, N, H), xp.dtype) for _ in range(3))
    # Reset after: one product h W_hᵀ over all three blocks. Reset before: h W_hrzᵀ first,
    # then (r ⊙ h) W_hnᵀ once r is known.
    w_a_t = np.ascontiguousarray((w_hh if reset_after else w_hh[:2 * H]).T)
    w_n_t = np.ascontiguousarray(w_hh[2 * H:].T)
    _forward(xp, w_a_t, w_n_t, b_hh, h, lengths, reverse, reset_after, gates, a_n, h_prev,
             output)
    return output, h, (gates, a_n, h_prev)


def gru_backward(g_output, g_h, saved, w_hh, lengths, reverse, reset_after):
    """Gradients of xp and of the hidden pre-activations (T, N, 3H), and of the initial h."""
    gates, a_n, h_prev = saved
    dh = np.array(g_h, copy=True)
    dxp, dgh = np.empty_like(gates), np.empty_like(gates)
    _backward(np.ascontiguousarray(g_output), dh, gates, a_n, h_prev,
              np.ascontiguousarray(w_hh), lengths, reverse, reset_after, dxp, dgh)
    return dxp, dgh, dh
