"""Sine waves predicted by two stacked ``LSTMCell``s in float64, fitted with L-BFGS through a
closure: the shape of PyTorch's "time sequence prediction" example, smaller.

Each row is a sine wave with its own phase; the model reads it one value at a time (the
input ``split`` along time) and predicts the next value; after training it continues the
test waves ``future`` steps past their end from its own predictions. ``run(M)`` uses only
the framework module ``M``. ``benchmarks/cell_memory.py`` measures the same model at the
example's full size.
"""

import numpy as np

from weights import load_numpy_weights

HIDDEN = 8


def make_waves(rows: int = 5, length: int = 30, period: float = 6.0, seed: int = 0):
    """``rows`` sine waves of ``length`` samples, each shifted by a random whole phase."""
    rng = np.random.default_rng(seed)
    x = np.arange(length) + rng.integers(-4 * int(period), 4 * int(period), rows)[:, None]
    return np.sin(x / period).astype(np.float64)


def sequence_model(M, hidden: int = HIDDEN):
    """The example's ``Sequence`` model under the framework module ``M``: two ``LSTMCell``s
    of ``hidden`` units called once per step, a ``Linear`` reading each step's h, the
    outputs concatenated; ``forward(input, future)`` goes on ``future`` steps past the input
    from its own outputs. Its states are float64: call ``.double()`` on it."""

    class Sequence(M.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = M.nn.LSTMCell(1, hidden)
            self.lstm2 = M.nn.LSTMCell(hidden, hidden)
            self.linear = M.nn.Linear(hidden, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = M.zeros(input.size(0), hidden, dtype=M.double)
            c_t = M.zeros(input.size(0), hidden, dtype=M.double)
            h_t2 = M.zeros(input.size(0), hidden, dtype=M.double)
            c_t2 = M.zeros(input.size(0), hidden, dtype=M.double)

            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _ in range(future):   # predicting the future from its own outputs
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return M.cat(outputs, dim=1)

    return Sequence()


def run(M, steps: int = 6, future: int = 5, seed: int = 4) -> dict:
    data = make_waves()
    train_input = M.from_numpy(data[2:, :-1])
    train_target = M.from_numpy(data[2:, 1:])
    test_input = M.from_numpy(data[:2, :-1])
    test_target = M.from_numpy(data[:2, 1:])

    M.manual_seed(seed)
    seq = sequence_model(M)
    load_numpy_weights(M, seq, seed)
    seq.double()
    criterion = M.nn.MSELoss()
    optimizer = M.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=10)

    losses, test_losses = [], []
    for _ in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(train_input)
            loss = criterion(out, train_target)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
        with M.no_grad():
            pred = seq(test_input, future=future)
            test_losses.append(criterion(pred[:, :-future], test_target).item())
    state = optimizer.state[next(iter(seq.parameters()))]
    return {"losses": losses, "test_losses": test_losses,
            "future": pred[:, -future:].reshape(-1).tolist(),
            "func_evals": state["func_evals"], "n_iter": state["n_iter"]}
