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

from tinygrad_rnn._kernels import kernel
from tinygrad_rnn._kernels.products import prepared, step_product
from tinygrad_rnn._kernels.scalar import ONE, sigmoid, tanh


@kernel
def _forward_gates(xp, a, b_hh, h, r, z, rh):
    """Equations (1) and (2) for one sequence at one step, over its H units, and r ⊙ h.
    Every argument is one contiguous row, so LLVM vectorises the loop (see
    ``_kernels.scalar``); likewise below."""
    H = h.shape[0]
    for j in range(H):
        r_j = sigmoid(xp[j] + a[j] + b_hh[j])                          # (1)
        z_j = sigmoid(xp[H + j] + a[H + j] + b_hh[H + j])              # (2)
        r[j], z[j], rh[j] = r_j, z_j, r_j * h[j]


@kernel
def _forward_state(xp_n, b_hn, r, z, reset_after, a_n, h, n, output):
    """Equations (3) and (4) for one row; ``a_n`` holds the block's hidden product and
    receives its bias."""
    for j in range(h.shape[0]):
        a_nj = a_n[j] + b_hn[j]
        n_j = tanh(xp_n[j] + (r[j] * a_nj if reset_after else a_nj))  # (3)
        h_j = (ONE - z[j]) * n_j + z[j] * h[j]                         # (4)
        a_n[j], n[j], h[j], output[j] = a_nj, n_j, h_j, h_j


@kernel
def _forward(xp, weights, b_hh, h, lengths, reverse, reset_after, gates, a_n, h_prev, output):
    T, N, _ = xp.shape
    H = h.shape[1]
    w_a_t, a_transposed, w_n_t, n_transposed = weights
    a = np.empty((N, (3 if reset_after else 2) * H), xp.dtype)   # h W_aᵀ (all blocks, or r and z)
    rh = np.empty_like(h)
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        step_product(h, w_a_t, a_transposed, a)
        for n in range(N):
            _forward_gates(xp[t, n], a[n], b_hh, h[n], gates[t, n, :H], gates[t, n, H:2 * H],
                           rh[n])
        if reset_after:
            a_n[t] = a[:, 2 * H:]
        else:
            step_product(rh, w_n_t, n_transposed, a_n[t])
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
                gates[t, n] = 0.0
            else:
                _forward_state(xp[t, n, 2 * H:], b_hh[2 * H:], gates[t, n, :H],
                               gates[t, n, H:2 * H], reset_after, a_n[t, n], h[n],
                               gates[t, n, 2 * H:], output[t, n])


@kernel
def _backward_gates(g_output, gates, a_n, h_prev, dh, reset_after, dh_prev, dxp, dgh):
    """The backward of (4) down to (1) for one row (of (3) and (4) only before reset, whose
    (1) waits for the product ``_backward_reset`` takes)."""
    H = dh.shape[0]
    for j in range(H):
        r, z, n_j = gates[j], gates[H + j], gates[2 * H + j]
        dh_t = dh[j] + g_output[j]                            # (dh)
        dn = dh_t * (ONE - z)                                 # (4)
        dz = dh_t * (h_prev[j] - n_j) * z * (ONE - z)         # (4), (2)
        dh_prev[j] = dh_t * z                                 # (4)
        dxp_n = dn * (ONE - n_j * n_j)                        # (3)
        dxp[H + j], dgh[H + j] = dz, dz                       # (2)
        dxp[2 * H + j] = dxp_n
        if reset_after:
            dgh[2 * H + j] = dxp_n * r                        # (3)
            dr = dxp_n * a_n[j] * r * (ONE - r)               # (1)
            dxp[j], dgh[j] = dr, dr
        else:
            dgh[2 * H + j] = dxp_n                            # (3)


