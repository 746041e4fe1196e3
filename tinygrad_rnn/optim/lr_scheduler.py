"""Learning-rate schedules: each sets ``group["lr"]`` from a closed form of the epoch count.

Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``.
"""

from __future__ import annotations

import math

from .optimizer import Optimizer


class LRScheduler:
    """Base class: remembers each group's starting lr and applies ``_lr_at(base_lr, epoch)``.

    Attributes:
        optimizer: the optimizer whose ``param_groups`` it changes.
        base_lrs: each group's ``lr`` when the scheduler was made.
        last_epoch: how many times ``step`` was called.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def _apply(self) -> None:
        self._last_lr = [self._lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def step(self) -> None:
        """Advance one epoch and set every group's lr."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The lr of each group, as last set."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """The scheduler's settings and position (not the optimizer)."""
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore ``state_dict()``'s values and set the optimizer's lrs to match."""
        unknown = set(state_dict) - set(vars(self))
        if unknown or len(state_dict.get("base_lrs", self.base_lrs)) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected keys {sorted(self.state_dict())} "
                f"and {len(self.base_lrs)} base_lrs, got {sorted(state_dict)}"
            )
        vars(self).update({k: (list(v) if isinstance(v, list) else v)
                           for k, v in state_dict.items()})
        self._apply()


class StepLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every ``step_size`` epochs.

    .. math::

        \eta_t = \eta_0 \, \gamma^{\lfloor t / \text{step\_size} \rfloor}

    where :math:`\eta_0` is the group's lr when the scheduler was made and :math:`t` is
    ``last_epoch``.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        if not gamma >= 0:
            raise ValueError(f"StepLR: gamma must be >= 0, got {gamma}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def _lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    r"""Lower the lr along half a cosine, from its start to ``eta_min`` in ``T_max`` epochs.

    .. math::

        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                 \big(1 + \cos(\pi \, t / T_{\max})\big)

    where :math:`\eta_0` is the group's lr when the scheduler was made and :math:`t` is
    ``last_epoch``. Past :math:`T_{\max}` the cosine goes on, so the lr rises again
    (the closed form; PyTorch's ``CosineAnnealingLR`` agrees with it).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803
        if not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        if not eta_min >= 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def _lr_at(self, base_lr, epoch):
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (base_lr - self.eta_min) * cosine
