r"""The cell contract: what a recurrent cell plugin provides.

A cell is one time step of a recurrence. It subclasses :class:`RecurrentCell` and gives:

* ``__init__(self, input_size, hidden_size, bias=True, dtype=np.float32, **options)``,
  creating its parameters with PyTorch's names (``weight_ih``, ``weight_hh``, ``bias_ih``,
  ``bias_hh``, plus any of its own) in PyTorch's registration order. An option value the
  cell cannot take raises a ``ValueError`` that names the option and what it accepts;
* ``state_names``, a class attribute naming the state tensors: ``("h",)`` for the RNN and
  the GRU, ``("h", "c")`` for the LSTM. Every state tensor starts at zero;
* ``step(self, x, state) -> (h, new_state)``: one time step for a batch, ``x`` of shape
  (N, input_size), ``state`` a tuple of (N, size) tensors in ``state_names`` order, ``h``
  the step's output (N, output_size) and ``new_state`` a tuple like ``state``. Written with
  engine ops, so autograd derives the backward;
* optionally ``sequence(self, x, state, lengths, reverse) -> (output, final_state)``: the
  whole sequence at once, for speed (see "A whole-sequence path" below);
* optionally ``fused_step(self, x, state) -> (h, new_state)``: what ``step`` computes, as
  one graph node, for a cell called step by step (``cell(x, hx)``). A cell whose
  ``sequence`` is a :class:`~tinygrad_rnn.nn.fused.FusedRecurrence` writes it as
  ``return run_step(Subclass, self, x, state, **options)``
  (:func:`tinygrad_rnn.nn.cell_step.run_step`); without it, the kernels generated from
  ``step`` (one node too) when it compiles, else ``step`` op by op.

Everything else (stacking, both directions, ``lengths``, ``batch_first``, dropout between
layers, PyTorch's state-dict names) is the recurrent layer's job, not the cell's. The layer
holds the cell to this contract: :func:`check_declarations` when it builds the cell, and
each ``step`` or ``sequence`` result (:func:`check_step_result`) as it runs; a breach is a
:class:`CellContractError` that names the cell and the part of the contract it breaks.

**Sizes.** ``state_sizes`` (the feature size of each state tensor, in ``state_names``
order) is ``hidden_size`` for each by default, and ``output_size`` (the size of ``h``, the
output that the next layer reads) is the first state's size. A cell may override either
property: the LSTM with a projection has ``state_sizes = (P, H)`` for ``(h, c)``; a cell
whose output is not a state at all returns its own ``h`` from ``step`` and says its size
in ``output_size``. The output need not be the first state tensor.

**Parameters of other shapes.** :meth:`RecurrentCell.create_parameters` registers the
stacked weights and any extra parameters by keyword; a keyword named like a standard one
replaces that one's shape and keeps its place in the order, so an IndRNN, whose recurrent
weight is one number per unit, writes ``self.create_parameters(1, weight_hh=(H,))``. Every
parameter is drawn from U(-1/√H, 1/√H) with :func:`tinygrad_rnn.nn.init.uniform_`; to
initialise one otherwise, call another public initialiser of :mod:`tinygrad_rnn.nn.init` on
it afterwards (``init.uniform_(self.weight_hh, 0.0, 1.0)``, ``init.orthogonal_``). These
draw from the package's generator, so ``tinygrad_rnn.manual_seed`` reproduces them.

**A whole-sequence path.** ``sequence(x, state, lengths, reverse)`` takes the whole
(T, N, input_size) input and returns the (T, N, output_size) output and the final state
tuple. When a cell has one, the layer uses it (``fused=False`` or
``TINYGRAD_RNN_STEPWISE=1`` forces ``step``); it must agree with ``step`` run over time by
:func:`~tinygrad_rnn.nn.recurrent.run_cell`: with ``lengths``, a sequence past its length
keeps its state and outputs zeros; with ``reverse``, the loop runs from the last step to
the first. Two ways to write one:

* compose it from engine ops and hand a per-step function to
  :func:`~tinygrad_rnn.nn.scan` (the input projection of all steps as one product, the
  loop in Python);
* subclass :class:`~tinygrad_rnn.nn.fused.FusedRecurrence` and write the time loop over
  arrays, forward and backward (``recurrence_forward``, ``recurrence_backward``; see that
  module for their arguments); ``sequence`` is then
  ``return Subclass.run(self, x, state, lengths, reverse, **options)``. The built-in
  cells do this with Numba kernels. ``run`` calls :meth:`RecurrentCell.check_sequence`
  first (compiled loops check no bounds, so a state whose batch differs from the input's
  would be read and written past its end) and computes every weight gradient but the
  loop's own; any memory layout of the arguments gives the contiguous result.

A cell without ``sequence`` whose step compiles (:mod:`tinygrad_rnn.compiler`, as the
``mgu`` plugin's does) gets one generated from its ``step``. Either way, the conformance
kit's ``sequence`` check
(:func:`tinygrad_rnn.testing.check_cell`) compares output, final state and every gradient
with the step-by-step path.
"""

