"""LBFGS, RMSprop and the schedules give PyTorch's numbers: against ``golden.json``
(PyTorch's, written by ``make_optim_golden.py``) always, and against PyTorch run live where
it is installed. L-BFGS's iterates agree to 1e-10 over 20 ``step`` calls in float64, with and
without the strong Wolfe line search; the evaluation and iteration counts agree exactly."""

import json

import numpy as np
import pytest

import tinygrad_rnn
from make_optim_golden import GOLDEN
from optim_cases import CASES

# L-BFGS: PyTorch's adds fuse into one rounding (FMA) where NumPy's take two, and its dot
# products sum in another order; 20 steps amplify those last bits to ~1e-12 at most here.
LBFGS_TOLERANCE = 1e-10
TOLERANCE = 1e-12   # everything else: the same formulas, a few roundings apart


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text())


def assert_same_numbers(actual: dict, expected: dict, what: str) -> None:
    assert actual.keys() == expected.keys(), what
    tolerance = LBFGS_TOLERANCE if what.startswith("lbfgs") else TOLERANCE
    for key, value in expected.items():
        if isinstance(value, int):
            assert actual[key] == value, f"{what}: {key}"
        else:
            np.testing.assert_allclose(np.array(actual[key], dtype=np.float64), value,
                                       rtol=tolerance, atol=tolerance, err_msg=f"{what}: {key}")


@pytest.mark.parametrize("name", CASES)
def test_gives_pytorchs_golden_numbers(golden, name):
    assert_same_numbers(CASES[name](tinygrad_rnn), golden[name], name)


@pytest.mark.parametrize("name", CASES)
def test_gives_pytorchs_numbers_live_and_the_golden_file_is_current(golden, name):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    theirs = CASES[name](torch)
    assert_same_numbers(CASES[name](tinygrad_rnn), theirs, f"{name} (live)")
    assert_same_numbers(golden[name], theirs, f"{name}: golden.json is stale (rerun "
                                              "make_optim_golden.py)")


def test_every_case_changes_what_it_records(golden):
    """Guards against cases that would agree by doing nothing."""
    for name, result in golden.items():
        sequences = [v for k, v in result.items() if isinstance(v, list) and k != "last_lr"]
        assert any(s[0] != s[-1] for s in sequences), name
    assert golden["lbfgs_rosenbrock_strong_wolfe"]["losses"][-1] < 1e-9   # it reaches the min
