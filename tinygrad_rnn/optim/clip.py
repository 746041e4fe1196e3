"""Gradient clipping: rescale all gradients to a maximum total norm, or clamp each value.

RNN gradients can explode through long products of recurrent Jacobians; clipping the norm
keeps the step's direction and bounds its length.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor


def _grads(op: str, params) -> list[np.ndarray]:
    """The gradients (not None) of one tensor or an iterable of tensors."""
    params = [params] if isinstance(params, Tensor) else list(params)
    for param in params:
        if not isinstance(param, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(param).__name__}")
    return [p.grad.array for p in params if p.grad is not None]


# Elements per block of :func:`total_norm`: a float64 block of 2 MiB.
NORM_BLOCK = 1 << 18


def total_norm(grads, norm_type: float = 2.0) -> float:
    """The ``norm_type``-norm of all ``grads`` joined into one vector, in float64."""
    # NOTE: the p-norm of per-block p-norms equals the p-norm of the concatenation. Blocks
    # in float64 keep float32 squares from overflowing without a float64 copy of a whole
    # gradient (an embedding's is tens of MB, allocated afresh at every step).
    norms = [np.linalg.norm(block.astype(np.float64), norm_type)
             for g in grads for block in _blocks(g.reshape(-1))]
    return float(np.linalg.norm(np.array(norms), norm_type)) if norms else 0.0


def _blocks(flat: np.ndarray):
    return (flat[i:i + NORM_BLOCK] for i in range(0, flat.size, NORM_BLOCK))


def clip_grad_norm_(params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    r"""Scale all gradients together so that their total norm is at most ``max_norm``.

    .. math::

        \begin{aligned}
        N &= \Big(\sum_{\text{grads}} \sum_i |g_i|^p\Big)^{1/p}
             \quad (N = \max |g_i| \text{ for } p = \infty), \\
        \kappa &= \frac{\text{max\_norm}}{N + 10^{-6}}, \qquad
        g \leftarrow \kappa \, g \ \text{ when } \kappa < 1
        \end{aligned}

    One norm :math:`N` over every gradient (as if concatenated) and one factor
    :math:`\kappa` for all, so the direction of the whole update is unchanged. Gradients change in place;
    parameters whose ``.grad`` is None are skipped.

    Args:
        params: a tensor or an iterable of tensors.
        max_norm: the largest total norm allowed, >= 0.
        norm_type: :math:`p > 0`, or ``math.inf`` for the largest absolute value.
        error_if_nonfinite: raise ``RuntimeError`` when :math:`N` is NaN or infinite.
            NOTE: otherwise an infinite :math:`N` gives :math:`\kappa = 0`, which turns the
            infinite entries into NaN (0 · inf), as PyTorch does.

    Returns:
        :math:`N`, the total norm before clipping, as a 0-d tensor (as PyTorch; float32
        unless every gradient is float64).
    """
    grads = _grads("clip_grad_norm_", params)
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    total = total_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0:
        for grad in grads:
            grad *= coefficient
    dtype = np.result_type(np.float32, *(g.dtype for g in grads))
    return Tensor(np.asarray(total, dtype))


def clip_grad_value_(params, clip_value: float) -> None:
    """Clamp every gradient entry into ``[-clip_value, clip_value]``, in place.

    Unlike :func:`clip_grad_norm_` this can change the direction of the update.
    Parameters whose ``.grad`` is None are skipped.
    """
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for grad in _grads("clip_grad_value_", params):
        np.clip(grad, -clip_value, clip_value, out=grad)
