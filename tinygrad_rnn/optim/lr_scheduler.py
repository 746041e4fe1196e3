"""Learning-rate schedules: each sets ``group["lr"]`` from a closed form of the epoch count
(``ReduceLROnPlateau`` from the history of a measured metric instead).

Call ``scheduler.step()`` once per epoch, after ``optimizer.step()`` (``OneCycleLR`` once per
batch; ``ReduceLROnPlateau.step(metric)`` after each evaluation).
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

    def _lrs_at(self, epoch: int) -> list[float]:
        """Every group's lr at ``epoch`` (by default ``_lr_at`` of each group's base lr)."""
        return [self._lr_at(base_lr, epoch) for base_lr in self.base_lrs]

    def _apply(self) -> None:
        self._last_lr = self._lrs_at(self.last_epoch)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def step(self) -> None:
        """Advance one epoch and set every group's lr."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The lr of each group, as last set."""
        return list(self._last_lr)

    _not_saved = ("optimizer",)

    def state_dict(self) -> dict:
        """The scheduler's settings and position (not the optimizer)."""
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in vars(self).items() if k not in self._not_saved}

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


class ExponentialLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every epoch.

    .. math::

        \eta_t = \eta_0 \, \gamma^t

    where :math:`\eta_0` is the group's lr when the scheduler was made and :math:`t` is
    ``last_epoch``.
    """

    def __init__(self, optimizer: Optimizer, gamma: float):
        if not gamma >= 0:
            raise ValueError(f"ExponentialLR: gamma must be >= 0, got {gamma}")
        self.gamma = gamma
        super().__init__(optimizer)

    def _lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class LambdaLR(LRScheduler):
    r"""Scale each group's starting lr by a function of the epoch.

    .. math::

        \eta_t = \eta_0 \, \lambda(t)

    where :math:`\lambda` is ``lr_lambda``, one function for every group or a list with one
    per group, and :math:`\eta_0` the group's lr when the scheduler was made. The functions
    are not part of ``state_dict()`` (as in PyTorch for plain functions): a loaded scheduler
    keeps its own.
    """

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer: Optimizer, lr_lambda):
        groups = len(getattr(optimizer, "param_groups", ()))
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(lambdas) != groups or not all(callable(f) for f in lambdas):
            raise ValueError(f"LambdaLR: lr_lambda must be a function or a list of {groups} "
                             f"functions (one per parameter group), got {lr_lambda!r}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer)

    def _lrs_at(self, epoch):
        return [base_lr * f(epoch) for base_lr, f in zip(self.base_lrs, self.lr_lambdas)]


def _per_group(scheduler: str, name: str, value, groups: int) -> list:
    """``value`` for every group: a list or tuple as given (one per group), else repeated."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * groups
    if len(values) != groups:
        raise ValueError(f"{scheduler}: expected {groups} values of {name} (one per parameter "
                         f"group), got {len(values)}")
    return values


