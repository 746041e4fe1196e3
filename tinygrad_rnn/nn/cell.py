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
  it must agree with ``step`` run over time (the conformance kit checks this). A
  ``sequence`` that hands its arrays to compiled loops calls :meth:`RecurrentCell.check_sequence`
  first: such loops check no bounds, so a state whose batch differs from the input's would
  be read and written past its end.

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

    def check_sequence(self, x: Tensor, state: tuple[Tensor, ...], lengths=None) -> None:
        """Raise a ValueError (TypeError for a dtype) naming the argument unless ``x`` is
        (T, N, input_size) with T, N >= 1, ``state`` holds one (N, size) tensor per state
        name and ``lengths`` is None or N integers in [1, T]; all of the cell's dtype."""
        name = f"{type(self).__name__}.sequence"
        if not isinstance(state, (tuple, list)):
            raise TypeError(f"{name}: state must be a tuple of tensors {self.state_names}, "
                            f"got {type(state).__name__}")
        if x.ndim != 3 or 0 in x.shape[:2] or x.shape[2] != self.input_size:
            raise ValueError(f"{name}: expected x of shape (T, N, {self.input_size}) with T, N "
                             f">= 1, got {x.shape}")
        if len(state) != len(self.state_names):
            raise ValueError(f"{name}: expected a state of {len(self.state_names)} tensor(s) "
                             f"{self.state_names}, got {len(state)}")
        for part, state_name, size in zip(state, self.state_names, self.state_sizes):
            if part.shape != (x.shape[1], size):
                raise ValueError(f"{name}: expected state {state_name!r} of shape "
                                 f"{(x.shape[1], size)} (the batch of x, {size} features), "
                                 f"got {part.shape}")
        for what, value in (("x", x), *zip(self.state_names, state)):
            if value.dtype != self.dtype:
                raise TypeError(f"{name}: {what} has dtype {value.dtype}, the cell's is {self.dtype}")
        check_lengths(name, lengths, *x.shape[:2])

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


def check_lengths(owner: str, lengths, steps: int, batch: int) -> np.ndarray | None:
    """``lengths`` (None, or one integer in [1, ``steps``] per sequence) as an array, or a
    TypeError or ValueError naming ``owner``."""
    if lengths is None:
        return None
    lengths = np.asarray(lengths)
    if not lengths.size:   # NOTE: [] for an empty batch becomes float64 in NumPy
        lengths = lengths.astype(np.int64)
    if lengths.dtype.kind not in "iu":
        raise TypeError(f"{owner}: lengths must be integers, got dtype {lengths.dtype}")
    if lengths.shape != (batch,):
        raise ValueError(f"{owner}: expected {batch} lengths (one per sequence), got shape {lengths.shape}")
    if lengths.size and (lengths.min() < 1 or lengths.max() > steps):
        raise ValueError(
            f"{owner}: lengths must lie in [1, {steps}] (the number of time steps), "
            f"got values from {lengths.min()} to {lengths.max()}"
        )
    return lengths
