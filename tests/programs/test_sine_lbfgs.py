"""The float64 L-BFGS program (``sine_lbfgs.py``) agrees with PyTorch far more closely than
the float32 programs' tolerance: its line-search-free L-BFGS iterates, 60 closure calls
through two ``LSTMCell``s, stay within 1e-9 of PyTorch's (measured: about 2e-11)."""

import json

import numpy as np

import sine_lbfgs
import tinygrad_rnn
from make_program_golden import GOLDEN


def test_sine_lbfgs_matches_pytorch_to_1e_9():
    golden = json.loads(GOLDEN.read_text())["sine_lbfgs"]
    ours = sine_lbfgs.run(tinygrad_rnn)
    assert (ours["func_evals"], ours["n_iter"]) == (golden["func_evals"], golden["n_iter"])
    for key in ("losses", "test_losses", "future"):
        np.testing.assert_allclose(ours[key], golden[key], rtol=1e-9, atol=1e-9, err_msg=key)
