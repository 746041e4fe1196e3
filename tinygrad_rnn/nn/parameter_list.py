"""``ParameterList``: a list of parameters registered under the names ``"0"``, ``"1"``, ..."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..tensor import Tensor
from .module import Module, Parameter


class ParameterList(Module):
    """A list of :class:`Parameter` s that a module collects, as PyTorch's: indexable
    (negative indices too), iterable, with ``len``, ``append`` and ``extend``. A tensor
    that is not a Parameter is wrapped in one (so it requires grad).

    >>> import tinygrad_rnn as tg
    >>> weights = ParameterList([Parameter(tg.zeros(2)), tg.ones(3)])
    >>> [(name, p.shape) for name, p in weights.named_parameters()]
    [('0', (2,)), ('1', (3,))]
    """

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    @staticmethod
    def _as_parameter(value) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Tensor):
            return Parameter(value)
        raise TypeError(f"ParameterList: expected a Parameter or a Tensor, got "
                        f"{type(value).__name__}")

    def _position(self, index) -> int:
        if not isinstance(index, (int, np.integer)) or not -len(self) <= index < len(self):
            raise IndexError(f"ParameterList: index {index!r} is out of range for "
                             f"{len(self)} parameters")
        return int(index) % len(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._parameters.values())[index])
        return list(self._parameters.values())[self._position(index)]

    def __setitem__(self, index, value) -> None:
        # NOTE: assigned in place, not re-registered: registering pops the name first, which
        # would move the entry to the end of the (ordered) dict and reorder the list.
        self._parameters[str(self._position(index))] = self._as_parameter(value)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value) -> ParameterList:
        """Add ``value`` at the end; return self."""
        self.register_parameter(str(len(self)), self._as_parameter(value))
        return self

    def extend(self, values) -> ParameterList:
        """Append each of ``values``; return self."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of shape {p.shape}]"
                         for i, p in enumerate(self))
