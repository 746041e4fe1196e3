"""``nn.utils.rnn``: packing has PyTorch's layout (checked by hand and against NumPy),
pack-then-unpack is the masked identity with its gradient, and a recurrent layer given a
PackedSequence reproduces PyTorch's stored results for packed batches (the parity golden
files, written from ``torch.nn.utils.rnn.pack_padded_sequence(..., enforce_sorted=False)``)."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor
from tinygrad_rnn.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                       pad_packed_sequence, pad_sequence)
from tinygrad_rnn.testing.ops import op_property_test

sys.path.insert(0, str(Path(__file__).parents[1] / "parity"))
from parity_cases import CASES, T, assert_matches, our_results, read_golden  # noqa: E402


def packed_reference(x, lengths):
    """PyTorch's ``data``: for each step, the sequences still running, longest first
    (equal lengths in batch order); x is (T, N, *)."""
    order = sorted(range(len(lengths)), key=lambda n: -lengths[n])
    return np.array([x[t, n] for t in range(x.shape[0]) for n in order if lengths[n] > t])


@st.composite
def batch_lengths(draw, s):
    steps, batch = s[0][:2]
    lengths = draw(st.lists(st.integers(1, steps), min_size=batch, max_size=batch))
    return {"lengths": np.array(lengths)}


padded_shapes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 2)).map(
    lambda s: (s,))

test_pack_padded_sequence_data = op_property_test(
    lambda x, lengths: pack_padded_sequence(x, lengths, enforce_sorted=False).data,
    packed_reference, shapes=padded_shapes, kwargs=batch_lengths)
test_pad_packed_sequence_inverts_packing = op_property_test(
    lambda x, lengths: pad_packed_sequence(pack_padded_sequence(
        x, lengths, enforce_sorted=False), total_length=x.shape[0] + 1)[0],
    lambda x, lengths: np.concatenate([x * (np.arange(x.shape[0])[:, None] < lengths)[..., None],
                                       np.zeros((1,) + x.shape[1:])]),
    shapes=padded_shapes, kwargs=batch_lengths)
test_pad_sequence = op_property_test(
    lambda *xs: pad_sequence(xs, batch_first=True, padding_value=-1.0),
    lambda *xs: np.stack([np.concatenate([x, -np.ones((3 - len(x), 2))]) for x in xs]),
    arity=3, shapes=st.tuples(*[st.integers(1, 3).map(lambda n: (n, 2))] * 3).filter(
        lambda s: max(n for n, _ in s) == 3))


def test_pack_sequence_by_hand():
    a, b, c = Tensor([1.0, 2.0, 3.0]), Tensor([4.0, 5.0]), Tensor([6.0])
    packed = pack_sequence([a, b, c])
    assert isinstance(packed, PackedSequence) and packed.sorted_indices is None
    np.testing.assert_array_equal(packed.data.array, [1, 4, 6, 2, 5, 3])
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    unsorted = pack_sequence([c, a, b], enforce_sorted=False)
    np.testing.assert_array_equal(unsorted.data.array, [1, 4, 6, 2, 5, 3])
    assert unsorted.sorted_indices.tolist() == [1, 2, 0]
    assert unsorted.unsorted_indices.tolist() == [2, 0, 1]
    padded, lengths = pad_packed_sequence(unsorted, batch_first=True, padding_value=-1.0)
    np.testing.assert_array_equal(padded.array, [[6, -1, -1], [1, 2, 3], [4, 5, -1]])
    assert lengths.tolist() == [1, 3, 2]


def test_pad_sequence_on_the_left():
    padded = pad_sequence([Tensor([1.0, 2.0]), Tensor([3.0])], padding_side="left")
    np.testing.assert_array_equal(padded.array, [[1, 0], [2, 3]])


def test_unsorted_lengths_need_enforce_sorted_false():
    with pytest.raises(ValueError, match=r"sorted in decreasing order.*enforce_sorted=False"):
        pack_padded_sequence(Tensor(np.zeros((3, 2, 1))), [1, 3])


@pytest.mark.parametrize("call, error, message", [
    (lambda: pad_sequence([]), ValueError, "empty list"),
    (lambda: pad_sequence([Tensor(1.0)]), ValueError, "needs a time axis"),
    (lambda: pad_sequence([Tensor([1.0])], padding_side="top"), ValueError, "padding_side"),
    (lambda: pack_padded_sequence(Tensor(np.zeros(3)), [1]), ValueError, "time and batch axes"),
    (lambda: pack_padded_sequence(Tensor(np.zeros((3, 2))), [1, 2, 3]), ValueError,
     r"expected 2 lengths"),
    (lambda: pack_padded_sequence(Tensor(np.zeros((3, 2))), [4, 1]), ValueError,
     r"lengths must lie in \[1, 3\]"),
    (lambda: pad_packed_sequence(Tensor(np.zeros(3))), TypeError, "expected a PackedSequence"),
    (lambda: pad_packed_sequence(pack_sequence([Tensor([1.0, 2.0])]), total_length=1),
     ValueError, "total_length=1 is shorter"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_packed_input_with_lengths_too_is_refused():
    packed = pack_sequence([Tensor(np.zeros((2, 1)))])
    with pytest.raises(ValueError, match="carries its lengths"):
        tg.nn.RNN(1, 2)(packed, lengths=[2])


PACKED_CASES = [case for case in CASES if case.with_lengths and case.variant != "rnn-relu"
                and (case.num_layers == 2) == case.bidirectional]


def packed_results(case, arrays) -> dict:
    """``parity_cases.our_results`` with the batch packed (unsorted) instead of lengths=."""
    def call_packed(layer, x, state, lengths):
        packed = pack_padded_sequence(x, Tensor._from_op(lengths, None, 0),
                                      batch_first=case.batch_first, enforce_sorted=False)
        packed_output, final = layer(packed, state)
        assert isinstance(packed_output, PackedSequence)
        output, _ = pad_packed_sequence(packed_output, batch_first=case.batch_first,
                                        total_length=T)
        return output, final

    return our_results(case, arrays, np.float64, call=call_packed)


@pytest.mark.parametrize("case", PACKED_CASES, ids=lambda case: case.id)
def test_packed_batch_matches_pytorchs_golden_results(case):
    golden = read_golden(case)
    expected = {k: v for k, v in golden.items()
                if k.startswith(("output", "h_n", "c_n", "grad/"))}
    assert_matches(packed_results(case, golden), expected, 1e-10, case.id)
