"""Writing a sequence token by token from an initial state: the decoder of ``translate``
(whose initial state is the encoder's final state) and ``caption`` (an image's).

Training uses teacher forcing: the decoder reads ``<s> y_1 … y_K`` and must predict
``y_1 … y_K </s>``, the true previous token at every step, whatever it would have written.
Greedy decoding feeds back its own most likely token instead, until ``</s>``.
"""

from __future__ import annotations

import numpy as np

from .. import cross_entropy, ops
from ..nn import Recurrent
from ..tensor import Tensor
from ._models import TokenRecurrent, pad

BOS, EOS = "<s>", "</s>"
IGNORE = -100           # the target past a sequence's end


def teacher_forcing(sequences, bos: int, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """The decoder's inputs ``bos y_1 … y_K`` (padded with ``eos``) and targets
    ``y_1 … y_K eos`` (padded with ``IGNORE``), each (N, K_max + 1), for token-id
    sequences."""
    inputs = pad([[bos, *s] for s in sequences], eos)
    targets = pad([[*s, eos] for s in sequences], IGNORE)
    return inputs, targets


def until_eos(ids: np.ndarray, eos: int) -> list[tuple[int, ...]]:
    """Each row of ``ids`` (N, T) up to, not including, its first ``eos``."""
    rows = []
    for row in ids:
        end = np.flatnonzero(row == eos)
        rows.append(tuple(int(i) for i in row[:end[0] if len(end) else len(row)]))
    return rows


def initial_state(h0: Tensor, layer: Recurrent):
    """A state for ``layer`` whose ``h`` is ``h0`` (N, H) in every layer, the cell's other
    state tensors (the LSTM's ``c``) zero."""
    h = ops.stack([h0] * layer.num_layers)
    others = [Tensor(np.zeros((layer.num_layers, h0.shape[0], size), layer.dtype))
              for size in layer.cells[0].state_sizes[1:]]
    return tuple([h, *others]) if others else h


class Decoder(TokenRecurrent):
    """Embedding of the previous token, a forward recurrent layer, a linear map to the
    next token's logits."""

    def __init__(self, config: dict, vocabulary_size: int, embedding: int):
        super().__init__(config, vocabulary_size, embedding, vocabulary_size, bidirectional=False)

    def forward(self, tokens: np.ndarray, state) -> tuple[Tensor, object]:
        """Logits (N, T, V) after each of ``tokens`` (N, T), and the state after the last."""
        output, state = self.rnn(self.embed(tokens), state)
        return self.head(output), state

    def loss(self, state, inputs: np.ndarray, targets: np.ndarray) -> Tensor:
        """Mean cross-entropy of the teacher-forced predictions (see :func:`teacher_forcing`)."""
        logits, _ = self(inputs, state)
        N, T, V = logits.shape
        return cross_entropy(ops.reshape(logits, (N * T, V)), targets.reshape(-1),
                             ignore_index=IGNORE)

    def greedy(self, state, bos: int, steps: int) -> np.ndarray:
        """``steps`` tokens (N, steps), each the most likely after the ones before."""
        N = hidden_batch(state)
        token = np.full((N, 1), bos, dtype=np.int64)
        written = []
        for _ in range(steps):
            logits, state = self(token, state)
            token = np.argmax(logits.array, axis=-1).astype(np.int64)
            written.append(token[:, 0])
        return np.stack(written, axis=1)


def hidden_batch(state) -> int:
    """N, from a state (L, N, H) or a tuple of them."""
    return (state if isinstance(state, Tensor) else state[0]).shape[1]


def exact_match(written: list, wanted: list) -> np.ndarray:
    """Whether each written sequence equals the wanted one, token for token."""
    return np.array([tuple(w) == tuple(t) for w, t in zip(written, wanted)])
