"""A plain-NumPy reference of PyTorch's recurrent layer, for testing a cell and its layer.

A cell's author writes one step of the cell in NumPy, for a single sequence; this module
checks the cell's batched ``step`` against it, and runs it the way PyTorch's ``nn.LSTM``
and friends run a cell: layer by layer, each direction over each sequence alone, the
reverse direction from the sequence's own last valid step, outputs zero past a sequence's
length. It shares no code with ``tinygrad_rnn.nn``, so a test
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


def assert_step_matches_reference(cell, step, batch: int, seed: int, tol: float = 1e-12):
    """Check one ``cell.step`` of a float64 cell against ``step`` (as in
    :func:`reference_layer`) run on each of ``batch`` sequences alone, from random inputs and
    states drawn with ``seed``: the output and every state tensor agree to ``tol``.
    Returns the cell's ``(output, state)``, for checks of the cell's own."""
    from ..tensor import Tensor

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, cell.input_size))
    state = tuple(rng.standard_normal((batch, size)) for size in cell.state_sizes)
    output, new_state = cell.step(Tensor(x), tuple(Tensor(s) for s in state))
    p = parameters_of(cell)
    expected = [step(p, x[n], tuple(s[n] for s in state)) for n in range(batch)]
    np.testing.assert_allclose(output.array, [h for h, _ in expected], rtol=tol, atol=tol)
    for j, got in enumerate(new_state):
        np.testing.assert_allclose(got.array, [s[j] for _, s in expected], rtol=tol, atol=tol)
    return output, new_state


# The settings a cell's layer is compared with the reference under: the layer's own
# arguments, and ``lengths`` and ``unbatched`` for the call.
LAYER_CASES = {
    "one layer": dict(),
    "lengths": dict(lengths=[4, 1, 3]),
    "bidirectional": dict(bidirectional=True, lengths=[2, 4, 1]),
    "two layers": dict(num_layers=2, lengths=[3, 1, 4]),
    "two bidirectional layers": dict(num_layers=2, bidirectional=True, lengths=[1, 4, 2]),
    "batch_first": dict(batch_first=True, bidirectional=True, lengths=[4, 2, 3]),
    "unbatched": dict(unbatched=True, num_layers=2, bidirectional=True),
    "no bias": dict(bias=False, num_layers=2),
}


def assert_layer_matches_reference(make_layer, step, case: str, tol: float = 1e-12) -> None:
    """Check a float64 layer ``make_layer(**settings)`` of :data:`LAYER_CASES` entry ``case``
    against :func:`reference_layer` running ``step``: on 4 steps of 3 random sequences (one,
    unbatched) from random initial states, the output and the final state agree to ``tol``."""
    from ..tensor import Tensor

    settings = dict(LAYER_CASES[case])
    lengths, unbatched = settings.pop("lengths", None), settings.pop("unbatched", False)
    layer = make_layer(**settings)
    cell = layer.cells[0]
    T, N, DL = 4, 1 if unbatched else 3, layer.num_directions * layer.num_layers
    rng = np.random.default_rng(2)
    x = rng.standard_normal((T, N, cell.input_size))
    state = tuple(rng.standard_normal((DL, N, size)) for size in cell.state_sizes)
    expected, final_expected = reference_layer(step, parameters_of(layer), x, state,
                                               layer.num_layers, layer.num_directions, lengths)
    if unbatched:
        x, state, expected = x[:, 0], tuple(s[:, 0] for s in state), expected[:, 0]
        final_expected = tuple(f[:, 0] for f in final_expected)
    elif layer.batch_first:
        x, expected = x.swapaxes(0, 1), expected.swapaxes(0, 1)
    hx = tuple(Tensor(s) for s in state)
    output, final = layer(Tensor(x), hx[0] if len(hx) == 1 else hx,
                          None if lengths is None else np.array(lengths))
    np.testing.assert_allclose(output.array, expected, rtol=tol, atol=tol)
    for got, want in zip((final,) if isinstance(final, Tensor) else final, final_expected):
        np.testing.assert_allclose(got.array, want, rtol=tol, atol=tol)
