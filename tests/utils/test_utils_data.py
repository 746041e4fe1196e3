"""``tinygrad_rnn.utils.data``: datasets index as PyTorch's, the loader covers every item
once per epoch in order (or shuffled, seeded), the default collate stacks as PyTorch's
``default_collate``, ``random_split`` partitions; and ``data.batches`` takes Tensors."""

import collections

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor
from tinygrad_rnn.data import batches
from tinygrad_rnn.utils.data import (DataLoader, Dataset, Subset, TensorDataset, default_collate,
                                     random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"x": np.array([i, i * i], np.float32), "i": i, "name": f"item{i}"}

    def __len__(self):
        return self.n


def indices_of(loader):
    return [int(i) for batch in loader for i in batch["i"].tolist()]


@given(size=st.integers(0, 25), batch_size=st.integers(1, 7), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 50))
def test_loader_covers_each_item_once_per_epoch(size, batch_size, drop_last, shuffle, seed):
    loader = DataLoader(Squares(size), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, generator=np.random.default_rng(seed))
    seen = indices_of(loader)
    kept = size - size % batch_size if drop_last else size
    assert len(seen) == kept and len(set(seen)) == kept
    assert len(list(loader)) == len(loader)
    if not shuffle:
        assert seen == list(range(kept))


def test_shuffle_is_seeded_by_manual_seed_or_a_generator_and_each_epoch_differs():
    loader = DataLoader(Squares(30), batch_size=4, shuffle=True)
    tg.manual_seed(5)
    first, second = indices_of(loader), indices_of(loader)
    tg.manual_seed(5)
    assert indices_of(loader) == first and first != second
    a = indices_of(DataLoader(Squares(30), batch_size=4, shuffle=True,
                              generator=np.random.default_rng(1)))
    b = indices_of(DataLoader(Squares(30), batch_size=4, shuffle=True,
                              generator=np.random.default_rng(1)))
    assert a == b and sorted(a) == list(range(30))


def test_default_collate_stacks_as_pytorch():
    batch = next(iter(DataLoader(Squares(5), batch_size=3)))
    np.testing.assert_array_equal(batch["x"].array, [[0, 0], [1, 1], [2, 4]])
    assert batch["x"].dtype == np.float32
    assert batch["i"].dtype == np.int64 and batch["i"].tolist() == [0, 1, 2]
    assert batch["name"] == ["item0", "item1", "item2"]
    floats = default_collate([1.5, 2.5])
    assert floats.dtype == np.float64   # Python floats become float64, as PyTorch's
    Pair = collections.namedtuple("Pair", "a b")
    pair = default_collate([Pair(1, True), Pair(2, False)])
    assert isinstance(pair, Pair) and pair.b.dtype == np.bool_
    x, y = default_collate([(Tensor([1.0, 2.0]), 0), (Tensor([3.0, 4.0]), 1)])
    np.testing.assert_array_equal(x.array, [[1, 2], [3, 4]])
    assert y.tolist() == [0, 1]


def test_tensor_dataset_rows_and_custom_collate():
    xs, ys = Tensor(np.arange(12.0).reshape(6, 2)), Tensor(np.arange(6.0))
    dataset = TensorDataset(xs, ys)
    x, y = dataset[4]
    np.testing.assert_array_equal(x.array, [8.0, 9.0])
    assert y.item() == 4.0 and len(dataset) == 6
    loader = DataLoader(dataset, batch_size=4, collate_fn=lambda items: len(items))
    assert list(loader) == [4, 2]


def test_random_split_partitions_by_counts_and_fractions():
    parts = random_split(range(10), [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(range(10), [0.5, 0.25, 0.25])] == [6, 2, 2]  # PyTorch's
    subset = Subset([10, 11, 12, 13], [3, 0])
    assert [subset[0], subset[1]] == [13, 10] and subset[[1, 0]] == [10, 13]


def test_default_collate_converts_other_numpy_dtypes_to_the_nearest_kept():
    assert default_collate([np.float16(1.0), np.float16(2.0)]).dtype == np.float32
    assert default_collate([np.uint8(1), np.uint8(2)]).dtype == np.int64
    assert default_collate([np.int32(1), np.int32(2)]).dtype == np.int32


@pytest.mark.parametrize("call, error, message", [
    (lambda: TensorDataset(Tensor(np.zeros(3)), Tensor(np.zeros(4))), ValueError,
     r"sharing their first axis, got sizes \[3, 4\]"),
    (lambda: DataLoader(Squares(3), batch_size=0), ValueError, r"batch_size must be a positive"),
    (lambda: random_split(range(10), [3, 3]), ValueError, r"adding up to the dataset's 10"),
    (lambda: default_collate([object()]), TypeError, r"pass collate_fn="),
    (lambda: default_collate([(1, 2), (3,)]), ValueError, r"the same length"),
    (lambda: default_collate([np.array(["a"])]), TypeError, r"cannot make a tensor of dtype"),
    (lambda: Dataset()[0], NotImplementedError, r"must define __getitem__"),
    (lambda: len(Dataset()), NotImplementedError, r"must define __len__"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_data_batches_takes_tensors():
    x = Tensor(np.arange(10.0).reshape(5, 2))
    got = [bx for (bx,) in batches(x, batch_size=2)]
    assert all(isinstance(b, Tensor) for b in got)
    np.testing.assert_array_equal(np.concatenate([b.array for b in got]), x.array)
