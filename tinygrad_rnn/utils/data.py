"""``tinygrad_rnn.utils.data``: ``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``
and ``DataLoader``, with PyTorch's names and arguments.

The loader runs in the calling process (``num_workers`` is accepted and changes nothing).
Shuffling and ``random_split`` draw permutations from ``generator`` (a NumPy
``Generator``, such as the one :func:`tinygrad_rnn.manual_seed` returns) or else from the
package's generator, so ``manual_seed`` makes them repeatable; the permutations are not
PyTorch's, whose random streams differ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .. import ops
from ..random import default_generator
from ..tensor import Tensor

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]

# The dtypes a tensor holds; other NumPy data is converted to the nearest of these.
_KEPT = tuple(np.dtype(t) for t in (np.float32, np.float64, np.int64, np.int32, np.bool_))


class Dataset:
    """A map-style dataset: ``dataset[i]`` is item ``i``, ``len(dataset)`` the count.
    Subclass it and define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Item ``i`` is the tuple of row ``i`` of each tensor; they must share their first axis."""

    def __init__(self, *tensors):
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if not tensors or None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: expected tensors sharing their first axis, "
                             f"got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` at random into :class:`Subset`\\ s of the given ``lengths``: counts
    adding up to ``len(dataset)``, or fractions adding up to 1 (the remainder then handed
    out one item each to the first subsets, as PyTorch does)."""
    total = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) \
            and sum(lengths) != total:
        counts = [int(math.floor(total * f)) for f in lengths]
        for k in range(total - sum(counts)):
            counts[k % len(counts)] += 1
        lengths = counts
    if any(int(n) != n or n < 0 for n in lengths) or sum(lengths) != total:
        raise ValueError(f"random_split: lengths must be counts adding up to the dataset's "
                         f"{total} items, or fractions adding up to 1, got {lengths}")
    order = (generator or default_generator()).permutation(total)
    bounds = np.cumsum([0] + [int(n) for n in lengths])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds, bounds[1:])]


def _tensor(array: np.ndarray) -> Tensor:
    array = np.asarray(array)
    if array.dtype not in _KEPT:
        kind = {"f": np.float32, "i": np.int64, "u": np.int64, "b": np.bool_}.get(array.dtype.kind)
        if kind is None:
            raise TypeError(f"default_collate: cannot make a tensor of dtype {array.dtype}")
        array = array.astype(kind)
    return Tensor.constant(np.ascontiguousarray(array))


def default_collate(batch):
    """A list of items as one batch, as PyTorch's ``default_collate``: tensors and NumPy
    arrays are stacked along a new first axis; Python floats become a float64 tensor, ints
    an int64 one, bools a bool one; strings stay a list; dicts and tuples/lists are
    collated field by field (tuples and lists give a list, named tuples a named tuple)."""
    first = batch[0]
    if isinstance(first, Tensor):
        return ops.stack(batch)
    if isinstance(first, (np.ndarray, np.generic)):
        return _tensor(np.stack([np.asarray(item) for item in batch]))
    if isinstance(first, bool):
        return _tensor(np.array(batch, np.bool_))
    if isinstance(first, int):
        return _tensor(np.array(batch, np.int64))
    if isinstance(first, float):
        return _tensor(np.array(batch, np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([item[key] for item in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, (tuple, list)):
        if any(len(item) != len(first) for item in batch):
            raise ValueError("default_collate: every item of a batch must have the same length")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch items of type {type(first).__name__}; "
                    f"pass collate_fn=")


class DataLoader:
    """Mini-batches of a dataset: each iteration is one epoch.

    Args:
        dataset: anything with ``__getitem__`` and ``__len__``.
        batch_size: items per batch (the last may be smaller unless ``drop_last``).
        shuffle: a fresh random order every epoch, drawn from ``generator`` or the package's
            generator when the epoch starts.
        collate_fn: turns a list of items into a batch (default :func:`default_collate`).
        drop_last: skip the last batch if it is smaller than ``batch_size``.
        generator: a NumPy ``Generator`` for the shuffling.
        num_workers, pin_memory: accepted for PyTorch code; loading always happens in this
            process, on the CPU.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, collate_fn=None,
                 drop_last: bool = False, generator=None, num_workers: int = 0,
                 pin_memory: bool = False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.generator = bool(shuffle), bool(drop_last), generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def __len__(self) -> int:
        """The number of batches per epoch."""
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self):
        size = len(self.dataset)
        order = ((self.generator or default_generator()).permutation(size) if self.shuffle
                 else np.arange(size))
        for k in range(len(self)):
            chunk = order[k * self.batch_size:(k + 1) * self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in chunk])
