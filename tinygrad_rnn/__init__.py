"""tinygrad_rnn: a small autograd engine over NumPy and Numba, with recurrent cells as plugins.

>>> import tinygrad_rnn as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
tensor([2., 4., 6.], dtype=float32, shape=(3,))
"""

from . import _memory, ops
from . import tensor as _tensor_module
from .anomaly import AnomalyError, detect_anomaly
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .creation import *  # noqa: F401,F403  (tg.tensor, tg.zeros, tg.arange, ...)
from .creation import __all__ as _creation_all
from .dtypes import *  # noqa: F401,F403  (tg.float32, tg.long, ...)
from .dtypes import __all__ as _dtypes_all
from .function import Context, Function
from ._kernels.threads import get_num_threads, set_num_threads
from .ops import *  # noqa: F401,F403  (the functional API: tg.tanh(x), tg.cat(...))
from .ops import __all__ as _ops_all
from .random import Generator, manual_seed
from .serialization import Checkpoint, CheckpointError, load, save
from .tensor import Tensor
from . import data, nn, optim, utils  # noqa: E402  (after Tensor: they build on it)

__version__ = "0.1.0"

_tensor_module.ops = ops  # Tensor's operators call the ops, which import tensor.py (see there)
_memory.keep_freed_pages()

__all__ = [
    "AnomalyError", "Checkpoint", "CheckpointError", "Context", "Function", "Generator",
    "Tensor", "data", "detect_anomaly", "enable_grad", "get_num_threads", "inference_mode",
    "is_grad_enabled", "load", "manual_seed", "nn", "no_grad", "optim", "save",
    "set_grad_enabled",
    "set_num_threads", "utils", *_creation_all, *_dtypes_all, *_ops_all,
]
