"""``forecast``: tomorrow's price from the last few days (many-to-one regression).

The source material's first example of sequence data: the price on day 5 from days 1 to 4.
The series is synthetic, one value a day, with structure a model can learn:

    p_t = a + b·t + s_(t mod 7) + e_t,    e_t = φ·e_(t-1) + σ·ε_t,    ε_t ~ N(0, 1)

a linear trend b, a weekly season s (seven values summing to zero) and autoregressive noise
e. A window of ``seq_len`` days ends on day t; the model sees, for each of its days, the
price minus day t's price (in units of the daily noise σ) and the day of the week (one-hot),
and predicts the change p_(t+1) - p_t. The last fifth of the days are the test period.

The baseline is the naive forecast "tomorrow equals today", whose error holds the whole
weekly swing and the trend; the metric is the test mean squared error of the price.
"""

from __future__ import annotations

import numpy as np

from .. import mse_loss
from ..nn import Linear, Module
from ..tensor import Tensor
from .plots import pyplot, save_figure
from .task import Task
from ._models import dtype_of, output_features, recurrent, summary


DAYS = 2000
TEST_FRACTION = 0.2
TREND = 0.02                                          # b, price per day
SEASON = np.array([2.0, 3.0, 1.0, -0.5, -1.5, -3.0, -1.0])   # s, Monday to Sunday
PHI, SIGMA = 0.8, 1.0                                 # the noise's memory and scale
WEEK = 7


def series(days: int, rng: np.random.Generator) -> np.ndarray:
    """The prices p_0 .. p_(days-1) of the model in the docstring (a = 100)."""
    t = np.arange(days)
    e = np.empty(days)
    e[0] = rng.normal(0.0, SIGMA / np.sqrt(1.0 - PHI**2))   # the noise's stationary law
    for i in range(1, days):
        e[i] = PHI * e[i - 1] + SIGMA * rng.normal()
    return 100.0 + TREND * t + SEASON[t % WEEK] + e


def windows(prices: np.ndarray, seq_len: int, ends: np.ndarray) -> np.ndarray:
    """The model's inputs for windows ending on the days ``ends``: (N, seq_len, 1 + 7),
    each day's price minus the last day's (in units of σ), then its weekday one-hot."""
    days = ends[:, None] + np.arange(1 - seq_len, 1)                # (N, seq_len)
    relative = (prices[days] - prices[ends][:, None]) / SIGMA
    return np.concatenate([relative[..., None], np.eye(WEEK)[days % WEEK]], axis=-1)


def make_data(config: dict, seed: int) -> dict:
    """The series, and the days each window ends on: training windows lie wholly before
    the test period; test windows predict each day of it."""
    seq_len = config["seq_len"]
    if not 1 <= seq_len < DAYS // 4:
        raise ValueError(f"forecast: seq_len must lie in [1, {DAYS // 4}), got {seq_len}")
    prices = series(DAYS, np.random.default_rng(seed))
    split = int(DAYS * (1 - TEST_FRACTION))
    return {"prices": prices, "split": split,
            "train_ends": np.arange(seq_len - 1, split - 1),   # targets up to day split - 1
            "test_ends": np.arange(split - 1, DAYS - 1)}       # targets: the test period


class Forecaster(Module):
    """Recurrent layer over the window, then a linear map of its summary to the change."""

    def __init__(self, config: dict):
        super().__init__()
        self.rnn = recurrent(config, 1 + WEEK)
        self.head = Linear(output_features(self.rnn), 1, dtype=dtype_of(config))

    def forward(self, x: Tensor) -> Tensor:
        """Predicted changes p_(t+1) - p_t in units of σ, shape (N, 1)."""
        _, final = self.rnn(x)
        return self.head(summary(final, self.rnn))


def build_model(config: dict, data) -> Forecaster:
    return Forecaster(config)


def _batch(data: dict, config: dict, ends: np.ndarray) -> tuple[Tensor, Tensor]:
    prices = data["prices"]
    x = windows(prices, config["seq_len"], ends).astype(dtype_of(config))
    change = ((prices[ends + 1] - prices[ends]) / SIGMA)[:, None].astype(dtype_of(config))
    return Tensor(x), Tensor(change)


def sample_batch(data: dict, config: dict, rng: np.random.Generator, step: int):
    return _batch(data, config, rng.choice(data["train_ends"], size=config["batch"]))


def loss(model: Forecaster, batch) -> Tensor:
    x, change = batch
    return mse_loss(model(x), change)


def predict(model: Forecaster, data: dict, config: dict) -> np.ndarray:
    """The model's forecast of the price on each day of the test period."""
    ends = data["test_ends"]
    x, _ = _batch(data, config, ends)
    return data["prices"][ends] + SIGMA * model(x).array[:, 0].astype(np.float64)


def evaluate(model: Forecaster, data: dict, config: dict) -> float:
    truth = data["prices"][data["test_ends"] + 1]
    return float(np.mean((predict(model, data, config) - truth) ** 2))


def baseline(data: dict, config: dict) -> float:
    """The test MSE of "tomorrow equals today"."""
    ends = data["test_ends"]
    return float(np.mean((data["prices"][ends + 1] - data["prices"][ends]) ** 2))


def report(model: Forecaster, data: dict, config: dict) -> list[str]:
    """The forecasts of the first three test days beside the truth and the naive guess."""
    prices, shown = data["prices"], 3
    forecasts = predict(model, data, config)[:shown]
    return [f"day {day}: forecast {guess:.2f}, truth {prices[day]:.2f}, naive {prices[day - 1]:.2f}"
            for day, guess in zip(data["test_ends"][:shown] + 1, forecasts)]


def picture(model: Forecaster, data: dict, config: dict, path) -> None:
    """The first weeks of the test period: the truth, the model's and the naive forecasts."""
    plt = pyplot()

    shown = 10 * WEEK
    days = data["test_ends"][:shown] + 1
    prices = data["prices"]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(days, prices[days], "k-", label="truth")
    ax.plot(days, predict(model, data, config)[:shown], "o-", ms=3, label="model")
    ax.plot(days, prices[days - 1], ":", label="naive (yesterday's price)")
    ax.set(xlabel="day", ylabel="price", title="forecast: test period")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, path)


TASK = Task(
    name="forecast",
    summary="predict tomorrow's price from the last days of a synthetic daily series",
    shape="many-to-one", metric="mse", higher_is_better=False,
    defaults=dict(seq_len=4, eval_every=50), make_data=make_data, build_model=build_model,
    sample_batch=sample_batch, loss=loss, evaluate=evaluate, picture=picture,
    baseline=baseline, report=report, allows_bidirectional=True)
