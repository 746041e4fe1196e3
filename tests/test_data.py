"""Sequence data helpers: padding round trips, batches cover each item once, the vocabulary
encodes and decodes, and BPTT batches continue each other row by row."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn.data import (BatchIterator, Vocabulary, batches, bptt_batches, pad_sequences,
                               unpad)
from tinygrad_rnn.random import manual_seed


@st.composite
def sequence_lists(draw):
    """Lists of arrays (L_i, *feature) with one feature shape and dtype, lengths may be 0."""
    dtype = draw(st.sampled_from([np.int64, np.int32, np.float32, np.float64]))
    feature = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    lengths = draw(st.lists(st.integers(0, 5), min_size=1, max_size=5))
    elements = (st.integers(-50, 50) if np.dtype(dtype).kind == "i"
                else st.floats(-10, 10, width=32))
    return [draw(hnp.arrays(dtype, (n, *feature), elements=elements)) for n in lengths]


# ---------------------------------------------------------------- padding

@given(sequences=sequence_lists(), batch_first=st.booleans())
def test_unpad_inverts_pad_sequences(sequences, batch_first):
    padded, lengths = pad_sequences(sequences, batch_first=batch_first)
    assert padded.dtype == sequences[0].dtype and lengths.dtype == np.int64
    restored = unpad(padded, lengths, batch_first=batch_first)
    assert len(restored) == len(sequences)
    for a, b in zip(restored, sequences):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@given(sequences=sequence_lists())
def test_padding_fills_past_each_length_and_batch_first_transposes(sequences):
    time_major, lengths = pad_sequences(sequences, padding_value=-7)
    batch_major, _ = pad_sequences(sequences, batch_first=True, padding_value=-7)
    np.testing.assert_array_equal(lengths, [len(s) for s in sequences])
    assert time_major.shape == (max(lengths), len(sequences), *sequences[0].shape[1:])
    np.testing.assert_array_equal(batch_major, time_major.swapaxes(0, 1))
    for n, length in enumerate(lengths):
        assert np.all(time_major[length:, n] == -7)


def test_pad_sequences_by_hand():
    padded, lengths = pad_sequences([np.array([1, 2, 3]), np.array([4])], batch_first=True)
    np.testing.assert_array_equal(padded, [[1, 2, 3], [4, 0, 0]])
    assert padded.dtype.kind == "i"
    np.testing.assert_array_equal(lengths, [3, 1])


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="empty list"):
        pad_sequences([])
    with pytest.raises(ValueError, match=r"sequence 1 has feature shape \(3,\), sequence 0"):
        pad_sequences([np.zeros((2, 2)), np.zeros((1, 3))])
    with pytest.raises(ValueError, match="scalar"):
        pad_sequences([np.zeros(2), np.float64(1.0)])
    with pytest.raises(ValueError, match="not an integer"):
        pad_sequences([np.array([1, 2])], padding_value=0.5)
    with pytest.raises(ValueError, match="lengths"):
        unpad(np.zeros((3, 2)), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="lie in"):
        unpad(np.zeros((3, 2)), np.array([1, 4]))


# ---------------------------------------------------------------- mini-batches

@given(size=st.integers(0, 30), batch_size=st.integers(1, 8), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 100))
def test_batches_cover_every_index_once_per_epoch(size, batch_size, shuffle, drop_last, seed):
    x, y = np.arange(size), np.arange(size) * 10.0
    loader = batches(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)
    for _ in range(2):
        seen = [(bx, by) for bx, by in loader]
        assert len(seen) == len(loader)
        assert all(len(bx) == batch_size for bx, _ in seen[:-1])
        if drop_last:
            assert all(len(bx) == batch_size for bx, _ in seen)
        indices = np.concatenate([bx for bx, _ in seen]) if seen else np.array([], int)
        for bx, by in seen:
            np.testing.assert_array_equal(by, bx * 10.0)  # rows stay aligned
        kept = size - size % batch_size if drop_last else size
        assert len(indices) == kept and len(set(indices.tolist())) == kept
        if not shuffle:
            np.testing.assert_array_equal(indices, np.arange(kept))


def test_shuffling_with_a_seed_is_reproducible_and_each_epoch_differs():
    def epochs(loader):
        return [np.concatenate([b for (b,) in loader]) for _ in range(3)]
    a = epochs(batches(np.arange(50), batch_size=7, shuffle=True, seed=3))
    b = epochs(batches(np.arange(50), batch_size=7, shuffle=True, seed=3))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])


def test_shuffling_without_a_seed_follows_manual_seed():
    def epoch():
        return np.concatenate([b for (b,) in BatchIterator(np.arange(20), batch_size=6,
                                                           shuffle=True)])
    manual_seed(11)
    first = epoch()
    manual_seed(11)
    np.testing.assert_array_equal(epoch(), first)
    generator = np.random.default_rng(5)
    loader = batches(np.arange(20), batch_size=6, shuffle=True, generator=generator)
    assert sorted(np.concatenate([b for (b,) in loader]).tolist()) == list(range(20))


def test_batches_errors():
    with pytest.raises(ValueError, match="share their first axis"):
        batches(np.zeros(3), np.zeros(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        batches(np.zeros(3), batch_size=0)
    with pytest.raises(ValueError, match="at least one"):
        batches(batch_size=2)
    with pytest.raises(ValueError, match="seed or generator"):
        batches(np.zeros(3), batch_size=2, seed=1, generator=np.random.default_rng())


# ---------------------------------------------------------------- vocabulary

def test_vocabulary_hello_example():
    vocab = Vocabulary.from_text("hello")
    assert vocab.tokens == ["e", "h", "l", "o"] and len(vocab) == 4
    text = vocab.encode("hello")
    inputs, targets = text[:-1], text[1:]
    assert vocab.decode(inputs) == "hell" and vocab.decode(targets) == "ello"
    assert text.dtype == np.int64
    x = vocab.one_hot(inputs)
    assert x.shape == (4, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x.argmax(axis=-1), inputs)


@given(text=st.text(min_size=1, max_size=40))
def test_encode_decode_round_trip(text):
    vocab = Vocabulary.from_text(text)
    assert vocab.decode(vocab.encode(text)) == text
    assert vocab.tokens == sorted(set(text))


@given(text=st.text(min_size=1, max_size=20), shape=hnp.array_shapes(min_dims=0, max_dims=3))
def test_one_hot_rows_sum_to_one_at_the_id(text, shape):
    vocab = Vocabulary.from_text(text)
    ids = np.random.default_rng(0).integers(0, len(vocab), size=shape)
    x = vocab.one_hot(ids, dtype=np.float64)
    assert x.shape == (*shape, len(vocab)) and x.dtype == np.float64
    np.testing.assert_array_equal(x.sum(axis=-1), np.ones(shape))
    np.testing.assert_array_equal(x.argmax(axis=-1), ids)


def test_unknown_tokens_and_bad_ids():
    vocab = Vocabulary.from_text("abc")
    with pytest.raises(KeyError, match="'z'"):
        vocab.encode("abz")
    with_unk = Vocabulary.from_text("abc", unk="?")
    assert with_unk.tokens == ["a", "b", "c", "?"]
    assert with_unk.decode(with_unk.encode("azc")) == "a?c"
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        vocab.decode([0, 3])
    with pytest.raises(IndexError):
        vocab.one_hot([-1])
    with pytest.raises(TypeError, match="integers"):
        vocab.one_hot(np.array([0.0]))
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["a", "a"])


def test_word_vocabulary():
    words = "the cat sat on the mat".split()
    vocab = Vocabulary.from_text(words)
    assert "cat" in vocab and len(vocab) == 5
    assert vocab.decode(vocab.encode(words), sep=" ") == "the cat sat on the mat"


# ---------------------------------------------------------------- truncated BPTT

@given(length=st.integers(2, 80), batch_size=st.integers(1, 6), seq_len=st.integers(1, 9))
def test_bptt_rows_continue_across_batches(length, batch_size, seq_len):
    if length // batch_size < 2:
        with pytest.raises(ValueError, match="need at least 2"):
            list(bptt_batches(np.arange(length), batch_size, seq_len))
        return
    stream = np.arange(length) * 3  # distinct values, so rows are recognisable
    pairs = list(bptt_batches(stream, batch_size, seq_len))
    columns = length // batch_size
    rows = stream[:batch_size * columns].reshape(batch_size, columns)
    for inputs, targets in pairs:
        assert inputs.shape == targets.shape and inputs.shape[1] == batch_size
        assert 0 < inputs.shape[0] <= seq_len
    all_inputs = np.concatenate([i for i, _ in pairs])   # time axis joined: (columns-1, N)
    all_targets = np.concatenate([t for _, t in pairs])
    for n in range(batch_size):
        np.testing.assert_array_equal(all_inputs[:, n], rows[n, :-1])
        np.testing.assert_array_equal(all_targets[:, n], rows[n, 1:])  # shifted by one
    # every batch but the last has seq_len steps
    assert all(i.shape[0] == seq_len for i, _ in pairs[:-1])


def test_bptt_by_hand_matches_the_docstring_diagram():
    vocab = Vocabulary.from_text("abcdefghijklm")
    pairs = list(bptt_batches(vocab.encode("abcdefghijklm"), batch_size=3, seq_len=2))
    (x0, y0), (x1, y1) = pairs
    assert [vocab.decode(row) for row in x0] == ["aei", "bfj"]
    assert [vocab.decode(row) for row in y0] == ["bfj", "cgk"]
    assert [vocab.decode(row) for row in x1] == ["cgk"]
    assert [vocab.decode(row) for row in y1] == ["dhl"]


def test_bptt_errors():
    with pytest.raises(ValueError, match="1-D"):
        list(bptt_batches(np.zeros((2, 3), int), 1, 2))
    with pytest.raises(ValueError, match="seq_len"):
        list(bptt_batches(np.arange(10), 2, 0))
