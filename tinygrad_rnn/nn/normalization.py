"""``LayerNorm``: each example normalised over its last dims, then scaled and shifted."""

from __future__ import annotations

import numpy as np

from . import functional as F
from .module import Module, Parameter


class LayerNorm(Module):
    r"""y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the last dims.

    where:
        - x: ``(*, *normalized_shape)``; the mean E[x] and the biased variance Var[x]
          are taken over the trailing ``normalized_shape`` dims of each example;
        - ``weight`` (ones) and ``bias`` (zeros): ``normalized_shape``, present when
          ``elementwise_affine`` (``bias`` also needs ``bias=True``).

    >>> import tinygrad_rnn as tg
    >>> norm = LayerNorm(4)
    >>> y = norm(tg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> [round(v, 4) for v in y.tolist()[0]]
    [-1.3416, -0.4472, 0.4472, 1.3416]
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=np.float32):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        if not shape or not all(isinstance(n, (int, np.integer)) and n > 0 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive ints, got "
                             f"{normalized_shape!r}")
        from ..dtypes import check_device
        check_device(device, "LayerNorm")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine \
            else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) \
            if elementwise_affine and bias else None

    def reset_parameters(self) -> None:
        """Weight back to ones, bias to zeros."""
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
