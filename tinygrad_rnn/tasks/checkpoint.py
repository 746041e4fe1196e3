"""A training run's checkpoint: everything needed to go on exactly where it stopped.

One safetensors file (see :mod:`tinygrad_rnn.serialization`) holds

- the model's arrays under their state-dict names, and the optimizer's state;
- arrays a task carries from one batch to the next (the hidden state of truncated BPTT),
  under ``carry.{name}``;
- in the metadata: the step, the training seconds so far, the learning-rate scheduler's
  state, the data position, and the state of every random generator — the batch sampler's
  and the package's (initialisation, dropout) — as the JSON dict of its bit generator
  (``Generator.bit_generator.state``). Nothing is pickled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import serialization
from ..random import default_generator

_CARRY = "carry."


@dataclass
class TrainingState:
    """What a checkpoint restores besides the model's and the optimizer's arrays."""

    step: int
    seconds: float
    position: object
    carry: dict


def save(path, model, optimizer, scheduler, *, step: int, seconds: float,
         batch_rng: np.random.Generator, carry: dict, position) -> None:
    """Write the checkpoint of ``step`` to ``path`` atomically."""
    arrays = {**model.state_dict(), **{_CARRY + name: value for name, value in carry.items()}}
    metadata = {
        "step": step, "seconds": seconds, "position": position,
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "generators": {"batches": batch_rng.bit_generator.state,
                       "package": default_generator().bit_generator.state},
    }
    serialization.save(path, optimizer=optimizer, metadata=metadata, tensors=arrays)


def _one_line(error: Exception) -> str:
    """An error's message, its lines (e.g. one per mismatched array) joined on one line."""
    return " ".join(line.strip() for line in str(error).splitlines())


def load_model(path, model) -> None:
    """Load only the model's arrays from the checkpoint ``path`` (to use a trained model)."""
    arrays = serialization.load(path).model_state
    try:
        model.load_state_dict({k: v for k, v in arrays.items() if not k.startswith(_CARRY)})
    except ValueError as error:
        raise serialization.CheckpointError(f"{path}: does not fit the model: {_one_line(error)}") from None


def load(path, model, optimizer, scheduler, batch_rng: np.random.Generator) -> TrainingState:
    """Restore the model, the optimizer, the scheduler and both generators from ``path``.

    Raises:
        CheckpointError: the file is corrupted or does not fit the model or optimizer.
    """
    saved = serialization.load(path)
    arrays = saved.model_state
    carry = {name[len(_CARRY):]: value for name, value in arrays.items() if name.startswith(_CARRY)}
    try:
        model.load_state_dict({k: v for k, v in arrays.items() if not k.startswith(_CARRY)})
        optimizer.load_state_dict(saved.optimizer_state)
        metadata = saved.metadata
        if scheduler is not None:
            scheduler.load_state_dict(metadata["scheduler"])
        batch_rng.bit_generator.state = metadata["generators"]["batches"]
        default_generator().bit_generator.state = metadata["generators"]["package"]
        return TrainingState(metadata["step"], metadata["seconds"], metadata["position"], carry)
    except (ValueError, KeyError, TypeError) as error:
        raise serialization.CheckpointError(f"{path}: does not fit this run: {_one_line(error)}") from None
