"""Optimizers, gradient clipping and learning-rate schedules, PyTorch's ``torch.optim`` in small.

>>> import tinygrad_rnn as tg
>>> from tinygrad_rnn import optim
>>> w = tg.Tensor([3.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.25)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()   # gradient 2w
...     opt.step()                 # w <- w - 0.25 * 2w = w / 2
>>> w.array
array([0.75], dtype=float32)
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR, OneCycleLR,
                           ReduceLROnPlateau, StepLR)
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "LBFGS", "LambdaLR",
    "OneCycleLR", "Optimizer", "RMSprop", "ReduceLROnPlateau", "SGD", "StepLR",
    "clip_grad_norm_", "clip_grad_value_", "lr_scheduler",
]
