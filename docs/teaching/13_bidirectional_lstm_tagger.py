r"""
13. A bidirectional LSTM tagger, trained to convergence
=======================================================

Tagging gives every token of a sequence a label, as in part-of-speech tagging or named-entity
recognition (lecture note 4, ``004_b458bdf2b022d4e7.md``, many-to-many). Make a task whose
answer needs the future: each token's tag is the token that comes *next* (the last token's
tag is the one before it). A left-to-right network cannot know the next token when it
reads the current one; a bidirectional one can.

The model: an embedding, a one-layer bidirectional LSTM, and a linear layer from the
:math:`2H` features of each step to the tag scores; cross-entropy over all steps; Adam.
"""

import time

import numpy as np

import tinygrad_rnn as tg

V, T, N, E, H = 6, 8, 32, 8, 16          # vocabulary, length, batch, embedding, hidden
rng = np.random.default_rng(0)


def batch(size):
    tokens = rng.integers(0, V, (T, size))
    tags = np.concatenate([tokens[1:], tokens[-2:-1]])   # the next token; last: the one before
    return tokens, tags


class Tagger(tg.nn.Module):
    def __init__(self, bidirectional):
        super().__init__()
        self.embed = tg.nn.Embedding(V, E)
        self.lstm = tg.nn.LSTM(E, H, bidirectional=bidirectional)
        self.head = tg.nn.Linear(H * (2 if bidirectional else 1), V)

    def forward(self, tokens):
        output, _ = self.lstm(self.embed(tokens))          # (T, N, D·H)
        return self.head(output)                           # (T, N, V)


def accuracy(model, tokens, tags):
    with tg.no_grad():
        scores = model(tokens).numpy()
    return float((scores.argmax(axis=-1) == tags).mean())


def train(model, max_steps, check):
    """Adam until the accuracy on ``check`` reaches 0.995 (tested every 20 steps) or
    ``max_steps``; return the number of steps and the last loss."""
    optimizer = tg.optim.Adam(model.parameters(), lr=0.02)
    for step in range(1, max_steps + 1):
        tokens, tags = batch(N)
        scores = model(tokens)
        loss = tg.cross_entropy(scores.reshape(T * N, V), tags.reshape(T * N))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0 and accuracy(model, *check) >= 0.995:
            break
    return step, float(loss.item())


_ = tg.manual_seed(0)
check, held_out = batch(200), batch(500)
start = time.perf_counter()
results = {}
for name, bidirectional, max_steps in [("bidirectional", True, 400), ("left to right", False, 120)]:
    model = Tagger(bidirectional)
    steps, loss = train(model, max_steps, check)
    results[name] = accuracy(model, *held_out)
    print(f"{name:14s} {steps} steps, last loss {loss:.3f}, held-out accuracy {results[name]:.3f}")
print(f"trained both in {time.perf_counter() - start:.1f} s")

# %%
# The bidirectional tagger gets essentially every tag right. The left-to-right one is right
# on the last token (whose tag is in its past) and guesses elsewhere: about
# :math:`1/T + (1 - 1/T)/V \approx 0.27`.
assert results["bidirectional"] > 0.99
assert results["left to right"] < 0.4
