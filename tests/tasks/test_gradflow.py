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
    error = model(x).array - y
    expected = np.mean(2 * np.abs(error[:, 0]) * np.linalg.norm(model.head.weight.array))
    assert norms.shape == (7,) and norms[-1] == pytest.approx(expected, rel=1e-5)


def test_the_plain_rnns_gradient_vanishes_geometrically_back_in_time():
    norms = gradflow.measure(["rnn"], seq_len=40, steps=0, hidden=16, batch=8)["rnn"]["init"]
    assert gradflow.decay(norms) < 1e-4
    assert np.all(np.diff(np.log(norms[::8])) > np.log(3))   # > 3x stronger every 8 steps


def test_the_per_step_factor_of_a_geometric_decay_is_its_ratio():
    norms = 3.0 * 0.7 ** np.arange(20)[::-1]          # t = 0 is 19 steps from the loss
    assert list(gradflow.steps_to_loss(norms)[[0, -1]]) == [19, 0]
    assert gradflow.per_step_factor(norms) == pytest.approx(0.7, rel=1e-12)


def test_the_plain_rnns_factor_per_step_is_near_the_spectral_radius_of_its_weights():
    # At initialisation the states are small, so each Jacobian is close to W_hh: the decay
    # follows rho(W_hh), not the larger singular value sigma_1 (see docs/bptt/vanishing).
    sizes = dict(seq_len=60, hidden=32, batch=16)
    norms = gradflow.measure(["rnn"], steps=0, **sizes)["rnn"]["init"]
    W_hh = gradflow.initial_model("rnn", **sizes).rnn.weight_hh_l0.numpy()
    rho, sigma_1 = max(abs(np.linalg.eigvals(W_hh))), np.linalg.norm(W_hh, 2)
    factor = gradflow.per_step_factor(norms)
    assert 0.85 * rho < factor <= rho < 1 < sigma_1


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
