"""Loss modules: each holds its options and calls the function of the same name in
:mod:`tinygrad_rnn.nn.functional` as ``loss(input, target)``, as PyTorch's do.

``weight`` and ``pos_weight`` are constants (no gradient flows to them) kept as plain
attributes, not in the state dict.
"""

from __future__ import annotations

from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss with a ``reduction`` ("mean", "sum" or "none") and keyword options."""

    function = None

    def __init__(self, reduction: str = "mean", **options):
        super().__init__()
        self.reduction, self.options = reduction, options

    def forward(self, input, target):  # noqa: A002
        return type(self).function(input, target, reduction=self.reduction, **self.options)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.cross_entropy`: logits ``(N, C, d1, ...)``
    (classes on axis 1) against integer targets ``(N, d1, ...)``."""

    function = staticmethod(F.cross_entropy)

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.nll_loss`: log-probabilities against integer
    targets, shaped as for :class:`CrossEntropyLoss`."""

    function = staticmethod(F.nll_loss)

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)


class MSELoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.mse_loss`: (input - target)²."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.l1_loss`: ``|input - target|``."""

    function = staticmethod(F.l1_loss)


class BCELoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.binary_cross_entropy` of probabilities."""

    function = staticmethod(F.binary_cross_entropy)

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction, weight=weight)


class BCEWithLogitsLoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.binary_cross_entropy_with_logits`: a sigmoid and
    the binary cross-entropy in one stable step."""

    function = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class SmoothL1Loss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.smooth_l1_loss`: quadratic below ``beta``, linear
    above."""

    function = staticmethod(F.smooth_l1_loss)

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction, beta=beta)


class HuberLoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.huber_loss`: quadratic up to ``delta``, linear
    beyond."""

    function = staticmethod(F.huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction, delta=delta)


class KLDivLoss(_Loss):
    """:func:`~tinygrad_rnn.nn.functional.kl_div`: log-probabilities ``input`` against the
    probabilities (``log_target``: log-probabilities) ``target``."""

    function = staticmethod(F.kl_div)

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction, log_target=log_target)
