"""A plain-NumPy training step for the RNN, LSTM and GRU: the baseline that every recurrent
benchmark is compared with.

Written the way a careful person would write it by hand, with nothing from tinygrad_rnn:
the input projection ``xp = x W_ihᵀ + b_ih`` is one matrix product over all T·N rows
before the time loop; the loop over time does one ``h W_hhᵀ`` product and the elementwise
equations per step; the backward loop walks the steps in reverse with hand-derived
gradients, and the weight gradients are large matrix products after it. Every layer starts
from a zero state. The layout is PyTorch's: gates stacked by rows of ``weight_ih`` (G·H, I)
and ``weight_hh`` (G·H, H) in the order (i, f, g, o) for the LSTM and (r, z, n) for the GRU
(reset after, PyTorch's form); the RNN uses tanh.

``check_against_tinygrad`` proves the baseline honest: its gradients equal tinygrad_rnn's in
float64 (run by ``recurrent_step.py --check`` and by ``tests/test_benchmarks_baseline.py``).
"""

from __future__ import annotations

import numpy as np

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def init_params(cell: str, input_size: int, hidden_size: int, dtype=np.float32,
                seed: int = 0) -> dict[str, np.ndarray]:
    """PyTorch's initialisation: every parameter drawn from U(-1/√H, 1/√H)."""
    rng = np.random.default_rng(seed)
    rows, bound = GATES[cell] * hidden_size, 1.0 / np.sqrt(hidden_size)
    shapes = {"weight_ih": (rows, input_size), "weight_hh": (rows, hidden_size),
              "bias_ih": (rows,), "bias_hh": (rows,)}
    return {name: rng.uniform(-bound, bound, shape).astype(dtype) for name, shape in shapes.items()}


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def projection_gradients(params, x, h_prev, dxp, dgh):
    """The gradients that need no time loop, one matrix product (or sum) over all T·N rows
    each: from dxp, the gradient of the input projection x W_ihᵀ + b_ih, and dgh, that of
    the hidden projection h W_hhᵀ + b_hh (both (T, N, G·H)); h_prev is the state entering
    each step."""
    T, N, I = x.shape
    rows, hidden_rows = dxp.reshape(T * N, -1), dgh.reshape(T * N, -1)
    return {
        "x": (rows @ params["weight_ih"]).reshape(T, N, I),
        "weight_ih": rows.T @ x.reshape(T * N, I),
        "weight_hh": hidden_rows.T @ h_prev.reshape(T * N, -1),
        "bias_ih": rows.sum(axis=0),
        "bias_hh": hidden_rows.sum(axis=0),
    }


# ---------------------------------------------------------------- Elman RNN (tanh)
#   (1) h' = tanh(xp + h W_hhᵀ + b_hh)

def rnn_forward(params, x):
    T, N, _ = x.shape
    H = params["weight_hh"].shape[1]
    xp = x @ params["weight_ih"].T + params["bias_ih"]
    hs = np.zeros((T + 1, N, H), x.dtype)                 # hs[t] enters step t
    for t in range(T):
        hs[t + 1] = np.tanh(xp[t] + hs[t] @ params["weight_hh"].T + params["bias_hh"])  # (1)
    return hs[1:], (x, hs)


def rnn_backward(params, saved, g_output):
    x, hs = saved
    da = np.empty_like(g_output)
    dh = np.zeros_like(hs[0])
    for t in reversed(range(len(g_output))):
        dh = dh + g_output[t]
        da[t] = dh * (1.0 - hs[t + 1] * hs[t + 1])          # (1) tanh' = 1 - h'²
        dh = da[t] @ params["weight_hh"]                     # dh_prev = da W_hh
    return projection_gradients(params, x, hs[:-1], da, da)


# ---------------------------------------------------------------- LSTM
#   (1) i = σ(a_i)  (2) f = σ(a_f)  (3) g = tanh(a_g)  (4) o = σ(a_o),  a = xp + h W_hhᵀ + b_hh
#   (5) c' = f ⊙ c + i ⊙ g
#   (6) h' = o ⊙ tanh(c')

def lstm_forward(params, x):
    T, N, _ = x.shape
    H = params["weight_hh"].shape[1]
    xp = x @ params["weight_ih"].T + params["bias_ih"]
    gates = np.empty_like(xp)                             # i, f, g, o of every step
    hs, cs = np.zeros((T + 1, N, H), x.dtype), np.zeros((T + 1, N, H), x.dtype)
    for t in range(T):
        a = xp[t] + hs[t] @ params["weight_hh"].T + params["bias_hh"]
        i = gates[t, :, :H] = sigmoid(a[:, :H])                          # (1)
        f = gates[t, :, H:2 * H] = sigmoid(a[:, H:2 * H])                # (2)
        g = gates[t, :, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])        # (3)
        o = gates[t, :, 3 * H:] = sigmoid(a[:, 3 * H:])                  # (4)
        cs[t + 1] = f * cs[t] + i * g                                    # (5)
        hs[t + 1] = o * np.tanh(cs[t + 1])                               # (6)
    return hs[1:], (x, gates, hs, cs)


def lstm_backward(params, saved, g_output):
    x, gates, hs, cs = saved
    H = hs.shape[2]
    da = np.empty_like(gates)
    dh, dc = np.zeros_like(hs[0]), np.zeros_like(cs[0])
    for t in reversed(range(len(g_output))):
        i, f = gates[t, :, :H], gates[t, :, H:2 * H]
        g, o = gates[t, :, 2 * H:3 * H], gates[t, :, 3 * H:]
        tanh_c = np.tanh(cs[t + 1])
        dh = dh + g_output[t]
        dc = dc + dh * o * (1.0 - tanh_c * tanh_c)                       # (6) through tanh(c')
        da[t, :, 3 * H:] = dh * tanh_c * o * (1.0 - o)                   # (6), (4)
        da[t, :, 2 * H:3 * H] = dc * i * (1.0 - g * g)                   # (5), (3)
        da[t, :, H:2 * H] = dc * cs[t] * f * (1.0 - f)                   # (5), (2)
        da[t, :, :H] = dc * g * i * (1.0 - i)                            # (5), (1)
        dc = dc * f                                                      # (5) dc_prev
        dh = da[t] @ params["weight_hh"]                                 # dh_prev = da W_hh
    return projection_gradients(params, x, hs[:-1], da, da)


