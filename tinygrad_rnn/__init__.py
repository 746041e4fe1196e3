"""tinygrad_rnn: a small autograd engine over NumPy and Numba, with recurrent cells as plugins.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4., 6.], dtype=float32)
"""

from . import _methods  # noqa: F401  (attaches operators and op methods to Tensor)
from .anomaly import AnomalyError, detect_anomaly
from .autograd import enable_grad, is_grad_enabled, no_grad
from .function import Context, Function
from .kernels.threads import get_num_threads, set_num_threads
from .ops import *  # noqa: F401,F403  (the functional API: tg.tanh(x), tg.cross_entropy(...))
from .ops import __all__ as _ops_all
from .random import manual_seed
from .serialization import Checkpoint, CheckpointError, load, save
from .tensor import Tensor
from . import data, nn, optim  # noqa: E402  (after Tensor: they build on it)

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "Checkpoint", "CheckpointError", "Context", "Function", "Tensor", "data",
    "detect_anomaly", "enable_grad", "get_num_threads", "is_grad_enabled", "load",
    "manual_seed", "nn", "no_grad", "optim", "save", "set_num_threads", *_ops_all,
]