@kernel
def _backward_reset(d_rh, r, h_prev, dh_prev, dxp_r, dgh_r):
    """Before reset, the rest of (3) and (1) for one row, from d(r⊙h) = dgh_n W_hn."""
    for j in range(r.shape[0]):
        dh_prev[j] += d_rh[j] * r[j]                          # (3)
        dr = d_rh[j] * h_prev[j] * r[j] * (ONE - r[j])        # (3), (1)
        dxp_r[j], dgh_r[j] = dr, dr


@kernel
def _backward(g_output, dh, gates, a_n, h_prev, weights, lengths, reverse, reset_after, dxp, dgh):
    T, N, _ = gates.shape
    w_a, a_transposed, w_n, n_transposed = weights
    H = dh.shape[1]
    dh_prev, product, d_rh, dgh_n = np.empty_like(dh), np.empty_like(dh), np.empty_like(dh), np.empty_like(dh)
    dgh_rz = np.empty((dh.shape[0], 2 * H), dh.dtype)   # contiguous copies for the products
    for step in range(T):
        t = step if reverse else T - 1 - step
        for n in range(N):
            if t >= lengths[n]:
                dxp[t, n] = 0.0
                dgh[t, n] = 0.0
                dh_prev[n] = 0.0
            else:
                _backward_gates(g_output[t, n], gates[t, n], a_n[t, n], h_prev[t, n], dh[n],
                                reset_after, dh_prev[n], dxp[t, n], dgh[t, n])
        if reset_after:
            step_product(dgh[t], w_a, a_transposed, product)    # (dh) dgh W_h
        else:
            dgh_n[:] = dgh[t, :, 2 * H:]
            step_product(dgh_n, w_n, n_transposed, d_rh)        # (3)
            for n in range(N):
                if t < lengths[n]:
                    _backward_reset(d_rh[n], gates[t, n, :H], h_prev[t, n], dh_prev[n],
                                    dxp[t, n, :H], dgh[t, n, :H])
            dgh_rz[:] = dgh[t, :, :2 * H]
            step_product(dgh_rz, w_a, a_transposed, product)    # (dh) dgh_rz W_hrz
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n] + product[n]                  # (dh)


def _hidden_weights(w_hh, reset_after, rows, forward):
    """The per-step products' weights as ``products.prepared`` gives them, (W_a, its flag,
    W_n, its flag): W_aᵀ and W_nᵀ ``forward``, W_a and W_n backward. Reset after: one
    product h W_hᵀ over all three blocks, so W_a = W_h. Reset before: h W_hrzᵀ first
    (W_a = W_hrz), then (r ⊙ h) W_hnᵀ once r is known."""
    H = w_hh.shape[1]
    blocks = (w_hh if reset_after else w_hh[:2 * H], w_hh[2 * H:])
    return tuple(part for block in blocks for part in prepared(block.T if forward else block, rows))


def gru_forward(xp, w_hh, b_hh, h0, lengths, reverse, reset_after):
    """Run the GRU over ``xp`` (T, N, 3H); return (output, h_T, saved)."""
    T, N, _ = xp.shape
    h = np.array(h0, copy=True)
    H = h.shape[1]
    gates = np.empty_like(xp)
    a_n, h_prev, output = (np.empty((T, N, H), xp.dtype) for _ in range(3))
    _forward(xp, _hidden_weights(w_hh, reset_after, N, forward=True), b_hh, h, lengths, reverse,
             reset_after, gates, a_n, h_prev, output)
    return output, h, (gates, a_n, h_prev)


def gru_backward(g_output, g_h, saved, w_hh, lengths, reverse, reset_after):
    """Gradients of xp and of the hidden pre-activations (T, N, 3H), and of the initial h."""
    gates, a_n, h_prev = saved
    dh = np.array(g_h, copy=True)
    dxp, dgh = np.empty_like(gates), np.empty_like(gates)
    _backward(np.ascontiguousarray(g_output), dh, gates, a_n, h_prev,
              _hidden_weights(w_hh, reset_after, dh.shape[0], forward=False), lengths, reverse,
              reset_after, dxp, dgh)
    return dxp, dgh, dh
