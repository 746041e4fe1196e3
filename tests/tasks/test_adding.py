"""adding: the data's definition, the mean predictor's baseline, learning."""

import numpy as np
import pytest

from tinygrad_rnn.tasks import adding, options, runner


def test_each_sequence_has_one_marker_per_half_and_its_target_is_their_sum():
    x, y = adding.sequences(np.random.default_rng(0), 200, 30, np.float64)
    markers, values = x[..., 1], x[..., 0]
    assert np.all(markers[:15].sum(axis=0) == 1) and np.all(markers[15:].sum(axis=0) == 1)
    marked = [values[markers[:, n] == 1, n].sum() for n in range(200)]
    np.testing.assert_allclose(y[:, 0], marked)


def test_the_baseline_is_the_variance_of_the_sum_of_two_uniforms():
    data = adding.make_data(options.make_config(adding.TASK, {}), 0)
    assert adding.baseline(data, None) == pytest.approx(1 / 6, abs=0.02)


def test_a_gated_cell_learns_a_short_adding_problem():
    cfg = options.make_config(adding.TASK, {"cell": "gru", "seq_len": 10, "hidden": 16, "batch": 32})
    run = runner.Run("adding", adding.TASK, cfg, None)
    for step in range(1, 151):
        runner.train_step(adding.TASK, run.model, run.optimizer, None, run.data, cfg, run.rng, step)
    value, _ = runner.evaluate(adding.TASK, run.model, run.data, cfg)
    assert value < 0.2 * adding.baseline(run.data, cfg)
