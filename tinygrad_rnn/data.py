"""Sequence data for RNNs: padding, mini-batches, a character vocabulary, BPTT batches.

Everything here works on NumPy arrays (``batches`` also on Tensors); wrap a batch in
``Tensor`` (floats) or pass integer arrays straight to ``embedding`` and ``cross_entropy``.
For PyTorch's ``Dataset`` and ``DataLoader`` see :mod:`tinygrad_rnn.utils.data`.
"""

from __future__ import annotations

import numpy as np

from .random import default_generator
from .tensor import Tensor

# ---------------------------------------------------------------- padding


def pad_sequences(sequences, batch_first: bool = False, padding_value: float = 0.0):
    """Stack sequences of different lengths into one array, filling the tail with a value.

    Args:
        sequences: a non-empty list of arrays of shape ``(L_i, *feature)``, all with the same
            feature shape; 1-D integer token arrays are the common case.
        batch_first: give ``(N, T, *feature)`` instead of the time-major ``(T, N, *feature)``.
        padding_value: the value past each sequence's end.

    Returns:
        ``(padded, lengths)``: ``padded`` has ``T = max L_i`` steps and the inputs' common
        dtype (integer inputs stay integer); ``lengths`` is an int64 array of the ``L_i``.

    >>> padded, lengths = pad_sequences([np.array([1, 2, 3]), np.array([4])])
    >>> padded
    array([[1, 4],
           [2, 0],
           [3, 0]])
    >>> lengths
    array([3, 1])
    """
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequences: got an empty list of sequences")
    feature = sequences[0].shape[1:]
    for i, s in enumerate(sequences):
        if s.ndim == 0:
            raise ValueError(f"pad_sequences: sequence {i} is a scalar; "
                             "expected shape (L, *feature)")
        if s.shape[1:] != feature:
            raise ValueError(
                f"pad_sequences: sequence {i} has feature shape {s.shape[1:]}, sequence 0 has "
                f"{feature}; all must match"
            )
    dtype = np.result_type(*sequences)
    if dtype.kind in "iub" and padding_value != int(padding_value):
        raise ValueError(
            f"pad_sequences: padding_value {padding_value} is not an integer, but the "
            f"sequences have dtype {dtype}"
        )
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    padded = np.full((len(sequences), int(lengths.max()), *feature), padding_value, dtype=dtype)
    for n, s in enumerate(sequences):
        padded[n, :len(s)] = s
    return (padded if batch_first else padded.swapaxes(0, 1).copy()), lengths


def unpad(padded, lengths, batch_first: bool = False) -> list[np.ndarray]:
    """The inverse of :func:`pad_sequences`: the list of sequences, each cut to its length."""
    padded, lengths = np.asarray(padded), np.asarray(lengths)
    if padded.ndim < 2:
        raise ValueError(f"unpad: padded must have time and batch axes, got shape {padded.shape}")
    by_row = padded if batch_first else padded.swapaxes(0, 1)
    if lengths.shape != (by_row.shape[0],):
        raise ValueError(f"unpad: got {lengths.shape} lengths for a batch of {by_row.shape[0]}")
    if lengths.size and (lengths.min() < 0 or lengths.max() > by_row.shape[1]):
        raise ValueError(f"unpad: lengths must lie in [0, {by_row.shape[1]}], got {lengths}")
    return [by_row[n, :length].copy() for n, length in enumerate(lengths)]


# ---------------------------------------------------------------- mini-batches


class BatchIterator:
    """Mini-batches of aligned arrays along their first axis, like PyTorch's ``DataLoader``.

    Each iteration is one epoch; it yields a tuple with one slice per array (a 1-tuple for
    one array); a ``Tensor`` given instead of an array yields Tensor slices. With ``shuffle`` the order is a fresh permutation every epoch, drawn from
    ``np.random.default_rng(seed)`` made once here (so a seed makes every epoch's order
    reproducible), from ``generator``, or else from the package's generator at iteration
    time (so ``manual_seed`` governs it).

    >>> x, y = np.arange(5), np.arange(5) * 10
    >>> [b for b in BatchIterator(x, y, batch_size=2)]
    [(array([0, 1]), array([ 0, 10])), (array([2, 3]), array([20, 30])), (array([4]), array([40]))]
    """

    def __init__(self, *arrays, batch_size: int, shuffle: bool = False, seed: int | None = None,
                 drop_last: bool = False, generator: np.random.Generator | None = None):
        if not arrays:
            raise ValueError("batches: expected at least one array")
        # NOTE: a Tensor stays one (batches are then Tensors, cut by indexing): np.asarray
        # would make an object array of it.
        self.arrays = [a if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
        sizes = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"batches: arrays must share their first axis, got sizes {sizes}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batches: batch_size must be a positive int, got {batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("batches: pass seed or generator, not both")
        self.size, self.batch_size = sizes[0], int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self) -> int:
        """The number of batches per epoch."""
        full, rest = divmod(self.size, self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self):
        if self.shuffle:
            order = (self.generator or default_generator()).permutation(self.size)
        else:
            order = np.arange(self.size)
        for k in range(len(self)):
            index = order[k * self.batch_size:(k + 1) * self.batch_size]
            yield tuple(a[index] for a in self.arrays)


