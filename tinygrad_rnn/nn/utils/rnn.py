"""Variable-length sequences the PyTorch way: ``pad_sequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence`` and the :class:`PackedSequence` they make.

A :class:`PackedSequence` has PyTorch's four fields and layout: ``data`` holds the valid
time steps only, time step by time step, each step's sequences longest first
(``batch_sizes[t]`` rows for step t); ``sorted_indices`` lists the batch in that
longest-first order and ``unsorted_indices`` undoes it. Packing and unpacking are indexing
ops, so gradients flow through both. The recurrent layers accept one and return
one; inside they run the padded batch with its lengths (see :class:`~tinygrad_rnn.nn.Recurrent`),
which gives the same numbers, and their final state is in the original batch order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import ops
from ...ops.nn import _integer_indices, pad
from ...tensor import Tensor, ensure_tensor


class PackedSequence(NamedTuple):
    """Sequences of different lengths, packed: see the module's description."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _int64(array) -> Tensor:
    return Tensor.constant(np.asarray(array, np.int64))


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Tensors ``(L_i, *)`` stacked into ``(T, N, *)`` (``(N, T, *)`` with ``batch_first``),
    ``T = max L_i``, each filled with ``padding_value`` past its end (before its start with
    ``padding_side="left"``); differentiable."""
    sequences = [ensure_tensor(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequence: got an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    if any(s.ndim == 0 for s in sequences):
        raise ValueError("pad_sequence: every sequence needs a time axis, got a 0-d tensor")
    steps = max(s.shape[0] for s in sequences)
    trailing = (0, 0) * (sequences[0].ndim - 1)
    left = padding_side == "left"
    padded = [pad(s, trailing + ((steps - s.shape[0], 0) if left else (0, steps - s.shape[0])),
                  value=padding_value) for s in sequences]
    return ops.stack(padded, 0 if batch_first else 1)


def _lengths(op: str, lengths, batch: int, steps: int) -> np.ndarray:
    lengths = _integer_indices(op, "lengths", lengths)
    if lengths.shape != (batch,):
        raise ValueError(f"{op}: expected {batch} lengths (one per sequence), got shape {lengths.shape}")
    if batch and (lengths.min() < 1 or lengths.max() > steps):
        raise ValueError(f"{op}: lengths must lie in [1, {steps}] (the number of time steps), "
                         f"got values from {lengths.min()} to {lengths.max()}")
    return lengths


def _packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``data``: its time step and its place in the longest-first order."""
    steps = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    places = np.concatenate([np.arange(b) for b in batch_sizes]) if len(batch_sizes) else steps
    return steps, places


def _pack(padded: Tensor, lengths: np.ndarray, order: np.ndarray, batch_first: bool,
          sorted_indices, unsorted_indices) -> PackedSequence:
    """Pack ``padded`` whose sequences, taken in ``order``, have decreasing ``lengths``."""
    batch_sizes = (lengths[order][None, :] > np.arange(lengths.max())[:, None]).sum(axis=1)
    steps, places = _packed_positions(batch_sizes)
    index = (order[places], steps) if batch_first else (steps, order[places])
    return PackedSequence(ops.getitem(padded, index), _int64(batch_sizes), sorted_indices,
                          unsorted_indices)


def pack_padded_sequence(input, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded ``(T, N, *)`` batch (``(N, T, *)`` with ``batch_first``) of sequences
    with these ``lengths``. With ``enforce_sorted`` the lengths must be decreasing and the
    indices fields are None; otherwise the batch is sorted longest first (a stable sort:
    equal lengths keep their order) and ``sorted_indices`` records it."""
    input = ensure_tensor(input)
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input needs time and batch axes, got shape {input.shape}")
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else input.shape[1::-1]
    lengths = _lengths("pack_padded_sequence", lengths, batch, steps)
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise ValueError("pack_padded_sequence: lengths must be sorted in decreasing order "
                             f"when enforce_sorted=True, got {lengths.tolist()}; sort the batch "
                             "or pass enforce_sorted=False")
        return _pack(input, lengths, np.arange(batch), batch_first, None, None)
    order = np.argsort(-lengths, kind="stable")
    return _pack(input, lengths, order, batch_first, _int64(order), _int64(np.argsort(order)))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original batch order,
    with ``total_length`` time steps if given (at least the longest length)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes.array)
    batch, longest = int(batch_sizes[0]), len(batch_sizes)
    steps = longest if total_length is None else total_length
    if steps < longest:
        raise ValueError(f"pad_packed_sequence: total_length={total_length} is shorter than the "
                         f"longest sequence ({longest} steps)")
    unsorted = (np.arange(batch) if sequence.unsorted_indices is None
                else np.asarray(sequence.unsorted_indices.array))
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    # The row of ``data`` for step t of sequence n, or the padding row appended at the end.
    place = unsorted[None, :]
    time = np.arange(steps)[:, None]
    valid = (time < longest) & (place < batch_sizes[np.minimum(time, longest - 1)])
    rows = np.where(valid, offsets[np.minimum(time, longest)] + place, data.shape[0])
    filler = np.full((1,) + data.shape[1:], padding_value, data.dtype)
    padded = ops.getitem(ops.concatenate([data, filler], 0), rows.T if batch_first else rows)
    return padded, _int64(valid.sum(axis=0))


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors ``(L_i, *)``: :func:`pad_sequence` then
    :func:`pack_padded_sequence`."""
    sequences = [ensure_tensor(s) for s in sequences]
    lengths = [s.shape[0] if s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def run_packed(layer, sequence: PackedSequence, state, lengths):
    """A recurrent layer's call on a packed batch: unpacked in the layer's layout, run with
    its lengths, the output packed again in the same order; the final state comes out in
    the original batch order (PyTorch's ``unsorted_indices`` order)."""
    if lengths is not None:
        raise ValueError(f"{type(layer).__name__}: a PackedSequence carries its lengths; "
                         "do not pass lengths= too")
    padded, lengths = pad_packed_sequence(sequence, layer.batch_first)
    output, final = layer(padded, state, lengths.array)
    order = (np.arange(len(lengths)) if sequence.sorted_indices is None
             else np.asarray(sequence.sorted_indices.array))
    packed = _pack(output, lengths.array, order, layer.batch_first, sequence.sorted_indices,
                   sequence.unsorted_indices)
    return packed, final
