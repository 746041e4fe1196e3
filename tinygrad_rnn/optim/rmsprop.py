"""RMSprop: steps divided by a running root mean square of the gradient."""

import numpy as np

from .optimizer import Optimizer, check_hyperparameter


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), with PyTorch's options.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1} && \text{(when } \lambda \neq 0) \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t && \text{(centered)} \\
        s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon && \text{(centered)} \\
        s_t &= \sqrt{v_t} + \epsilon && \text{(otherwise)} \\
        b_t &= \mu b_{t-1} + g_t / s_t && \text{(when } \mu > 0) \\
        \theta_t &= \theta_{t-1} - \gamma b_t && \text{(when } \mu > 0) \\
        \theta_t &= \theta_{t-1} - \gamma g_t / s_t && \text{(otherwise)}

    with :math:`v_0 = \bar g_0 = b_0 = 0`. :math:`v` estimates the mean square of the
    gradient over the last :math:`\approx 1 / (1 - \alpha)` steps; centered, :math:`v_t -
    \bar g_t^2` estimates its variance instead. :math:`\gamma` is ``lr``, :math:`\mu`
    ``momentum``, :math:`\lambda` ``weight_decay`` (the first line is the weight decay, the
    lines with :math:`b_t` the momentum).

    Args:
        params: tensors, or dicts of parameter groups (see :class:`Optimizer`).
        lr: :math:`\gamma`.
        alpha: :math:`\alpha \in [0, 1]`, the smoothing constant.
        eps: :math:`\epsilon`, keeps the division finite.
        weight_decay: :math:`\lambda \ge 0`.
        momentum: :math:`\mu \ge 0`.
        centered: divide by the estimated standard deviation rather than the root mean square.

    State per parameter: ``step`` (int), ``square_avg`` (:math:`v`), ``grad_avg``
    (:math:`\bar g`, centered only), ``momentum_buffer`` (:math:`b`, with momentum only).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_group(self, group):
        for option in ("lr", "eps", "weight_decay", "momentum"):
            check_hyperparameter("RMSprop", option, group[option])
        check_hyperparameter("RMSprop", "alpha", group["alpha"], high=1.0)

    def _update(self, param, grad, group, state):
        theta = param.array   # the one place this optimizer reaches the parameter's array
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(theta))
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(theta)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(theta)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * theta
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha
        v += (1.0 - alpha) * grad * grad
        if group["centered"]:
            mean = state["grad_avg"]
            mean *= alpha
            mean += (1.0 - alpha) * grad
            scale = np.sqrt(v - mean * mean) + group["eps"]
        else:
            scale = np.sqrt(v) + group["eps"]
        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / scale
            theta -= group["lr"] * buffer
        else:
            theta -= group["lr"] * grad / scale