# ---------------------------------------------------------------- GRU (reset after)
#   (1) r = σ(xp_r + a_r)  (2) z = σ(xp_z + a_z),  a = h W_hhᵀ + b_hh
#   (3) n = tanh(xp_n + r ⊙ a_n)
#   (4) h' = (1 - z) ⊙ n + z ⊙ h

def gru_forward(params, x):
    T, N, _ = x.shape
    H = params["weight_hh"].shape[1]
    xp = x @ params["weight_ih"].T + params["bias_ih"]
    gates = np.empty_like(xp)                             # r, z, n of every step
    a_n = np.empty((T, N, H), x.dtype)                    # h W_hnᵀ + b_hn of every step
    hs = np.zeros((T + 1, N, H), x.dtype)
    for t in range(T):
        a = hs[t] @ params["weight_hh"].T + params["bias_hh"]
        r = gates[t, :, :H] = sigmoid(xp[t, :, :H] + a[:, :H])                   # (1)
        z = gates[t, :, H:2 * H] = sigmoid(xp[t, :, H:2 * H] + a[:, H:2 * H])    # (2)
        a_n[t] = a[:, 2 * H:]
        n = gates[t, :, 2 * H:] = np.tanh(xp[t, :, 2 * H:] + r * a_n[t])         # (3)
        hs[t + 1] = (1.0 - z) * n + z * hs[t]                                    # (4)
    return hs[1:], (x, gates, a_n, hs)


def gru_backward(params, saved, g_output):
    x, gates, a_n, hs = saved
    H = hs.shape[2]
    dxp, dgh = np.empty_like(gates), np.empty_like(gates)  # gradients of xp and of a
    dh = np.zeros_like(hs[0])
    for t in reversed(range(len(g_output))):
        r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
        dh = dh + g_output[t]
        dn = dh * (1.0 - z)                                              # (4)
        dxp[t, :, H:2 * H] = dh * (hs[t] - n) * z * (1.0 - z)            # (4), (2)
        dxp[t, :, 2 * H:] = dn * (1.0 - n * n)                           # (3)
        dgh[t, :, 2 * H:] = dxp[t, :, 2 * H:] * r                        # (3) a_n
        dxp[t, :, :H] = dxp[t, :, 2 * H:] * a_n[t] * r * (1.0 - r)       # (3), (1)
        dgh[t, :, :2 * H] = dxp[t, :, :2 * H]                            # (1), (2)
        dh = dh * z + dgh[t] @ params["weight_hh"]                       # (4) + dh_prev = dgh W_hh
    return projection_gradients(params, x, hs[:-1], dxp, dgh)


# ---------------------------------------------------------------- one training step

FORWARD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}
BACKWARD = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}


def training_step(cell: str, params: dict, x: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Forward over ``x`` (T, N, I) from a zero state, loss = sum(output ⊙ w), backward:
    the gradients of the loss, keyed ``"x"`` and by parameter name."""
    output, saved = FORWARD[cell](params, x)
    # NOTE: d loss / d output is w itself; the loss value is never needed for the gradients.
    return BACKWARD[cell](params, saved, w)


# ---------------------------------------------------------------- the check against tinygrad_rnn

def tinygrad_gradients(cell: str, params: dict, x: np.ndarray, w: np.ndarray,
                       fused=None) -> dict[str, np.ndarray]:
    """The same training step through ``tinygrad_rnn.nn.Recurrent``, in x's dtype."""
    import tinygrad_rnn as tg

    layer = tg.nn.Recurrent(cell, x.shape[2], params["weight_hh"].shape[1], dtype=x.dtype,
                            fused=fused)
    layer.load_state_dict({f"{name}_l0": value for name, value in params.items()})
    xt = tg.Tensor(x, requires_grad=True)
    output, _ = layer(xt)
    (output * tg.Tensor(w)).sum().backward()
    grads = {name: getattr(layer, f"{name}_l0").grad.array for name in PARAMETERS}
    return {"x": xt.grad.array, **grads}


def check_against_tinygrad(cells=tuple(GATES), shape=(5, 3, 4, 6), seed=0) -> float:
    """Compare the baseline's gradients with tinygrad_rnn's, fused and step by step, on a
    tiny float64 problem (T, N, I, H) = ``shape``; raise AssertionError on a mismatch and
    return the largest difference relative to the gradient's scale."""
    T, N, I, H = shape
    rng = np.random.default_rng(seed)
    worst = 0.0
    for cell in cells:
        params = init_params(cell, I, H, np.float64, seed)
        x, w = rng.standard_normal((T, N, I)), rng.standard_normal((T, N, H))
        ours = training_step(cell, params, x, w)
        for fused in (None, False):
            theirs = tinygrad_gradients(cell, params, x, w, fused)
            for name, value in ours.items():
                error = np.abs(value - theirs[name]).max() / max(np.abs(theirs[name]).max(), 1e-300)
                worst = max(worst, error)
                path = "step-by-step" if fused is False else "fused"
                assert error < 1e-10, (f"numpy baseline: {cell} d{name} differs from "
                                       f"tinygrad_rnn ({path}) by {error:.2e}")
    return worst
