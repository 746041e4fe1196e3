"""Adagrad: each weight's step shrinks with the sum of its squared gradients."""

import numpy as np

from .optimizer import Optimizer, check_hyperparameter


class Adagrad(Optimizer):
    r"""Adagrad, the optimizer of the classic character-level RNN (min-char-rnn).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            && \text{(weight decay, when } \lambda \neq 0) \\
        s_t &= s_{t-1} + g_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma \, g_t / (\sqrt{s_t} + \epsilon)

    where :math:`s_0` is ``initial_accumulator_value`` (everywhere), :math:`\gamma` ``lr``
    and :math:`\lambda` ``weight_decay``. Weights that have seen large gradients take small
    steps; rarely updated ones (rare characters' embeddings) keep large steps.

    Args:
        params: tensors, or dicts of parameter groups (see :class:`Optimizer`).
        lr: :math:`\gamma`.
        eps: :math:`\epsilon`, keeps the first division finite.
        weight_decay: :math:`\lambda \ge 0`.
        initial_accumulator_value: :math:`s_0 \ge 0`.

    State per parameter: ``step`` (int), ``sum`` (:math:`s`).
    """

    def __init__(self, params, lr: float = 1e-2, eps: float = 1e-10, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0):
        super().__init__(params, dict(lr=lr, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value))

    def _check_group(self, group):
        for option in ("lr", "eps", "weight_decay", "initial_accumulator_value"):
            check_hyperparameter("Adagrad", option, group[option])

    def _update(self, param, grad, group, state):
        if not state:
            state.update(step=0, sum=np.full_like(param.array, group["initial_accumulator_value"]))
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.array
        state["step"] += 1
        state["sum"] += grad * grad
        param.array -= group["lr"] * grad / (np.sqrt(state["sum"]) + group["eps"])
