"""Adam (L2 decay added to the gradient) and AdamW (decay applied to the weights)."""

import numpy as np

from .optimizer import Optimizer, check_hyperparameter


class Adam(Optimizer):
    r"""Adam: steps scaled by running averages of the gradient and of its square.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \dots`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            && \text{(L2 weight decay, when } \lambda \neq 0) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    with :math:`m_0 = v_0 = 0`; dividing by :math:`1 - \beta^t` undoes the pull of those
    zeros towards 0 in early steps. :math:`\gamma` is ``lr``, :math:`\lambda`
    ``weight_decay``. Here the decay is added to the gradient, so it is rescaled by
    :math:`\sqrt{\hat v_t}` like the gradient is; :class:`AdamW` decouples it.

    Args:
        params: tensors, or dicts of parameter groups (see :class:`Optimizer`).
        lr: the learning rate :math:`\gamma`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon`, keeps the division finite.
        weight_decay: :math:`\lambda \ge 0`.

    State per parameter: ``step`` (int), ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`).
    """

    _decoupled = False  # NOTE: AdamW's only difference, see _update

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def _check_group(self, group):
        name = type(self).__name__
        check_hyperparameter(name, "lr", group["lr"])
        check_hyperparameter(name, "eps", group["eps"])
        check_hyperparameter(name, "weight_decay", group["weight_decay"])
        if len(group["betas"]) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {group['betas']}")
        for k, beta in enumerate(group["betas"]):
            check_hyperparameter(name, f"betas[{k}]", beta, high=1.0, high_open=True)

    def _update(self, param, grad, group, state):
        lr, (beta1, beta2), decay = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param.array),
                         exp_avg_sq=np.zeros_like(param.array))
        if decay != 0:
            if self._decoupled:
                param.array *= 1.0 - lr * decay  # AdamW: shrink the weights directly
            else:
                grad = grad + decay * param.array  # Adam: L2 term joins the gradient
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        param.array -= lr * m_hat / (np.sqrt(v_hat) + group["eps"])


class AdamW(Adam):
    r"""Adam with decoupled weight decay: the weights shrink directly, not through the gradient.

    .. math::

        \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \gamma \lambda) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    The gradient :math:`g_t` carries no decay term, so every weight shrinks by the same
    factor whatever its gradient history (with :class:`Adam`'s L2 term, weights with large
    past gradients would be decayed less). Arguments and state as :class:`Adam`; the default
    ``weight_decay`` is 0.01.
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
