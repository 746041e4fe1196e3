"""The parity cases against PyTorch's recurrent layers: the table, the seeded data, our side
of each run and the one comparison that ``make_golden.py``, ``test_golden.py`` and
``test_torch_live.py`` all use. Nothing here imports PyTorch.

A run of case ``c`` on arrays ``a`` builds the layer, loads ``a["param/<name>"]``, feeds
``a["x"]`` from the state ``a["h0"]`` (and ``a["c0"]``) with ``a["lengths"]`` if present,
and backpropagates

    loss = sum(output * w_out) + sum(h_n * w_h) (+ sum(c_n * w_c) for the LSTM).

Its results are ``output``, ``h_n`` (``c_n``) and ``grad/<x, h0, c0 or parameter name>``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np

T, N, I, H, P = 5, 3, 4, 3, 2  # steps, batch, input features, hidden features, LSTM proj_size
LENGTHS = (3, 5, 2)  # unsorted, max == T: PyTorch needs enforce_sorted=False
# NOTE: every random input and weight is a multiple of 2**-10 in [-1, 1]: such numbers are
# exact in float32 too (so one set of inputs serves both dtypes) and compress well.
QUANTUM = 2.0 ** -10
GOLDEN_DIR = Path(__file__).parent / "golden"

# variant: (class name, shared by torch.nn and tinygrad_rnn.nn.rnn; its extra options)
VARIANTS = {
    "rnn-tanh": ("RNN", {"nonlinearity": "tanh"}),
    "rnn-relu": ("RNN", {"nonlinearity": "relu"}),
    "lstm": ("LSTM", {}),
    "lstm-proj2": ("LSTM", {"proj_size": P}),
    "gru": ("GRU", {}),
}


@dataclass(frozen=True)
class Case:
    variant: str
    num_layers: int
    bidirectional: bool
    batch_first: bool
    with_lengths: bool

    @property
    def id(self) -> str:
        """Readable and unique, e.g. ``lstm-proj2-L2-bi-bf-lengths``."""
        return "-".join([self.variant, f"L{self.num_layers}",
                         "bi" if self.bidirectional else "uni",
                         "bf" if self.batch_first else "tf",
                         "lengths" if self.with_lengths else "full"])

    @property
    def class_name(self) -> str:
        return VARIANTS[self.variant][0]

    @property
    def kwargs(self) -> dict:
        """The constructor's keyword arguments, valid for PyTorch's class and ours."""
        return dict(input_size=I, hidden_size=H, num_layers=self.num_layers,
                    bidirectional=self.bidirectional, batch_first=self.batch_first,
                    **VARIANTS[self.variant][1])

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("h", "c") if self.class_name == "LSTM" else ("h",)

    @property
    def seed(self) -> int:
        """A seed of the case's own, stable across runs and Python versions."""
        return zlib.crc32(self.id.encode())

    @property
    def golden_path(self) -> Path:
        return GOLDEN_DIR / f"{self.id}.npz"

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of the input, each initial state and the output."""
        D = 2 if self.bidirectional else 1
        h_size = VARIANTS[self.variant][1].get("proj_size") or H
        shapes = {"x": (N, T, I) if self.batch_first else (T, N, I),
                  "h0": (D * self.num_layers, N, h_size),
                  "output": (N, T, D * h_size) if self.batch_first else (T, N, D * h_size)}
        if "c" in self.state_names:
            shapes["c0"] = (D * self.num_layers, N, H)
        return shapes


CASES = [Case(*values) for values in product(VARIANTS, (1, 2), (False, True), (False, True),
                                               (False, True))]
# The cases whose golden file also holds PyTorch's float32 results (keys "f32/...").
FLOAT32_GOLDEN = [case for case in CASES if case.num_layers == 2 and case.bidirectional]


def quantised(rng: np.random.Generator, shape, bound: float = 1.0) -> np.ndarray:
    """Uniform in [-bound, bound], rounded to a multiple of QUANTUM; float64."""
    return np.round(rng.uniform(-bound, bound, shape) / QUANTUM) * QUANTUM


def make_arrays(case: Case, param_shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The case's seeded inputs, float64: ``param/<name>`` for each of ``param_shapes`` (in
    its order, drawn from U(-1/√H, 1/√H) as PyTorch initialises them), ``x``, ``h0``
    (``c0``), ``lengths`` when the case has them, and the loss weights ``w_out``, ``w_h``
    (``w_c``)."""
    rng = np.random.default_rng(case.seed)
    arrays = {f"param/{name}": quantised(rng, shape, 1 / np.sqrt(H))
              for name, shape in param_shapes.items()}
    shapes = case.shapes()
    for name in ("x", *(f"{s}0" for s in case.state_names)):
        arrays[name] = quantised(rng, shapes[name])
    arrays["w_out"] = quantised(rng, shapes["output"])
    for s in case.state_names:
        arrays[f"w_{s}"] = quantised(rng, shapes[f"{s}0"])
    if case.with_lengths:
        arrays["lengths"] = np.array(LENGTHS, dtype=np.int64)
    return arrays


