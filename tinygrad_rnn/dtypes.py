"""The dtypes a tensor may hold, under PyTorch's names, and the one rule for devices.

Each name is the NumPy dtype object itself (``tg.float32 is np.dtype(np.float32)``), so a
dtype from either library may be passed wherever one is expected. Float tensors carry
gradients; integer and boolean tensors (indices, targets, masks, comparison results) never
require one.
"""

import builtins

import numpy as np

float32 = float = np.dtype(np.float32)  # noqa: A001  (PyTorch's names)
float64 = double = np.dtype(np.float64)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)  # noqa: A001
bool = np.dtype(np.bool_)  # noqa: A001

FLOAT_DTYPES = (float32, float64)
DTYPES = (float32, float64, int64, int32, bool)
_NAMES = {float32: "float32", float64: "float64", int64: "int64", int32: "int32", bool: "bool"}
LEGACY_TYPES = {float32: "FloatTensor", float64: "DoubleTensor", int64: "LongTensor",
                int32: "IntTensor", bool: "BoolTensor"}

__all__ = ["bool", "device", "double", "float", "float32", "float64", "int", "int32", "int64",
           "long"]


def as_dtype(dtype, where: str) -> np.dtype:
    """``dtype`` (one of ours, a NumPy dtype or a Python type) as one of :data:`DTYPES`."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in DTYPES:
        raise TypeError(f"{where}: dtype must be one of float32, float64, int64, int32, bool; "
                        f"got {dtype!r}")
    return resolved


def check_can_require_grad(dtype: np.dtype, where: str) -> None:
    """Only float tensors carry gradients: a RuntimeError naming ``where`` for any other."""
    if dtype not in FLOAT_DTYPES:
        raise RuntimeError(f"{where}: only float tensors can require gradients, this one holds "
                           f"{dtype}; convert it first with .float() or .double()")


def checked_shape(where: str, size) -> tuple[int, ...]:
    """The shape given as ``(2, 3)`` or ``((2, 3),)`` (PyTorch's two ways: ``zeros(2, 3)``,
    ``zeros((2, 3))``), each size a non-negative int."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(n, (builtins.int, np.integer)) and n >= 0 for n in size):
        raise ValueError(f"{where}: sizes must be non-negative ints, got {size}")
    return tuple(builtins.int(n) for n in size)


def dtype_name(dtype: np.dtype) -> str:
    """The short name of one of :data:`DTYPES` (``float32``, ``int64``...)."""
    return _NAMES.get(dtype, str(dtype))


def legacy_type_name(dtype: np.dtype) -> str:
    """PyTorch's old name for the type of a tensor of ``dtype`` (``tinygrad_rnn.LongTensor``)."""
    return f"tinygrad_rnn.{LEGACY_TYPES[dtype]}"


def device(name) -> str:
    """PyTorch's ``torch.device("cpu")``: the name ``"cpu"``, which every ``device=`` and
    ``.to()`` accepts; any other device is an error."""
    check_device(name, "device")
    return "cpu"


def check_device(device, where: str) -> None:
    """Accept ``None`` and the CPU (``"cpu"``, ``"cpu:0"``); anything else is an error."""
    name = str(device) if device is not None else "cpu"
    if name not in ("cpu", "cpu:0"):
        raise RuntimeError(f"{where}: device {device!r} is not available: tinygrad_rnn runs on "
                           "the CPU only (NumPy arrays); use device='cpu' or leave it out")
