"""Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 decay."""

import numpy as np

from .optimizer import Optimizer, check_hyperparameter


class SGD(Optimizer):
    r"""Stochastic gradient descent.

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
            && \text{(weight decay, when } \lambda \neq 0) \\
        b_t &= \begin{cases} g_t & t = 1 \\
                              \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases}
            && \text{(momentum, when } \mu \neq 0) \\
        g_t &\leftarrow \begin{cases} g_t + \mu b_t & \text{nesterov} \\
                                      b_t & \text{otherwise} \end{cases} \\
        \theta_t &= \theta_{t-1} - \gamma g_t

    where :math:`\gamma` is ``lr``, :math:`\mu` ``momentum``, :math:`\tau` ``dampening`` and
    :math:`\lambda` ``weight_decay``. The first momentum buffer is the gradient itself (not
    a damped one). Without momentum the update is plain :math:`\theta - \gamma g`.

    Args:
        params: tensors, or dicts of parameter groups (see :class:`Optimizer`).
        lr: the learning rate :math:`\gamma`, required.
        momentum: :math:`\mu \ge 0`.
        dampening: :math:`\tau \in [0, 1]`, how much of the new gradient to drop.
        nesterov: look ahead along the momentum (needs ``momentum > 0`` and no dampening).
        weight_decay: :math:`\lambda \ge 0`, an L2 penalty added to the gradient.

    State per parameter: ``momentum_buffer`` (an array, only with momentum).

    >>> import numpy as np, tinygrad_rnn as tg
    >>> w = tg.tensor([1.0, 2.0])
    >>> w.grad = tg.tensor([0.5, -1.0])
    >>> SGD([w], lr=0.1).step()
    >>> print(w)
    tensor([0.9500, 2.1000])
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay))

    def _check_group(self, group):
        check_hyperparameter("SGD", "lr", group["lr"])
        check_hyperparameter("SGD", "momentum", group["momentum"])
        check_hyperparameter("SGD", "dampening", group["dampening"], high=1.0)
        check_hyperparameter("SGD", "weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, param, grad, group, state):
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param.array
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad, dtype=param.dtype, copy=True)
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1.0 - group["dampening"]) * grad
            buffer = state["momentum_buffer"]
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param.array -= group["lr"] * grad
