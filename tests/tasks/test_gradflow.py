"""gradflow: ∂L/∂h_t read through probes, the plain RNN's vanishing gradient, the files."""

import csv

import numpy as np
import pytest

from tinygrad_rnn import cli
from tinygrad_rnn.random import manual_seed
from tinygrad_rnn.tasks import adding, gradflow, options


def test_the_last_steps_gradient_is_the_read_outs():
    # L = Σ_n (w·h_n + b − y_n)², so ∂L/∂h_n = 2 (ŷ_n − y_n) w at the last step.
    config = options.make_config(adding.TASK, {"cell": "gru", "hidden": 5, "seq_len": 7})
    data = adding.make_data(config, 0)
    manual_seed(0)
    model = adding.build_model(config, data)
    x, y = data["test_x"][:, :6], data["test_y"][:6]
    norms = gradflow.hidden_gradient_norms(model, x, y)
    error = model(x).data - y
    expected = np.mean(2 * np.abs(error[:, 0]) * np.linalg.norm(model.head.weight.data))
    assert norms.shape == (7,) and norms[-1] == pytest.approx(expected, rel=1e-5)


def test_the_plain_rnns_gradient_vanishes_geometrically_back_in_time():
    norms = gradflow.measure(["rnn"], seq_len=40, steps=0, hidden=16, batch=8)["rnn"]["init"]
    assert gradflow.decay(norms) < 1e-4
    assert np.all(np.diff(np.log(norms[::8])) > np.log(3))   # > 3x stronger every 8 steps


def test_the_command_writes_a_png_and_a_csv(tmp_path, capsys):
    out = tmp_path / "flow.png"
    assert cli.main(["gradflow", "--cells", "rnn,gru", "--seq-len", "6", "--steps", "2",
                     "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    with open(out.with_suffix(".csv"), newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2 * 2 * 6
    assert {(row["cell"], row["phase"]) for row in rows} == {
        (cell, phase) for cell in ("rnn", "gru") for phase in ("init", "trained")}
    assert "rnn    at initialisation" in capsys.readouterr().out
