"""The cell contract's checks: what a cell declares (``state_names``, ``state_sizes``,
``output_size``) and what its ``step`` and ``sequence`` return, each breach a
:class:`CellContractError` that names the cell and the part of the contract it breaks.

The contract itself is stated in :mod:`tinygrad_rnn.nn.cell`, which re-exports these; they
live apart so that the cell compiler, which checks a traced step, needs nothing else of
``nn``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


class CellContractError(TypeError):
    """A cell breaks the cell contract; the message names the cell and the broken part."""


def _who(cell) -> str:
    cls = type(cell)
    return f"cell {cls.__qualname__} ({cls.__module__})"


def _sizes(cell) -> tuple:
    """``(state_sizes, output_size)`` of ``cell``, read once (they may be properties)."""
    try:
        return tuple(cell.state_sizes), cell.output_size
    except AttributeError as error:
        raise CellContractError(f"{_who(cell)} breaks the cell contract: {error} (subclass "
                                f"RecurrentCell for the defaults)") from None


def check_declarations(cell) -> None:
    """Check that ``cell``'s ``state_sizes`` has one positive int per name of
    ``state_names``, and ``output_size`` is a positive int; :class:`CellContractError` if not."""
    (sizes, output_size), names = _sizes(cell), tuple(cell.state_names)
    problems = []
    if len(sizes) != len(names):
        entries = "1 entry" if len(sizes) == 1 else f"{len(sizes)} entries"
        problems.append(f"state_sizes {sizes} has {entries}, state_names {names} has "
                        f"{len(names)}: one size per state tensor")
    if not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
        problems.append(f"state_sizes {sizes} must hold positive ints")
    if not (isinstance(output_size, (int, np.integer)) and output_size > 0):
        problems.append(f"output_size must be a positive int, got {output_size!r}")
    if problems:
        raise CellContractError(f"{_who(cell)} breaks the cell contract: " + "; ".join(problems))


def _check_tensor(cell, where: str, what: str, value, shape: tuple, declared: str) -> None:
    if not isinstance(value, Tensor):
        raise CellContractError(f"{_who(cell)} breaks the cell contract: {where} returned "
                                f"{what} of type {type(value).__name__}, expected a Tensor")
    if value.shape != shape:
        raise CellContractError(f"{_who(cell)} breaks the cell contract: {where} returned "
                                f"{what} of shape {value.shape}, expected {shape} ({declared})")


def check_step_result(cell, result, steps: int | None, batch: int, where: str = "step") -> None:
    """Check what ``cell.step`` (``steps`` None) or ``cell.sequence`` (``steps`` = T) returned
    for a batch of ``batch`` against ``state_names``, ``state_sizes`` and ``output_size``:
    ``(h, new_state)``, h of shape (N, output_size) or (T, N, output_size), ``new_state`` a
    tuple of one (N, size) tensor per state name. :class:`CellContractError` if not."""
    names, (sizes, output_size) = tuple(cell.state_names), _sizes(cell)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CellContractError(f"{_who(cell)} breaks the cell contract: {where} must return "
                                f"(h, new_state), got {type(result).__name__}")
    h, state = result
    lead = (batch,) if steps is None else (steps, batch)
    _check_tensor(cell, where, "the output h", h, (*lead, output_size), "output_size")
    if not isinstance(state, (tuple, list)) or len(state) != len(names):
        got = (f"{len(state)} tensor(s)" if isinstance(state, (tuple, list))
               else type(state).__name__)
        raise CellContractError(f"{_who(cell)} breaks the cell contract: {where} returned a "
                                f"state of {got}; state_names {names} declares {len(names)} "
                                f"(return a tuple in state_names order)")
    for name, size, value in zip(names, sizes, state):
        _check_tensor(cell, where, f"state {name!r}", value, (batch, size), "state_sizes")


def checked_step(cell):
    """``cell.step``, each result checked by :func:`check_step_result`."""
    def step(x, state):
        result = cell.step(x, state)
        check_step_result(cell, result, None, x.shape[0])
        return result
    return step