class ReduceLROnPlateau(LRScheduler):
    r"""Divide the lr by ``1 / factor`` when a metric has stopped improving.

    ``step(metric)`` compares the metric with the best so far: in ``mode="min"`` it improves
    when

    .. math::

        m < m^* (1 - \tau) \ \ \text{(threshold\_mode "rel")}, \qquad
        m < m^* - \tau \ \ \text{("abs")}

    (in ``mode="max"``: :math:`m > m^* (1 + \tau)`, :math:`m > m^* + \tau`), with
    :math:`\tau` the ``threshold`` and :math:`m^*` the best metric so far. After more than
    ``patience`` steps in a row without improvement each group's lr becomes
    :math:`\max(\eta \cdot \text{factor}, \eta_{\min})` (unchanged if that moves it by
    ``eps`` or less), and the count restarts; for the next ``cooldown`` steps bad steps are
    not counted.

    Args:
        optimizer: the optimizer whose lrs it lowers.
        mode: ``"min"`` (a loss) or ``"max"`` (an accuracy).
        factor: the multiplier, below 1.
        patience: how many steps without improvement are tolerated.
        threshold: :math:`\tau`, how much better counts as better.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: steps to wait after a reduction before counting again.
        min_lr: :math:`\eta_{\min}`, one number or one per group.
        eps: the smallest change of lr worth making.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr=0.0, eps: float = 1e-8):
        name = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        if not 0 <= factor < 1:
            raise ValueError(f"{name}: factor must be in [0, 1), got {factor}")
        for option, value in (("patience", patience), ("cooldown", cooldown)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: {option} must be an int >= 0, got {value!r}")
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.min_lrs = _per_group(name, "min_lr", min_lr,
                                  len(getattr(optimizer, "param_groups", ())))
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in getattr(optimizer, "param_groups", ())]
        super().__init__(optimizer)

    def _lrs_at(self, epoch):
        return list(self._last_lr)   # no closed form: the lrs as last set

    def _improves(self, metric: float) -> bool:
        relative = self.threshold_mode == "rel"
        if self.mode == "min":
            return metric < (self.best * (1.0 - self.threshold) if relative
                             else self.best - self.threshold)
        return metric > (self.best * (1.0 + self.threshold) if relative
                         else self.best + self.threshold)

    def step(self, metrics) -> None:
        """Record one measurement of the metric (a number or a one-element tensor)."""
        metric = float(metrics)
        self.last_epoch += 1
        if self._improves(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - lr > self.eps:
                    group["lr"] = lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class OneCycleLR(LRScheduler):
    r"""The one-cycle policy (Smith and Topin, 2018): the lr rises to ``max_lr`` and falls
    far below its start, in ``total_steps`` steps (call ``step()`` after every batch).

    Each group's lr passes through the anchors

    .. math::

        \eta_{\text{start}} = \frac{\eta_{\max}}{\text{div\_factor}} \;\to\; \eta_{\max}
        \;\to\; \eta_{\text{end}} = \frac{\eta_{\text{start}}}{\text{final\_div\_factor}}

    reaching :math:`\eta_{\max}` at step :math:`p T - 1` (:math:`p` is ``pct_start``,
    :math:`T` ``total_steps``) and :math:`\eta_{\text{end}}` at step :math:`T - 1`. With
    ``three_phase=True`` it comes back down to :math:`\eta_{\text{start}}` at step
    :math:`2 p T - 2` and only then falls to :math:`\eta_{\text{end}}`. Between two anchors
    :math:`a \to b`, at the fraction :math:`x \in [0, 1]` of the phase,

    .. math::

        \text{cos:} \quad b + \tfrac12 (a - b) (1 + \cos \pi x), \qquad
        \text{linear:} \quad a + (b - a) x.

    With ``cycle_momentum`` the momentum (``momentum``, or Adam's :math:`\beta_1` in
    ``betas``) moves the other way, ``max_momentum`` :math:`\to` ``base_momentum``
    :math:`\to` ``max_momentum`` (and stays there in the third phase). Stepping past
    ``total_steps`` is an error.

    Args:
        optimizer: its lrs, and momenta with ``cycle_momentum``, are set at every step.
        max_lr: the peak lr, one number or one per group.
        total_steps: :math:`T`; or give ``epochs`` and ``steps_per_epoch``, whose product it is.
        pct_start: :math:`p`, the part of the cycle spent rising.
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum: cycle the momentum as well.
        base_momentum, max_momentum: its two ends, each one number or one per group.
        div_factor, final_div_factor: as in the formula above.
        three_phase: come back to :math:`\eta_{\text{start}}` before the final fall.

    The anchors live in the scheduler (``initial_lrs``, ``max_lrs``, ``min_lrs``), not in
    the optimizer's groups as PyTorch puts them, so that the optimizer's ``state_dict`` keeps
    exactly its own options.
    """

    def __init__(self, optimizer: Optimizer, max_lr, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False):
        name = "OneCycleLR"
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(f"{name}: give total_steps, or epochs and steps_per_epoch")
            _check_positive_int(name, "epochs", epochs)
            _check_positive_int(name, "steps_per_epoch", steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        _check_positive_int(name, "total_steps", total_steps)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{name}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        groups = len(getattr(optimizer, "param_groups", ()))
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        self.max_lrs = _per_group(name, "max_lr", max_lr, groups)
        self.initial_lrs = [lr / div_factor for lr in self.max_lrs]
        self.min_lrs = [lr / final_div_factor for lr in self.initial_lrs]
        start = float(pct_start * total_steps) - 1
        self.phase_ends = ([start, float(2 * pct_start * total_steps) - 2, total_steps - 1]
                           if three_phase else [start, total_steps - 1])
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            defaults = getattr(optimizer, "defaults", {})
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(f"{name}: cycle_momentum needs an optimizer with momentum or "
                                 f"betas, {type(optimizer).__name__} has neither; pass "
                                 "cycle_momentum=False")
            self.max_momentums = _per_group(name, "max_momentum", max_momentum, groups)
            self.base_momentums = _per_group(name, "base_momentum", base_momentum, groups)
        super().__init__(optimizer)

    def _at(self, epoch: int, anchors: list[float]) -> float:
        """The value at ``epoch`` on the piecewise annealing through ``anchors``: in the
        first phase that ends at or after ``epoch`` (the last one past its end)."""
        last = len(self.phase_ends) - 1
        k = next((k for k, end in enumerate(self.phase_ends) if epoch <= end), last)
        start, end = (self.phase_ends[k - 1] if k else 0.0), self.phase_ends[k]
        x, a, b = (epoch - start) / (end - start), anchors[k], anchors[k + 1]
        if self.anneal_strategy == "cos":
            return b + (a - b) / 2.0 * (math.cos(math.pi * x) + 1)
        return (b - a) * x + a

    def _lrs_at(self, epoch):
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: stepped {epoch} times, but total_steps is "
                             f"{self.total_steps}")
        return [self._at(epoch, self._lr_anchors(k)) for k in range(len(self.max_lrs))]

    def _lr_anchors(self, k: int) -> list[float]:
        start, peak, end = self.initial_lrs[k], self.max_lrs[k], self.min_lrs[k]
        return [start, peak, start, end] if len(self.phase_ends) == 3 else [start, peak, end]

    def _momentum_anchors(self, k: int) -> list[float]:
        high, low = self.max_momentums[k], self.base_momentums[k]
        return [high, low, high, high] if len(self.phase_ends) == 3 else [high, low, high]

    def _apply(self) -> None:
        super()._apply()
        if not self.cycle_momentum:
            return
        for k, group in enumerate(self.optimizer.param_groups):
            momentum = self._at(self.last_epoch, self._momentum_anchors(k))
            if "betas" in group:
                group["betas"] = (momentum, *group["betas"][1:])
            else:
                group["momentum"] = momentum


def _check_positive_int(scheduler: str, name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{scheduler}: {name} must be a positive int, got {value!r}")
