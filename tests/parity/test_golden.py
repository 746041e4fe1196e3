"""Our RNN, LSTM and GRU agree with PyTorch's stored results (``golden/*.npz``, written by
``make_golden.py``): outputs, final states and every gradient, and the state-dict order.
Needs no PyTorch."""

import numpy as np
import pytest
from parity_cases import (
    CASES, FLOAT32_GOLDEN, GOLDEN_DIR, assert_matches, build_ours, our_results, read_golden,
)

RESULTS = ("output", "h_n", "c_n", "grad/")


def results_of(arrays: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """The stored results (``prefix`` "" for float64, "f32/" for float32), unprefixed."""
    return {k.removeprefix(prefix): v for k, v in arrays.items()
            if k.startswith(prefix) and k.removeprefix(prefix).startswith(RESULTS)}


@pytest.mark.parametrize("fused", [None, False], ids=["default-path", "stepwise"])  # default: fused where the cell has it
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_float64_outputs_states_and_gradients_match_pytorch(case, fused):
    golden = read_golden(case)
    assert_matches(our_results(case, golden, np.float64, fused=fused), results_of(golden),
                   1e-10, f"{case.id} float64")


@pytest.mark.parametrize("case", FLOAT32_GOLDEN, ids=lambda case: case.id)
def test_float32_outputs_states_and_gradients_match_pytorch(case):
    golden = read_golden(case)
    assert_matches(our_results(case, golden, np.float32), results_of(golden, "f32/"), 1e-5,
                   f"{case.id} float32")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_state_dict_order_is_pytorchs(case):
    golden = read_golden(case)
    assert list(build_ours(case, np.float64).state_dict()) == golden["keys"].tolist()


def test_every_golden_file_is_a_case():
    """A stale file (a case renamed or removed) would otherwise linger unnoticed."""
    paths = {case.golden_path for case in CASES}
    assert set(GOLDEN_DIR.glob("*.npz")) == paths
