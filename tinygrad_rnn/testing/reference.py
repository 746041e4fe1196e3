"""A plain-NumPy reference of PyTorch's recurrent layer, for testing a cell's layer.

A cell's author writes one step of the cell in NumPy, for a single sequence; this module
runs it the way PyTorch's ``nn.LSTM`` and friends run a cell: layer by layer, each direction
over each sequence alone, the reverse direction from the sequence's own last valid step,
outputs zero past a sequence's length. It shares no code with ``tinygrad_rnn.nn``, so a test
comparing the two compares two independent implementations.
"""

import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a)."""
    return 1.0 / (1.0 + np.exp(-a))


def reference_layer(step, params, x, state, num_layers, num_directions, lengths=None):
    """Run ``step`` as a recurrent layer would; return ``(output, final_state)``.

    Args:
        step: ``step(p, x_t, s) -> (h_t, s')`` for one sequence: ``x_t`` (I,), ``s`` a
            tuple of state vectors, ``p`` the cell's parameters by their cell names
            (``weight_ih``, ...).
        params: the layer's parameters by PyTorch's names (``weight_ih_l0``,
            ``weight_ih_l0_reverse``, ...), as NumPy arrays.
        x: the input, (T, N, I).
        state: the initial state, a tuple of (D·L, N, size) arrays.
        num_layers, num_directions: L and D.
        lengths: the N sequence lengths, or None for T each.

    Returns:
        The output (T, N, D·H') and the final state, a tuple of (D·L, N, size) arrays.
    """
    T, N = x.shape[:2]
    lengths = [T] * N if lengths is None else lengths
    final = [np.zeros_like(part) for part in state]
    for k in range(num_layers):
        outputs = []
        for d in range(num_directions):
            suffix = f"_l{k}" + ("_reverse" if d else "")
            p = {name[:-len(suffix)]: v for name, v in params.items() if name.endswith(suffix)}
            out = np.zeros((T, N, p["weight_hh"].shape[1]))
            for n in range(N):
                s = tuple(part[k * num_directions + d, n] for part in state)
                times = range(lengths[n])
                for t in reversed(times) if d else times:
                    out[t, n], s = step(p, x[t, n], s)
                for j, part in enumerate(s):
                    final[j][k * num_directions + d, n] = part
            outputs.append(out)
        x = np.concatenate(outputs, axis=-1)
    return x, tuple(final)


def parameters_of(module) -> dict:
    """A module's parameters as NumPy arrays, by their (dotted, PyTorch-style) names."""
    return {name: p.array for name, p in module.named_parameters()}
