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

from tinygrad_rnn._kernels import kernel
from tinygrad_rnn._kernels.products import prepared, step_product
from tinygrad_rnn._kernels.scalar import ONE, sigmoid, tanh


@kernel
def _forward_gates(xp, a, b_hh, c, h, output):
    """Equations (1) to (6) for one sequence at one step, over its H units. Every argument
    is one contiguous row, so LLVM vectorises the loop (see ``_kernels.scalar``). Each
    unit's four input projections are read, then overwritten by its gates i, f, g, o."""
    H = c.shape[0]
    for j in range(H):
        i = sigmoid(xp[j] + a[j] + b_hh[j])                                # (1)
        f = sigmoid(xp[H + j] + a[H + j] + b_hh[H + j])                    # (2)
        g = tanh(xp[2 * H + j] + a[2 * H + j] + b_hh[2 * H + j])           # (3)
        o = sigmoid(xp[3 * H + j] + a[3 * H + j] + b_hh[3 * H + j])        # (4)
        c_j = f * c[j] + i * g                                             # (5)
        h_j = o * tanh(c_j)                                                # (6)
        c[j], h[j], output[j] = c_j, h_j, h_j
        xp[j], xp[H + j], xp[2 * H + j], xp[3 * H + j] = i, f, g, o


@kernel
def _forward(gates, w_hh_t, transposed, b_hh, h, c, lengths, reverse, h_prev, c_prev, output):
    """``gates`` holds the input projections on entry and the gates on return; ``w_hh_t``
    and ``transposed`` are W_hᵀ as ``products.prepared`` gave it."""
    T, N, G = gates.shape
    a = np.empty((N, G), gates.dtype)                 # h W_hᵀ, reused by every step
    for step in range(T):
        t = T - 1 - step if reverse else step
        h_prev[t] = h
        c_prev[t] = c
        step_product(h, w_hh_t, transposed, a)
        for n in range(N):
            if t >= lengths[n]:
                output[t, n] = 0.0
                gates[t, n] = 0.0
            else:
                _forward_gates(gates[t, n], a[n], b_hh, c[n], h[n], output[t, n])


@kernel
def _backward_gates(g_output, gates, c, dh, dc):
    """The backward of (6) down to (1) for one sequence at one step, over its H units, as
    contiguous rows (vectorised like ``_forward_gates``). Each unit's gate values are read,
    then overwritten by the gradients of their pre-activations (``da``); dh and dc are
    updated in place."""
    H = dc.shape[0]
    for j in range(H):
        i, f = gates[j], gates[H + j]
        g, o = gates[2 * H + j], gates[3 * H + j]
        tanh_c = tanh(f * c[j] + i * g)                  # (5) c' recomputed
        dh_t = dh[j] + g_output[j]                       # (dh)
        do = dh_t * tanh_c                               # (6)
        dc_t = dc[j] + dh_t * o * (ONE - tanh_c * tanh_c)  # (dc)
        dc[j] = dc_t * f                                 # (5), (dc) dc_prev
        gates[3 * H + j] = do * o * (ONE - o)            # (4)
        gates[2 * H + j] = dc_t * i * (ONE - g * g)      # (3)
        gates[H + j] = dc_t * c[j] * f * (ONE - f)       # (2)
        gates[j] = dc_t * g * i * (ONE - i)              # (1)


@kernel
def _backward(g_output, dh, dc, da, c_prev, w_hh, transposed, lengths, reverse):
    """``da`` holds the gates on entry and their pre-activations' gradients on return;
    ``w_hh`` and ``transposed`` are W_h as ``products.prepared`` gave it."""
    T, N, _ = da.shape
    dh_prev = np.empty_like(dh)                           # da W_h, reused by every step
    for step in range(T):
        t = step if reverse else T - 1 - step
        for n in range(N):
            if t >= lengths[n]:
                da[t, n] = 0.0
            else:
                _backward_gates(g_output[t, n], da[t, n], c_prev[t, n], dh[n], dc[n])
        step_product(da[t], w_hh, transposed, dh_prev)   # (dh) dh_prev = da W_h
        for n in range(N):
            if t < lengths[n]:
                dh[n] = dh_prev[n]


def lstm_forward(xp, w_hh, b_hh, h0, c0, lengths, reverse):
    """Run the LSTM over ``xp`` (T, N, 4H), which it overwrites with the gates; return
    (output, h_T, c_T, saved)."""
    T, N, _ = xp.shape
    H = c0.shape[1]
    h, c = np.array(h0, copy=True), np.array(c0, copy=True)
    h_prev, c_prev, output = (np.empty((T, N, H), xp.dtype) for _ in range(3))
    _forward(xp, *prepared(w_hh.T, N), b_hh, h, c, lengths, reverse, h_prev, c_prev, output)
    return output, h, c, (xp, h_prev, c_prev)


def lstm_backward(g_output, g_h, g_c, saved, w_hh, lengths, reverse):
    """Gradients of the pre-activations (T, N, 4H) and of the initial h and c. They are
    written over the saved gates (``FusedRecurrence`` passes a copy of ``saved`` when the
    graph is retained for another backward)."""
    da, _, c_prev = saved
    dh, dc = np.array(g_h, copy=True), np.array(g_c, copy=True)
    _backward(np.ascontiguousarray(g_output), dh, dc, da, c_prev, *prepared(w_hh, dh.shape[0]),
              lengths, reverse)
    return da, dh, dc
