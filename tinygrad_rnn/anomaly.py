"""``detect_anomaly``: stop at the first operation that produces a NaN or an infinity.

Inside the context manager each operation remembers the line of user code that created it
and checks its forward outputs; ``backward`` checks every gradient it computes. The first
non-finite value raises :class:`AnomalyError` naming the operation, the shapes, and that
line.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback

import numpy as np

class _State(threading.local):
    enabled = False


_state = _State()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """A NaN or an infinity appeared in an operation's output or gradient."""


def is_enabled() -> bool:
    return _state.enabled


@contextlib.contextmanager
def detect_anomaly():
    """Raise :class:`AnomalyError` at the first non-finite forward value or gradient."""
    previous = is_enabled()
    _state.enabled = True
    try:
        yield
    finally:
        _state.enabled = previous


def creation_site() -> str:
    """``file:line`` of the innermost stack frame outside this package (the user's call)."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno}: {frame.line}"
    return "<unknown>"


def check(op_name: str, what: str, arrays, created_at: str | None) -> None:
    """Raise :class:`AnomalyError` if any of ``arrays`` holds a NaN or an infinity.

    ``created_at`` is None for an op recorded outside ``detect_anomaly`` whose backward runs
    inside it: the check still happens, without the line.
    """
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise AnomalyError(
                f"{op_name}: non-finite value in its {what} (shapes {shapes}); "
                f"the op was created at {created_at or 'a line not recorded (outside detect_anomaly)'}"
            )
