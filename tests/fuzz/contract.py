"""What every fuzz test asserts, and the settings they share.

The contract of the public API: a call returns PyTorch's result where PyTorch defines one
(when ``torch`` is installed; otherwise an independent NumPy reference stands in), or raises
a documented exception (``TypeError``, ``ValueError`` with ``CheckpointError`` among them,
``IndexError``) whose message names the offending argument. Examples are drawn
deterministically (``derandomize``), so a failure reproduces on every machine.
"""

import numpy as np
from hypothesis import HealthCheck, settings

try:
    import torch
except ImportError:   # the NumPy references stand in
    torch = None

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
DOCUMENTED = (TypeError, ValueError, IndexError)
TOLERANCE = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-10}


def outcome(call):
    """What ``call()`` gives: its result, or the exception it raised."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001  (any exception is an outcome to judge)
        return error


def assert_same_values(ours, expected, rtol: float) -> None:
    """The same shape, and the same values: within ``rtol`` where finite, identical
    infinities, NaN where NaN."""
    ours, expected = np.asarray(ours), np.asarray(expected)
    assert ours.shape == expected.shape, f"shape {ours.shape}, expected {expected.shape}"
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=rtol, equal_nan=True)


def assert_contract(ours, reference, names: tuple[str, ...], rtol: float = 1e-10,
                    may_refuse: bool = False) -> None:
    """``ours`` and ``reference`` are outcomes (see :func:`outcome`). Where the reference
    gives a result, ours must be the same; where it raises, ours must raise a documented
    exception whose message contains one of ``names``. With ``may_refuse`` (where we are
    stricter by design, e.g. a NaN hyperparameter) such a refusal is also allowed where the
    reference gives a result."""
    if isinstance(reference, Exception) or (may_refuse and isinstance(ours, DOCUMENTED)):
        assert isinstance(ours, DOCUMENTED), (
            f"the reference raised {reference!r}, we gave {ours!r}")
        assert any(name in str(ours) for name in names), (
            f"{type(ours).__name__}({ours}) names none of {names}")
        return
    if isinstance(ours, Exception):
        raise AssertionError(f"the reference gave a result, we raised {ours!r}") from ours
    assert_same_values(ours, reference, rtol)
