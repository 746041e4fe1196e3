"""The PyTorch-style programs of ``programs.py`` (``tagger.py``, ``classifier.py``,
``charlm.py``, ``sine_lbfgs.py``), each
written once against a framework module ``M``, give PyTorch's numbers when ``M`` is
``tinygrad_rnn``: against ``golden.json`` (PyTorch's, written by
``make_program_golden.py``) always, and against PyTorch run live where it is installed."""

import json

import numpy as np
import pytest

import tinygrad_rnn
import tinygrad_rnn.utils.data  # noqa: F401  (M.utils.data, as torch.utils.data)
from make_program_golden import GOLDEN
from programs import PROGRAMS

import charlm
import classifier

RTOL = 2e-5   # float32 rounding, accumulated over the training steps


@pytest.fixture(scope="module")
def ours():
    return {name: program(tinygrad_rnn) for name, program in PROGRAMS.items()}


def assert_same_numbers(actual: dict, expected: dict, what: str) -> None:
    assert actual.keys() == expected.keys(), what
    for key, value in expected.items():
        if isinstance(value, list) and value and isinstance(value[0], float):
            np.testing.assert_allclose(actual[key], value, rtol=RTOL, atol=1e-7,
                                       err_msg=f"{what}: {key}")
        else:
            assert actual[key] == pytest.approx(value, rel=RTOL), f"{what}: {key}"


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_gives_pytorchs_golden_numbers(ours, name):
    golden = json.loads(GOLDEN.read_text())
    assert_same_numbers(ours[name], golden[name], name)


def test_programs_learn(ours):
    assert ours["tagger"]["predicted"] == [0, 1, 2, 0, 1]   # DET NN V DET NN
    for name, result in ours.items():
        losses = result["losses"]
        assert np.mean(losses[-3:]) < np.mean(losses[:3]), name


def test_sampling_is_seeded_and_draws_known_characters():
    first, second = charlm.run(tinygrad_rnn), charlm.run(tinygrad_rnn)
    assert first["sample"] == second["sample"] and len(first["sample"]) == 20
    assert set(first["sample"]) <= set(charlm.TEXT)


def test_shuffled_loader_sees_every_example_once_per_epoch():
    result = classifier.run(tinygrad_rnn, "RNN", bidirectional=False, epochs=2, shuffle=True)
    _, _, labels = classifier.make_data()
    size = len(labels)
    epochs = [result["seen"][:size], result["seen"][size:]]
    assert all(sorted(epoch) == sorted(labels.tolist()) for epoch in epochs)
    assert epochs[0] != labels.tolist()   # shuffled: not the dataset order


def test_pytorch_live_gives_the_same_numbers_and_the_golden_file(ours):
    pytest.importorskip("torch", reason="PyTorch is needed to run the programs under it")
    from make_program_golden import torch_results

    theirs = torch_results()
    golden = json.loads(GOLDEN.read_text())
    for name in PROGRAMS:
        assert_same_numbers(ours[name], theirs[name], f"{name} (live)")
    for name in theirs:   # the programs awaiting names too: they run under torch
        assert_same_numbers(golden[name], theirs[name], f"{name}: golden.json is stale "
                                                         f"(rerun make_program_golden.py)")
