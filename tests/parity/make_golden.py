"""Write ``tests/parity/golden/<case id>.npz``: PyTorch's results for every parity case.

Run by hand, with PyTorch installed (``.venv/bin/pip install torch``)::

    python tests/parity/make_golden.py

PyTorch is imported inside the functions, so this module also imports (and is collected by
``--doctest-modules``) where it is not installed. ``test_torch_live.py`` calls the same
functions to compare against PyTorch live.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))  # run as a script from anywhere
from parity_cases import CASES, FLOAT32_GOLDEN, GOLDEN_DIR, T, make_arrays, to_file  # noqa: E402


def build_torch(case, dtype, params: dict | None = None):
    """PyTorch's layer for ``case`` in ``dtype``, seeded; loaded with ``params`` (name →
    array) when given."""
    import torch

    torch.manual_seed(case.seed)
    module = getattr(torch.nn, case.class_name)(**case.kwargs).to(_torch_dtype(dtype))
    if params is not None:
        module.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype)) for k, v in params.items()})
    return module


def torch_param_shapes(case) -> dict[str, tuple[int, ...]]:
    """PyTorch's parameter names and shapes for ``case``, in its registration order."""
    return {k: tuple(v.shape) for k, v in build_torch(case, np.float64).state_dict().items()}


def torch_results(case, arrays: dict, dtype, module=None) -> dict[str, np.ndarray]:
    """PyTorch's side of ``parity_cases.our_results``: the same run, names and loss."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    if module is None:
        params = {k.removeprefix("param/"): v for k, v in arrays.items() if k.startswith("param/")}
        module = build_torch(case, dtype, params)
    as_torch = lambda name, grad=False: torch.tensor(  # noqa: E731
        np.asarray(arrays[name], dtype), requires_grad=grad)
    x = as_torch("x", grad=True)
    states = [as_torch(f"{s}0", grad=True) for s in case.state_names]
    hx = states[0] if len(states) == 1 else tuple(states)
    if "lengths" in arrays:
        packed = pack_padded_sequence(x, torch.as_tensor(np.asarray(arrays["lengths"])),
                                      batch_first=case.batch_first, enforce_sorted=False)
        packed_output, final = module(packed, hx)
        output, _ = pad_packed_sequence(packed_output, batch_first=case.batch_first,
                                        total_length=T)
    else:
        output, final = module(x, hx)
    finals = (final,) if len(states) == 1 else final
    loss = (output * as_torch("w_out")).sum()
    for s, state in zip(case.state_names, finals):
        loss = loss + (state * as_torch(f"w_{s}")).sum()
    module.zero_grad()
    loss.backward()
    results = {"output": output.detach().numpy(), "grad/x": x.grad.numpy()}
    for s, state, initial in zip(case.state_names, finals, states):
        results[f"{s}_n"], results[f"grad/{s}0"] = state.detach().numpy(), initial.grad.numpy()
    for name, param in module.named_parameters():
        results[f"grad/{name}"] = param.grad.numpy()
    return results


def golden_arrays(case) -> dict[str, np.ndarray]:
    """Everything a case's golden file holds, packed by ``to_file``: the inputs, ``keys``
    (PyTorch's state-dict order), the float64 results, and for ``FLOAT32_GOLDEN`` cases
    the float32 ones under ``f32/``."""
    shapes = torch_param_shapes(case)
    arrays = make_arrays(case, shapes)
    arrays.update(torch_results(case, arrays, np.float64))
    if case in FLOAT32_GOLDEN:
        float32 = torch_results(case, make_arrays(case, shapes), np.float32)
        arrays.update({f"f32/{k}": v for k, v in float32.items()})
    return to_file(arrays, list(shapes))


def _torch_dtype(dtype):
    import torch

    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]


def main() -> None:
    import torch

    torch.use_deterministic_algorithms(True)
    warnings.filterwarnings("ignore", "LSTM with projections", UserWarning)
    GOLDEN_DIR.mkdir(exist_ok=True)
    for old in GOLDEN_DIR.glob("*.npz"):
        old.unlink()
    for case in CASES:
        np.savez_compressed(case.golden_path, **golden_arrays(case))
    total = sum(path.stat().st_size for path in GOLDEN_DIR.glob("*.npz"))
    print(f"wrote {len(CASES)} golden files to {GOLDEN_DIR} ({total / 1024:.0f} KiB) "
          f"with torch {torch.__version__}")


if __name__ == "__main__":
    main()
