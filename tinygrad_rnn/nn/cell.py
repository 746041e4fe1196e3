"""The cell contract: what a recurrent cell plugin provides.

A cell is one time step of a recurrence. It subclasses :class:`RecurrentCell` and gives:

* ``__init__(self, input_size, hidden_size, bias=True, dtype=np.float32, **options)``,
  creating its parameters with PyTorch's names (``weight_ih``, ``weight_hh``, ``bias_ih``,
  ``bias_hh``, plus any of its own) in PyTorch's registration order;
* ``state_names``, a class attribute naming the state tensors: ``("h",)`` for the RNN and
  the GRU, ``("h", "c")`` for the LSTM. Every state tensor starts at zero;
* ``step(self, x, state) -> (h, new_state)``: one time step for a batch, ``x`` of shape
  (N, input_size), ``state`` a tuple of (N, size) tensors in ``state_names`` order, ``h``
  the step's output (N, output_size). Written with engine ops, so autograd derives the
  backward;
* optionally ``sequence(self, x, state, lengths, reverse) -> (output, final_state)``: the
  whole sequence at once, for speed. When a cell has one, the recurrent layer uses it;
  it must agree with ``step`` run over time (the conformance kit checks this).

Everything else (stacking, both directions, ``lengths``, ``batch_first``, dropout between
layers, PyTorch's state-dict names) is the recurrent layer's job, not the cell's.
"""

from __future__ import annotations

import numpy as np

from ..random import default_generator
from ..tensor import Tensor
from .module import Module, Parameter


class RecurrentCell(Module):
    """Base class of recurrent cells. See the module docstring for the contract.

    Calling a cell runs one step with PyTorch's single-step API: ``cell(x, hx=None)``
    returns the new state (a tensor when the cell has one state, else a tuple), with ``hx``
    defaulting to zeros; ``x`` may be batched (N, input_size) or unbatched (input_size,).
    """

    state_names: tuple[str, ...] = ("h",)
    sequence = None

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype=np.float32):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int, got {value!r}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        self.dtype = np.dtype(dtype)

    # ------------------------------------------------------------ sizes and state

    @property
    def state_sizes(self) -> tuple[int, ...]:
        """The feature size of each state tensor (all ``hidden_size`` unless overridden)."""
        return (self.hidden_size,) * len(self.state_names)

    @property
    def output_size(self) -> int:
        """The feature size of ``h``, the step's output."""
        return self.state_sizes[0]

    def initial_state(self, batch_size: int) -> tuple[Tensor, ...]:
        """Zeros for every state tensor, each (batch_size, size)."""
        return tuple(Tensor(np.zeros((batch_size, size), self.dtype)) for size in self.state_sizes)

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        raise NotImplementedError

    # ------------------------------------------------------------ parameters

    def create_parameters(self, num_gates: int, **extra_shapes) -> None:
        """Register ``weight_ih`` (G·H, I), ``weight_hh`` (G·H, H'), ``bias_ih`` and
        ``bias_hh`` (G·H,) (None without ``bias``, as PyTorch), then ``extra_shapes`` in
        order, all drawn from U(-1/√H, 1/√H) as PyTorch's recurrent layers. H' is
        ``output_size``: the size of the ``h`` that feeds back.
        """
        G, H = num_gates, self.hidden_size
        shapes = {"weight_ih": (G * H, self.input_size), "weight_hh": (G * H, self.output_size)}
        if self.bias:
            shapes.update(bias_ih=(G * H,), bias_hh=(G * H,))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        shapes.update(extra_shapes)
        bound = 1.0 / np.sqrt(H)
        for name, shape in shapes.items():
            values = default_generator().uniform(-bound, bound, shape).astype(self.dtype)
            setattr(self, name, Parameter(values))

    # ------------------------------------------------------------ PyTorch's single-step API

    def forward(self, x, hx=None):
        x = x if isinstance(x, Tensor) else Tensor(x)
        batched = x.ndim == 2
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        x = x if batched else x.reshape(1, -1)
        if hx is None:
            state = self.initial_state(x.shape[0])
        else:
            state = (hx,) if isinstance(hx, Tensor) else tuple(hx)
            state = state if batched else tuple(s.reshape(1, -1) for s in state)
        _, state = self.step(x, state)
        state = state if batched else tuple(s.reshape(-1) for s in state)
        return state[0] if len(state) == 1 else state

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
