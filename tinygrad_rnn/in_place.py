"""PyTorch's in-place methods (the name ends in ``_``): each changes the tensor's own values
and returns the tensor, under the rules of ``+=`` (see ``Tensor._check_in_place``).

Outside ``no_grad`` an in-place change of a leaf that requires grad raises PyTorch's error,
and one that would pass through a recorded graph (the tensor is an op's result that
requires grad, or the other operand requires grad) raises an error that names the
out-of-place form: the engine keeps no version counters, so it cannot tell a safe change
of a saved value from an unsafe one, and it never makes the unsafe one. On a tensor cut
from the graph (``p.data``, ``x.detach()``) every one of them works, and changes the values
that the tensor shares with its source, as in PyTorch:

>>> import tinygrad_rnn as tg
>>> p = tg.tensor([1.0, 2.0], requires_grad=True)
>>> p.data.add_(tg.tensor([10.0, 10.0]), alpha=-0.5)
tensor([-4., -3.])
>>> p
tensor([-4., -3.], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from .random import numpy_generator
from .tensor import Tensor


def _value(other):
    return other.data if isinstance(other, Tensor) else other


def _check_fits(where: str, what: str, shape, target) -> None:
    try:
        fits = np.broadcast_shapes(shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{where}: a {what} of shape {shape} does not broadcast to {target}")


def _apply(self: Tensor, ufunc, other, alpha=1) -> Tensor:
    self._check_in_place(other)
    value = _value(other) if alpha == 1 else np.multiply(_value(other), alpha)
    ufunc(self.data, value, out=self.data, casting="same_kind")
    return self


def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    """self += alpha * other."""
    return _apply(self, np.add, other, alpha)


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    """self -= alpha * other."""
    return _apply(self, np.subtract, other, alpha)


def mul_(self: Tensor, other) -> Tensor:
    """self *= other."""
    return _apply(self, np.multiply, other)


def div_(self: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    """self /= other; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient."""
    if rounding_mode is None:
        return _apply(self, np.true_divide, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    self._check_in_place(other)
    quotient = np.true_divide(self.data, _value(other))
    self.data[...] = np.trunc(quotient) if rounding_mode == "trunc" else np.floor(quotient)
    return self


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast to this shape, cast to this dtype) into the tensor."""
    self._check_in_place(src)
    src = np.asarray(_value(src))
    _check_fits("copy_", "source", src.shape, self.shape)
    self.data[...] = src
    return self


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit the values to [min, max] in place."""
    if min is None and max is None:
        raise ValueError("clamp_: give at least one of min and max")
    self._check_in_place(min if isinstance(min, Tensor) else max)
    np.clip(self.data, _value(min), _value(max), out=self.data)
    return self


def masked_fill_(self: Tensor, mask, value) -> Tensor:
    """Set the places where the boolean ``mask`` (broadcast to this shape) is true to
    ``value``."""
    self._check_in_place(value)
    mask = np.asarray(_value(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill_: mask must be a boolean tensor, got {mask.dtype}")
    _check_fits("masked_fill_", "mask", mask.shape, self.shape)
    np.copyto(self.data, _value(value), where=mask, casting="unsafe")
    return self


def _draw(self: Tensor, where: str, values) -> Tensor:
    if self.dtype.kind != "f":
        raise TypeError(f"{where}: expected a float tensor, got {self.dtype}")
    self._check_in_place()
    self.data[...] = values
    return self


def uniform_(self: Tensor, from_=0.0, to=1.0, *, generator=None, **bounds) -> Tensor:
    """Fill with values drawn uniformly from [from, to) (``from`` may be given by keyword,
    as PyTorch's ``uniform_(from=..., to=...)``)."""
    from_ = bounds.pop("from", from_)
    if bounds:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(bounds)}")
    values = numpy_generator(generator).uniform(from_, to, self.shape)
    return _draw(self, "uniform_", values)


def normal_(self: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fill with values drawn from the normal distribution N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _draw(self, "normal_", numpy_generator(generator).normal(mean, std, self.shape))