def batches(*arrays, batch_size: int, shuffle: bool = False, seed: int | None = None,
            drop_last: bool = False, generator: np.random.Generator | None = None) -> BatchIterator:
    """Mini-batches of aligned arrays; see :class:`BatchIterator`."""
    return BatchIterator(*arrays, batch_size=batch_size, shuffle=shuffle, seed=seed,
                         drop_last=drop_last, generator=generator)


# ---------------------------------------------------------------- vocabulary


class Vocabulary:
    """A two-way map between tokens (characters, or words) and ids 0, 1, ..., V-1.

    Args:
        tokens: the distinct tokens in id order.
        unk: a token that stands for every unknown one (added at the end if missing);
            without it an unknown token is a ``KeyError``.

    >>> vocab = Vocabulary.from_text("hello")
    >>> vocab.tokens
    ['e', 'h', 'l', 'o']
    >>> vocab.encode("hell"), vocab.encode("ello")    # inputs and the targets they predict
    (array([1, 0, 2, 2]), array([0, 2, 2, 3]))
    >>> vocab.decode([1, 0, 2, 2, 3])
    'hello'
    """

    def __init__(self, tokens, unk=None):
        tokens = list(tokens)
        if unk is not None and unk not in tokens:
            tokens.append(unk)
        if len(set(tokens)) != len(tokens):
            raise ValueError("Vocabulary: tokens must be distinct")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}
        self.unk = unk

    @classmethod
    def from_text(cls, text, unk=None) -> "Vocabulary":
        """The sorted distinct tokens of ``text`` (a string: its characters; or a list of words)."""
        return cls(sorted(set(text)), unk=unk)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token) -> bool:
        return token in self.index

    def __repr__(self) -> str:
        more = " ..." if len(self) > 10 else ""
        return f"Vocabulary({len(self)} tokens: {self.tokens[:10]}{more})"

    def encode(self, text) -> np.ndarray:
        """The ids of the tokens of ``text``, an int64 array."""
        ids = []
        for token in text:
            if token in self.index:
                ids.append(self.index[token])
            elif self.unk is not None:
                ids.append(self.index[self.unk])
            else:
                raise KeyError(f"Vocabulary.encode: unknown token {token!r} "
                               f"(not among the {len(self)} known; pass unk= to allow it)")
        return np.array(ids, dtype=np.int64)

    def _check_ids(self, op: str, ids) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.size == 0:
            return ids.astype(np.int64)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Vocabulary.{op}: ids must be integers, got dtype {ids.dtype}")
        if ids.min() < 0 or ids.max() >= len(self):
            raise IndexError(f"Vocabulary.{op}: ids must lie in [0, {len(self)}), "
                             f"got values from {ids.min()} to {ids.max()}")
        return ids

    def decode(self, ids, sep: str = "") -> str:
        """The tokens of 1-D ``ids`` joined by ``sep`` (use ``" "`` for words)."""
        return sep.join(self.tokens[i] for i in self._check_ids("decode", ids).ravel())

    def one_hot(self, ids, dtype=np.float32) -> np.ndarray:
        """Indicator vectors: shape ``ids.shape + (V,)``, a one at each id, zeros elsewhere."""
        return np.eye(len(self), dtype=dtype)[self._check_ids("one_hot", ids)]


# ---------------------------------------------------------------- truncated BPTT


def bptt_batches(stream, batch_size: int, seq_len: int):
    """Cut one long token stream into time-major ``(inputs, targets)`` for truncated BPTT.

    The stream is split into ``batch_size`` contiguous rows (the remainder dropped); each
    batch is the next ``seq_len`` columns of every row, so row ``n`` of batch ``k + 1``
    continues row ``n`` of batch ``k`` and the hidden state can be carried over. Targets
    are the inputs shifted by one step::

        stream "abcdefghijklm", batch_size=3  ->  4 columns each, "m" dropped

                 columns 0 1 2 3
        row n=0:         a b c d
        row n=1:         e f g h
        row n=2:         i j k l

        seq_len=2:  batch 0  inputs columns 0-1   targets columns 1-2
                    batch 1  inputs column  2     targets column  3

        batch 0 inputs (T=2, N=3)     targets
                   a e i                b f j
                   b f j                c g k

    Yields:
        ``(inputs, targets)``, integer arrays of shape (T, N) with ``T <= seq_len``
        (the last batch may be shorter), ``inputs[t, n] = row_n[start + t]`` and
        ``targets[t, n] = row_n[start + t + 1]``.
    """
    stream = np.asarray(stream)
    if stream.ndim != 1:
        raise ValueError(f"bptt_batches: stream must be 1-D, got shape {stream.shape}")
    for name, value in (("batch_size", batch_size), ("seq_len", seq_len)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"bptt_batches: {name} must be a positive int, got {value!r}")
    columns = len(stream) // batch_size
    if columns < 2:
        raise ValueError(
            f"bptt_batches: a stream of {len(stream)} tokens gives rows of {columns} tokens "
            f"for batch_size={batch_size}; need at least 2 (an input and its target)"
        )
    rows = stream[:batch_size * columns].reshape(batch_size, columns)
    for start in range(0, columns - 1, seq_len):
        stop = min(start + seq_len, columns - 1)
        yield rows[:, start:stop].T.copy(), rows[:, start + 1:stop + 1].T.copy()