from __future__ import annotations

import os

import numpy as np

from .. import compiler
from ..tensor import Tensor
from . import init
from .contract import (CellContractError, check_declarations, check_step_result,  # noqa: F401
                       checked_step)
from .module import Module, Parameter


STEPWISE_ENV = "TINYGRAD_RNN_STEPWISE"


def use_fused(fused: bool | str | None) -> bool:
    """Whether to take a whole-sequence path: ``fused`` if given, else true unless the
    environment variable ``TINYGRAD_RNN_STEPWISE=1`` forces the step-by-step path."""
    if fused not in (None, True, False, "generated"):
        raise ValueError(f"fused must be None, True, False or 'generated', got {fused!r}")
    if fused is not None:
        return bool(fused)
    return os.environ.get(STEPWISE_ENV, "") not in ("1", "true", "yes")


class RecurrentCell(Module):
    """Base class of recurrent cells. See the module docstring for the contract.

    Calling a cell runs one step with PyTorch's single-step API: ``cell(x, hx=None)``
    returns the new state (a tensor when the cell has one state, else a tuple), with ``hx``
    defaulting to zeros; ``x`` may be batched (N, input_size) or unbatched (input_size,).
    The step is one graph node when it can be: the cell's ``fused_step`` when it has one
    (:mod:`tinygrad_rnn.nn.cell_step`), else the kernels generated from its ``step``
    (:mod:`tinygrad_rnn.compiler`) when it compiles; else ``step`` runs op by op, as it
    always does under ``TINYGRAD_RNN_STEPWISE=1``.
    """

    state_names: tuple[str, ...] = ("h",)
    sequence = None
    fused_step = None

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
        """The feature size of ``h``, the step's output: the first state's size unless
        overridden (the output need not be a state tensor)."""
        return self.state_sizes[0]

    def initial_state(self, batch_size: int) -> tuple[Tensor, ...]:
        """Zeros for every state tensor, each (batch_size, size)."""
        return tuple(Tensor(np.zeros((batch_size, size), self.dtype)) for size in self.state_sizes)

    def step(self, x: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        raise NotImplementedError

    def check_sequence(self, x: Tensor, state: tuple[Tensor, ...], lengths=None,
                       where: str | None = None) -> None:
        """Raise a ValueError (TypeError for a dtype) naming the argument unless ``x`` is
        (T, N, input_size) with T, N >= 1, ``state`` holds one (N, size) tensor per state
        name and ``lengths`` is None or N integers in [1, T]; all of the cell's dtype. The
        message starts with ``where`` (default: ``CellName.sequence``)."""
        name = where or f"{type(self).__name__}.sequence"
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

    def checked_choice(self, option: str, value, choices):
        """``value`` when it is one of ``choices`` (an option such as the RNN's
        ``nonlinearity``), else a ValueError naming the cell, the option and the choices."""
        if value not in choices:
            raise ValueError(f"{type(self).__name__}: unknown {option} {value!r}; expected one "
                             f"of {', '.join(map(repr, choices))}")
        return value

    def create_parameters(self, num_gates: int, **extra_shapes) -> None:
        """Register ``weight_ih`` (G·H, I), ``weight_hh`` (G·H, H'), ``bias_ih`` and
        ``bias_hh`` (G·H,) (None without ``bias``, as PyTorch), then ``extra_shapes`` in
        order, all drawn from U(-1/√H, 1/√H) as PyTorch's recurrent layers, by
        :func:`tinygrad_rnn.nn.init.uniform_`. H' is ``output_size``: the size of the ``h``
        that feeds back. An extra shape named like a standard parameter replaces its shape
        and keeps its place (``weight_hh=(H,)`` for a recurrent weight per unit).
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
            parameter = Parameter(np.empty(shape, self.dtype))
            setattr(self, name, init.uniform_(parameter, -bound, bound))

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
        if self.fused_step is not None:
            _, state = self.fused_step(x, state)
        elif use_fused(None) and compiler.why_not(self) is None:
            # NOTE: the kernels generated from the step, over a sequence of one step: one
            # graph node, as a hand-written fused_step
            _, state = compiler.run(self, x.reshape(1, *x.shape), state)
        else:
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
