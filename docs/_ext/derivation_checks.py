"""Plumbing for the derivation pages' doctests: a numeric vector-Jacobian product and the
gradients of a real recurrent layer. The derived formulas themselves are written in the
pages, in plain NumPy, where the reader sees them."""

from __future__ import annotations

import numpy as np

import tinygrad_rnn as tg


def numeric_vjp(f, args, dy, eps=1e-6):
    """The gradient of ``sum(f(*args) * dy)`` with respect to each of ``args``, by central
    differences: what a derived backward formula must equal."""
    grads = []
    for k, arg in enumerate(args):
        g = np.zeros_like(arg)
        for index in np.ndindex(arg.shape):
            shifted = [a.copy() for a in args]
            shifted[k][index] = arg[index] + eps
            up = np.sum(f(*shifted) * dy)
            shifted[k][index] = arg[index] - eps
            down = np.sum(f(*shifted) * dy)
            g[index] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _values(grad):
    """A copy of the NumPy array behind a gradient (``.grad`` is a tensor)."""
    return np.array(grad.numpy(), copy=True)


def layer_gradients(layer, x, state, g_output, g_state, lengths=None):
    """Run ``layer`` on ``x`` from ``state`` and backpropagate the loss
    ``sum(output * g_output) + sum(final * g_state)``; return the gradients of every
    parameter (by its PyTorch name), of ``"x"`` and of each initial state (``"h0"``,
    ``"c0"``) as NumPy arrays. ``state`` and ``g_state`` are tuples in the cell's state
    order. The layer's earlier gradients are cleared first, so each call stands alone."""
    layer.zero_grad()
    x = tg.Tensor(x, requires_grad=True)
    state = tuple(tg.Tensor(s, requires_grad=True) for s in state)
    output, final = layer(x, state if len(state) > 1 else state[0], lengths=lengths)
    final = final if isinstance(final, tuple) else (final,)
    loss = (output * tg.Tensor(g_output)).sum()
    for f, g in zip(final, g_state):
        loss = loss + (f * tg.Tensor(g)).sum()
    loss.backward()
    grads = {name: _values(p.grad) for name, p in layer.named_parameters()}
    grads["x"] = _values(x.grad)
    for name, s in zip(("h0", "c0"), state):
        grads[name] = _values(s.grad)
    return grads


def both_paths(build, params, x, state, g_output, g_state, lengths=None):
    """``layer_gradients`` on the fused path and on the step-by-step path (autograd):
    ``build(fused)`` makes the layer, ``params`` (PyTorch's names) are loaded into it."""
    grads = []
    for fused in (True, False):
        layer = build(fused)
        layer.load_state_dict(params)
        grads.append(layer_gradients(layer, x, state, g_output, g_state, lengths))
    return grads


def agree(derived, grads, rtol=1e-9, atol=1e-12):
    """Whether every array in ``derived`` equals the one of the same name in ``grads``."""
    return all(np.allclose(value, grads[name], rtol=rtol, atol=atol)
               for name, value in derived.items())
