"""Pieces the tasks share: the recurrent layer their options ask for, the summary of a
batch of sequences that such a layer leaves behind, a model of token ids built around such a
layer, padding, random batches of padded rows, and training data kept apart from the test
data.

Shapes: N sequences, T steps, H hidden features, L layers, D = 2 when bidirectional else 1.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..nn import Embedding, Linear, Module, Recurrent
from ..tensor import Tensor


def dtype_of(config: dict) -> np.dtype:
    """The parameters' and inputs' dtype named by ``config["dtype"]``."""
    return np.dtype(config["dtype"])


def recurrent(config: dict, input_size: int, bidirectional: bool | None = None,
              batch_first: bool = True) -> Recurrent:
    """A ``Recurrent`` layer (batch-first unless told) of ``config``'s cell, size, depth,
    dropout and direction(s), over inputs of ``input_size`` features; ``bidirectional``
    overrides the option (a decoder runs forward only)."""
    if bidirectional is None:
        bidirectional = config["bidirectional"]
    return Recurrent(config["cell"], input_size, config["hidden"], num_layers=config["layers"],
                     bias=True, batch_first=batch_first, dropout=config["dropout"],
                     bidirectional=bidirectional, dtype=dtype_of(config),
                     fused=False if config["stepwise"] else None)


def output_features(layer: Recurrent) -> int:
    """D·H': the features of the layer's output at one step, and of its :func:`summary`."""
    return layer.num_directions * layer.cells[0].output_size


class TokenRecurrent(Module):
    """Token ids → ``embed`` (``embedding`` features each) → the recurrent layer ``rnn`` →
    the linear ``head`` from its D·H' features to ``outputs``. A subclass's ``forward``
    says what the head reads: the output at every step, or a :func:`summary`."""

    def __init__(self, config: dict, vocabulary_size: int, embedding: int, outputs: int,
                 bidirectional: bool | None = None):
        super().__init__()
        dtype = dtype_of(config)
        self.embed = Embedding(vocabulary_size, embedding, dtype=dtype)
        self.rnn = recurrent(config, embedding, bidirectional=bidirectional)
        self.head = Linear(output_features(self.rnn), outputs, dtype=dtype)


def hidden_state(final) -> Tensor:
    """The ``h`` part of a layer's final state: the state itself for a one-state cell, its
    first tensor otherwise (the LSTM's ``(h, c)``); shape (D·L, N, H)."""
    return final if isinstance(final, Tensor) else final[0]


def summary(final, layer: Recurrent) -> Tensor:
    """What a many-to-one model reads: the last layer's ``h`` at the end of each sequence,
    the forward direction's after the last step and the reverse direction's after the
    first, side by side: (N, D·H)."""
    h = hidden_state(final)
    D = layer.num_directions
    h_last = ops.swapaxes(h[h.shape[0] - D:], 0, 1)  # (N, D, H)
    return ops.reshape(h_last, (h_last.shape[0], D * h_last.shape[2]))


def lengths_of(sequences) -> np.ndarray:
    """The lengths of a list of sequences, as an int64 array."""
    return np.array([len(s) for s in sequences], dtype=np.int64)


def pad(sequences, value: int) -> np.ndarray:
    """Integer sequences of different lengths as one (N, T_max) int64 array, filled with
    ``value`` after each sequence's end."""
    out = np.full((len(sequences), max(len(s) for s in sequences)), value, dtype=np.int64)
    for n, s in enumerate(sequences):
        out[n, :len(s)] = s
    return out


def random_rows(split: dict, batch: int, rng: np.random.Generator) -> tuple:
    """``batch`` rows of ``split`` drawn with replacement: their token ids (``split["ids"]``,
    padded) cut to the longest of them, their lengths, and the row numbers (to pick the
    rows' targets with)."""
    rows = rng.integers(len(split["lengths"]), size=batch)
    lengths = split["lengths"][rows]
    return split["ids"][rows, :lengths.max()], lengths, rows


def drawn_apart(draw, count: int, held_out) -> list:
    """``count`` results of ``draw()``, leaving out every one for which ``held_out(result)``
    is true: training examples drawn from the generator of the test examples, none of them
    a test example."""
    kept = []
    while len(kept) < count:
        result = draw()
        if not held_out(result):
            kept.append(result)
    return kept


def check_fixed_length(task: str, config: dict, longest: int, what: str) -> None:
    """A clear error when ``config["seq_len"]`` is not ``longest``: in tasks whose data fix
    their sequences' lengths (``what``, at most ``longest`` tokens) the option cannot apply."""
    if config["seq_len"] != longest:
        raise ValueError(f"{task}: the {what} are at most {longest} tokens long, fixed by the "
                         f"task, so --seq-len does not apply (got {config['seq_len']})")
