"""The adding problem (Hochreiter & Schmidhuber, 1997): the long-range memory test.

Each sequence has T steps (``--seq-len``, default 100) of two features: a value drawn from
U(0, 1) and a marker, 1 at exactly two steps — one in the first half, one in the second —
and 0 elsewhere. The target is the sum of the two marked values:

    y = Σ_t v_t m_t,    v_t ~ U(0, 1),  m_t ∈ {0, 1},  Σ_t m_t = 2

The model reads the whole sequence and predicts y from its last hidden state (many-to-one),
trained on the mean squared error. The first marker is on average 3T/4 steps before the
end, so the gradient must travel that far back. Predicting the mean, E[y] = 1, scores the
variance of the sum of two uniforms, 2 · 1/12 ≈ 0.167: the baseline. A plain RNN's
gradient vanishes over that distance and it stays at the baseline; an LSTM or a GRU learns
the task.

An LSTM whose forget gate starts near σ(0) = 1/2 forgets half of its cell state at every
step, so at first it cannot carry a value over 75 steps either (``tinygrad-rnn gradflow``
shows it). For the ``lstm`` cell the task therefore uses the chrono initialisation (Tallec
& Ollivier, 2018) of the gate biases: b_f = log u with u ~ U(1, T − 1) per unit, and
b_i = −b_f, so that units start out remembering over 1 to T − 1 steps.
"""

from __future__ import annotations

import numpy as np

from .. import mse_loss, nn
from ..random import default_generator
from .plots import pyplot, save_figure
from .task import Task
from ._models import recurrent

TEST_SIZE = 500


def sequences(rng: np.random.Generator, count: int, length: int, dtype) -> tuple:
    """``count`` sequences, time-major ``(T, N, 2)`` (value, marker), and their sums ``(N, 1)``."""
    if length < 2:
        raise ValueError(f"adding: --seq-len must be at least 2 (two marked steps), got {length}")
    values = rng.uniform(0.0, 1.0, (length, count))
    half = length // 2
    first = rng.integers(0, half, count)
    second = rng.integers(half, length, count)
    markers = np.zeros((length, count))
    markers[first, np.arange(count)] = 1.0
    markers[second, np.arange(count)] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values * markers).sum(axis=0)[:, None].astype(dtype)
    return x, y


def make_data(config: dict, seed: int) -> dict:
    """The held-out set (TEST_SIZE sequences); training sequences are drawn fresh each step."""
    rng = np.random.default_rng(seed)
    x, y = sequences(rng, TEST_SIZE, config["seq_len"], config["dtype"])
    return {"test_x": x, "test_y": y}


class Adder(nn.Module):
    """A recurrent stack and a linear read-out of its last output."""

    def __init__(self, config: dict):
        super().__init__()
        self.rnn = recurrent(config, 2, batch_first=False)
        self.head = nn.Linear(self.rnn.cells[0].output_size, 1, dtype=config["dtype"])
        if config["cell"] == "lstm":
            chrono_init(self.rnn, config["seq_len"], default_generator())

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output[-1])


def chrono_init(rnn, horizon: int, rng: np.random.Generator) -> None:
    """Set the LSTM gate biases (order i, f, g, o) to b_f = log u, u ~ U(1, horizon − 1),
    and b_i = −b_f (in ``bias_hh``; the ``bias_ih`` parts of both gates are zeroed)."""
    for cell in rnn.cells:
        size = cell.hidden_size
        b_f = np.log(rng.uniform(1.0, max(horizon - 1.0, 1.0), size))
        cell.bias_ih.array[:2 * size] = 0.0
        cell.bias_hh.array[size:2 * size] = b_f
        cell.bias_hh.array[:size] = -b_f


def build_model(config: dict, data) -> nn.Module:
    return Adder(config)


def sample_batch(data, config: dict, rng: np.random.Generator, step: int) -> tuple:
    return sequences(rng, config["batch"], config["seq_len"], config["dtype"])


def loss(model, batch):
    x, y = batch
    return mse_loss(model(x), y)


def evaluate(model, data, config) -> float:
    prediction = model(data["test_x"]).array
    return float(np.mean((prediction - data["test_y"]) ** 2))


def baseline(data, config) -> float:
    """The MSE of always predicting E[y] = 1."""
    return float(np.mean((data["test_y"] - 1.0) ** 2))


def picture(model, data, config, path) -> None:
    """Predicted against true sums on the held-out set (the diagonal is perfect)."""
    plt = pyplot()

    prediction = model(data["test_x"]).array.ravel()
    figure, axes = plt.subplots(figsize=(4.5, 4.5))
    axes.scatter(data["test_y"].ravel(), prediction, s=4, alpha=0.5)
    axes.plot([0, 2], [0, 2], color="gray", ls="--", lw=1)
    axes.set(xlabel="true sum", ylabel="predicted sum",
             title=f"adding, T = {config['seq_len']}, {config['cell']}")
    save_figure(figure, path)


TASK = Task(
    name="adding",
    summary="the adding problem: sum the two marked values of a long sequence (memory test)",
    shape="many-to-one", metric="mse", higher_is_better=False,
    defaults=dict(cell="lstm", hidden=64, batch=50, seq_len=100, steps=1000),
    make_data=make_data, build_model=build_model, sample_batch=sample_batch, loss=loss,
    evaluate=evaluate, picture=picture, baseline=baseline)
