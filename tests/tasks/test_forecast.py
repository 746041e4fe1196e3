"""``forecast``: the series has the structure it claims, the naive baseline is what
theory says, and a short training beats it."""

import numpy as np

from tinygrad_rnn.tasks import forecast
from toy_training import config_of, train


def test_data_is_the_same_for_a_seed_and_differs_across_seeds():
    config = config_of(forecast.TASK)
    a, b, c = (forecast.make_data(config, seed) for seed in (3, 3, 4))
    np.testing.assert_array_equal(a["prices"], b["prices"])
    assert not np.allclose(a["prices"], c["prices"])


def test_test_period_is_the_last_fifth_and_training_targets_precede_it():
    data = forecast.make_data(config_of(forecast.TASK), 0)
    assert data["test_ends"][0] + 1 == data["split"] == int(0.8 * forecast.DAYS)
    assert data["test_ends"][-1] + 1 == forecast.DAYS - 1
    assert data["train_ends"].max() + 1 < data["split"]


def test_noise_left_after_trend_and_season_is_autoregressive_with_phi():
    prices = forecast.series(20_000, np.random.default_rng(0))
    t = np.arange(len(prices))
    e = prices - 100.0 - forecast.TREND * t - forecast.SEASON[t % 7]
    phi = np.dot(e[1:], e[:-1]) / np.dot(e[:-1], e[:-1])
    sigma = np.std(e[1:] - phi * e[:-1])
    assert abs(phi - forecast.PHI) < 0.02 and abs(sigma - forecast.SIGMA) < 0.02


def test_baseline_is_the_naive_forecast_mse_and_matches_theory():
    data = forecast.make_data(config_of(forecast.TASK), 0)
    test_days = np.arange(data["split"], forecast.DAYS)
    naive = np.mean((data["prices"][test_days] - data["prices"][test_days - 1]) ** 2)
    assert forecast.baseline(data, config_of(forecast.TASK)) == naive
    # E[(p_(t+1) - p_t)^2] = b^2 + mean of the season's steps^2 + var(e_(t+1) - e_t)
    season_steps = np.roll(forecast.SEASON, -1) - forecast.SEASON
    phi, sigma = forecast.PHI, forecast.SIGMA
    theory = forecast.TREND**2 + np.mean(season_steps**2) + sigma**2 * (1 + (1 - phi) ** 2 / (1 - phi**2))
    assert abs(naive - theory) < 0.1 * theory


def test_windows_hold_prices_relative_to_the_last_day_and_the_weekday():
    prices = np.arange(30.0) ** 2
    x = forecast.windows(prices, 4, np.array([10, 20]))
    np.testing.assert_allclose(x[0, :, 0], (prices[7:11] - prices[10]) / forecast.SIGMA)
    np.testing.assert_array_equal(np.argmax(x[1, :, 1:], axis=-1), np.arange(17, 21) % 7)


def test_short_training_beats_the_naive_forecast():
    config, data, _, losses, mse = train(forecast.TASK, steps=120, hidden=16)
    assert losses[-20:].mean() < 0.5 * losses[:5].mean()
    assert mse < 0.7 * forecast.baseline(data, config)