def inputs_only(arrays: dict) -> dict[str, np.ndarray]:
    """The inputs of a run (what ``make_arrays`` makes) out of ``arrays``."""
    names = ("x", "h0", "c0", "lengths", "w_out", "w_h", "w_c")
    return {k: v for k, v in arrays.items() if k.startswith("param/") or k in names}


# ---------------------------------------------------------------- the golden files

# NOTE: a golden file packs each group of per-parameter arrays ("param/<name>",
# "grad/<name>", "f32/grad/<name>") into one flat vector ("params", "grad/params",
# "f32/grad/params"), in the order of "keys", with "shapes" (one row per key, a 1-D shape
# padded with -1). An npz member costs ~150 bytes of headers, and one per parameter
# would be a third of the files' size.
PACKED = {"param/": "params", "grad/": "grad/params", "f32/grad/": "f32/grad/params"}


def to_file(arrays: dict, keys: list[str]) -> dict[str, np.ndarray]:
    """``arrays`` (with ``param/<name>`` and the like) in the golden files' packed form."""
    packed = {f"{prefix}{key}" for prefix in PACKED for key in keys}
    stored = {k: v for k, v in arrays.items() if k not in packed}
    stored["keys"] = np.array(keys, dtype="U")
    shapes = [np.shape(arrays[f"param/{key}"]) for key in keys]
    stored["shapes"] = np.array([shape + (-1,) * (2 - len(shape)) for shape in shapes])
    for prefix, name in PACKED.items():
        if f"{prefix}{keys[0]}" in arrays:
            stored[name] = np.concatenate([np.ravel(arrays[f"{prefix}{k}"]) for k in keys])
    return stored


def from_file(stored) -> dict[str, np.ndarray]:
    """A golden file's arrays (an ``np.load`` result) back in the form of ``make_arrays``
    and the results: one entry per parameter."""
    arrays = {k: stored[k] for k in stored.files if k not in ("shapes", *PACKED.values())}
    shapes = [tuple(int(d) for d in row if d >= 0) for row in stored["shapes"]]
    for prefix, name in PACKED.items():
        if name in stored.files:
            flat, start = stored[name], 0
            for key, shape in zip(stored["keys"], shapes):
                size = int(np.prod(shape))
                arrays[f"{prefix}{key}"] = flat[start:start + size].reshape(shape)
                start += size
            assert start == flat.size, f"{name}: {flat.size} values for shapes {shapes}"
    return arrays


def parameters_of(arrays: dict, dtype) -> dict[str, np.ndarray]:
    """The ``param/<name>`` arrays as a state dict of ``dtype``, in stored order."""
    return {k.removeprefix("param/"): np.asarray(v, dtype) for k, v in arrays.items()
            if k.startswith("param/")}


