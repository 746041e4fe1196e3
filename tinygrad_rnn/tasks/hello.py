"""The character model on "hello" (source: 002_1ddc3fc33e30e5c4.md).

The vocabulary is the four characters e, h, l, o as one-hot vectors. Fed h, e, l, l, the
model must predict the next character each time: e, l, l, o. The two ``l`` inputs need
different answers, so the model can only succeed by remembering what came before.

The network is a vanilla RNN written directly with ``Tensor`` operations:

    h_t = tanh(x_t W_xhᵀ + h_{t-1} W_hhᵀ + b_h)
    y_t = h_t W_hyᵀ + b_y                    (logits over the vocabulary)

with one set of weights shared by every time step, trained by backpropagation through time
on the summed cross-entropy of the four predictions.
"""

import numpy as np

from .. import Tensor, cross_entropy, stack, tanh
from ..data import Vocabulary
from ..optim import Adagrad
from ..random import manual_seed

TEXT = "hello"


def init_weights(vocab_size: int, hidden_size: int, rng: np.random.Generator) -> dict:
    """Small random weights U(-1/√H, 1/√H), zero biases, float64 for exact gradients."""
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = {"W_xh": (hidden_size, vocab_size), "W_hh": (hidden_size, hidden_size),
              "W_hy": (vocab_size, hidden_size)}
    weights = {name: Tensor(rng.uniform(-bound, bound, shape), requires_grad=True)
               for name, shape in shapes.items()}
    weights["b_h"] = Tensor(np.zeros(hidden_size), requires_grad=True)
    weights["b_y"] = Tensor(np.zeros(vocab_size), requires_grad=True)
    return weights


def forward(weights: dict, inputs: np.ndarray) -> Tensor:
    """Logits (T, V) for one-hot ``inputs`` (T, V), starting from a zero hidden state."""
    w = weights
    h = Tensor(np.zeros(w["W_hh"].shape[0]))
    logits = []
    for x_t in inputs:
        h = tanh(w["W_xh"] @ Tensor(x_t) + w["W_hh"] @ h + w["b_h"])
        logits.append(w["W_hy"] @ h + w["b_y"])
    return stack(logits)


def run(steps: int = 200, seed: int = 0, log=print) -> dict:
    """Train on "hello" and return the final loss and the predicted characters."""
    rng = manual_seed(seed)
    vocab = Vocabulary.from_text(TEXT)
    ids = vocab.encode(TEXT)
    inputs = vocab.one_hot(ids[:-1], dtype=np.float64)
    targets = ids[1:]
    weights = init_weights(len(vocab), hidden_size=8, rng=rng)
    optimizer = Adagrad(list(weights.values()), lr=0.3)
    log(f"input {TEXT[:-1]!r} -> target {TEXT[1:]!r}; vocabulary {vocab.decode(np.arange(len(vocab)))!r}")
    for step in range(1, steps + 1):
        logits = forward(weights, inputs)
        loss = cross_entropy(logits, targets, reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 1 or step % (steps // 10 or 1) == 0:
            guess = vocab.decode(np.argmax(logits.array, axis=-1))
            log(f"step {step:4d}  loss {loss.item():.4f}  prediction {guess!r}")
    prediction = vocab.decode(np.argmax(forward(weights, inputs).array, axis=-1))
    return {"loss": loss.item(), "prediction": prediction}
