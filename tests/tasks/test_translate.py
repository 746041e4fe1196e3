"""``translate``: the words are right and name one number each, the held-out numbers are
never trained on, the decoder's teacher forcing lines inputs and targets up, and a short
training learns."""

import numpy as np
import pytest

from tinygrad_rnn.tasks import _seq2seq, translate
from toy_training import config_of, train


@pytest.mark.parametrize("n, words", [
    (0, "zero"), (7, "seven"), (15, "fifteen"), (40, "forty"), (99, "ninety nine"),
    (100, "one hundred"), (305, "three hundred five"), (1001, "one thousand one"),
    (2020, "two thousand twenty"), (9999, "nine thousand nine hundred ninety nine"),
])
def test_numbers_in_words(n, words):
    assert " ".join(translate.in_words(n)) == words


def test_every_number_has_its_own_words():
    assert len({tuple(translate.in_words(n)) for n in range(translate.NUMBERS)}) == translate.NUMBERS


def test_held_out_numbers_are_a_tenth_never_trained_on_and_fixed_by_the_seed():
    a, b = (translate.make_data(config_of(translate.TASK), 1) for _ in range(2))
    np.testing.assert_array_equal(a["test"]["numbers"], b["test"]["numbers"])
    assert len(a["test"]["numbers"]) == translate.NUMBERS // 10
    assert not set(a["test"]["numbers"]) & set(a["train"]["numbers"])
    assert set(a["test"]["numbers"]) | set(a["train"]["numbers"]) == set(range(translate.NUMBERS))


def test_teacher_forcing_reads_the_previous_token_and_predicts_the_next():
    inputs, targets = _seq2seq.teacher_forcing([(5, 6, 7), (8,)], bos=0, eos=1)
    np.testing.assert_array_equal(inputs, [[0, 5, 6, 7], [0, 8, 1, 1]])
    np.testing.assert_array_equal(targets, [[5, 6, 7, 1], [8, 1, -100, -100]])


def test_decoded_rows_end_at_the_first_end_token():
    assert _seq2seq.until_eos(np.array([[4, 1, 5], [4, 5, 6]]), eos=1) == [(4,), (4, 5, 6)]


def test_short_training_learns_to_translate():
    _, _, _, losses, accuracy = train(translate.TASK, steps=150, hidden=48)
    assert losses[-20:].mean() < 0.3 * losses[:5].mean()
    assert accuracy > 0.5