def read_golden(case: Case) -> dict[str, np.ndarray]:
    """A case's golden file, loaded without pickle and unpacked by ``from_file``."""
    if not case.golden_path.exists():
        raise FileNotFoundError(f"{case.golden_path} is missing: run `python "
                                "tests/parity/make_golden.py` with PyTorch installed")
    with np.load(case.golden_path, allow_pickle=False) as stored:
        return from_file(stored)


# ---------------------------------------------------------------- our side

def build_ours(case: Case, dtype, fused=None):
    """Our layer for ``case``: ``tinygrad_rnn.nn.rnn.<RNN|LSTM|GRU>(**case.kwargs, dtype=dtype)``,
    on the fused path (where the cell has one) unless ``fused`` is False."""
    from tinygrad_rnn import random
    from tinygrad_rnn.nn import rnn

    random.manual_seed(case.seed)  # the initial weights are overwritten, but stay seeded
    return getattr(rnn, case.class_name)(**case.kwargs, dtype=dtype, fused=fused)


def _call(layer, x, state, lengths):
    return layer(x, state, lengths)


def our_results(case: Case, arrays: dict, dtype, layer=None, fused=None,
                call=_call) -> dict[str, np.ndarray]:
    """Run ``case`` on ``arrays`` with our layer (built, and loaded with ``arrays``' weights,
    unless given); return the outputs, final states and gradients. ``call(layer, x, state,
    lengths) -> (output, final_state)`` runs the layer (another way to pass the lengths)."""
    from tinygrad_rnn.tensor import Tensor

    if layer is None:
        layer = build_ours(case, dtype, fused)
        layer.load_state_dict(parameters_of(arrays, dtype))
    x = Tensor(np.asarray(arrays["x"], dtype), requires_grad=True)
    states = [Tensor(np.asarray(arrays[f"{s}0"], dtype), requires_grad=True)
              for s in case.state_names]
    output, final = call(layer, x, states[0] if len(states) == 1 else tuple(states),
                         arrays.get("lengths"))
    finals = (final,) if len(states) == 1 else final
    loss = (output * Tensor(np.asarray(arrays["w_out"], dtype))).sum()
    for s, state in zip(case.state_names, finals):
        loss = loss + (state * Tensor(np.asarray(arrays[f"w_{s}"], dtype))).sum()
    layer.zero_grad()
    loss.backward()
    results = {"output": output.array, "grad/x": x.grad.array}
    for s, state, initial in zip(case.state_names, finals, states):
        results[f"{s}_n"], results[f"grad/{s}0"] = state.array, initial.grad.array
    for name, param in layer.named_parameters():
        results[f"grad/{name}"] = param.grad.array
    return results


# ---------------------------------------------------------------- the comparison

def mismatches(actual: dict, expected: dict, rtol: float) -> list[str]:
    """Every way ``actual`` differs from ``expected`` (both name → array): missing or extra
    names, shapes or dtypes, and values whose error max|a - e| / max|e| exceeds ``rtol``."""
    problems = []
    if set(actual) != set(expected):
        problems.append(f"names differ: missing {sorted(set(expected) - set(actual))}, "
                        f"extra {sorted(set(actual) - set(expected))}")
    for name in expected:
        if name not in actual:
            continue
        a, e = actual[name], np.asarray(expected[name])
        if a is None or a.shape != e.shape or a.dtype != e.dtype:
            problems.append(f"{name}: got {'None' if a is None else f'{a.shape} {a.dtype}'}, "
                            f"expected {e.shape} {e.dtype}")
            continue
        error = np.abs(a - e).max()
        scale = np.abs(e).max() or 1.0
        if not error <= rtol * scale:  # also catches NaN
            problems.append(f"{name}: max abs error {error:.3g}, relative {error / scale:.3g} "
                            f"(max |expected| {scale:.3g}, rtol {rtol:g})")
    return problems


def assert_matches(actual: dict, expected: dict, rtol: float, what: str = "") -> None:
    """``mismatches`` as one assertion listing every problem."""
    problems = mismatches(actual, expected, rtol)
    assert not problems, f"{what}: {len(problems)} mismatch(es):\n  " + "\n  ".join(problems)
