"""``tinygrad_rnn.testing.reference``: the plain-NumPy layer that the plugins' tests compare
their layers with, and the helpers that compare a cell's step and its layer with a NumPy
step; they catch a wrong step."""

import numpy as np
import pytest

from tinygrad_rnn.nn.rnn import RNN, RNNCell
from tinygrad_rnn.testing.reference import (LAYER_CASES, assert_layer_matches_reference,
                                            assert_step_matches_reference)


def elman_step(p, x, state, phi=np.tanh):
    (h,) = state
    a = p["weight_ih"] @ x + p["weight_hh"] @ h
    h = phi(a + p["bias_ih"] + p["bias_hh"] if "bias_ih" in p else a)
    return h, (h,)


@pytest.mark.parametrize("case", LAYER_CASES)
def test_the_elman_layer_matches_its_numpy_step_in_every_case(case):
    assert_layer_matches_reference(lambda **settings: RNN(3, 4, dtype=np.float64, **settings),
                                   elman_step, case)


@pytest.mark.parametrize("case", ["one layer", "unbatched"])
def test_a_step_that_differs_is_caught(case):
    with pytest.raises(AssertionError):
        assert_layer_matches_reference(
            lambda **settings: RNN(3, 4, dtype=np.float64, **settings),
            lambda p, x, s: elman_step(p, x, s, np.sin), case)


def test_the_elman_step_matches_its_numpy_step_and_is_returned():
    cell = RNNCell(3, 4, dtype=np.float64)
    output, (h,) = assert_step_matches_reference(cell, elman_step, batch=5, seed=0)
    assert output.shape == h.shape == (5, 4)


@pytest.mark.parametrize("wrong", ["output", "state"])
def test_a_cell_step_that_differs_is_caught(wrong):
    def step(p, x, s):
        h, (state,) = elman_step(p, x, s)
        return (np.sin(h), (state,)) if wrong == "output" else (h, (np.sin(state),))

    with pytest.raises(AssertionError):
        assert_step_matches_reference(RNNCell(3, 4, dtype=np.float64), step, batch=2, seed=1)
