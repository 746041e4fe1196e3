r"""
14. A bidirectional LSTM tagger, trained to convergence
=======================================================

Tagging gives every token of a sequence a label, as in part-of-speech tagging or named-entity
recognition (lecture note 4, on many-to-many tasks). Make a task whose
answer needs the future: each token's tag is the token that comes *next* (the last token's
tag is the one before it). A left-to-right network cannot know the next token when it
reads the current one; a bidirectional one can.

The model: an embedding, a one-layer bidirectional LSTM, and a linear layer from the
:math:`2H` features of each step to the tag scores, as library modules; cross-entropy over
all steps. The update is now an optimizer object: ``optimizer.step()`` does what the loop of
step 7 wrote by hand, for every parameter with a gradient, with Adam's rule in place of
plain SGD's ``param -= lr * grad``, and ``optimizer.zero_grad()`` clears the gradients:

.. literalinclude:: ../../tinygrad_rnn/optim/optimizer.py
   :pyobject: Optimizer.step

.. literalinclude:: ../../tinygrad_rnn/optim/sgd.py
   :pyobject: SGD._update
"""

import time

import matplotlib.pyplot as plt
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
    ``max_steps``; return the losses, one per step."""
    optimizer = tg.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for step in range(1, max_steps + 1):
        tokens, tags = batch(N)
        scores = model(tokens)
        loss = tg.cross_entropy(scores.reshape(T * N, V), tags.reshape(T * N))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 20 == 0 and accuracy(model, *check) >= 0.995:
            break
    return losses


_ = tg.manual_seed(0)
check, held_out = batch(200), batch(500)
start = time.perf_counter()
results, curves = {}, {}
for name, bidirectional, max_steps in [("bidirectional", True, 400), ("left to right", False, 120)]:
    model = Tagger(bidirectional)
    curves[name] = train(model, max_steps, check)
    results[name] = accuracy(model, *held_out)
    print(f"{name:14s} {len(curves[name])} steps, last loss {curves[name][-1]:.3f}, "
          f"held-out accuracy {results[name]:.3f}")
print(f"trained both in {time.perf_counter() - start:.1f} s")

fig, ax = plt.subplots(figsize=(5.5, 3), layout="constrained")
for (name, losses), style in zip(curves.items(), ("-", "--")):
    ax.plot(np.arange(1, len(losses) + 1), losses, style, label=name)
ax.axhline(np.log(V), color="0.6", linestyle=":", label="guessing, log V")
ax.set(xlabel="step", ylabel="loss (cross-entropy)", title="training curves")
ax.legend(fontsize=8)

# %%
# The bidirectional tagger gets essentially every tag right. The left-to-right one is right
# on the last token (whose tag is in its past) and guesses elsewhere: about
# :math:`1/T + (1 - 1/T)/V \approx 0.27`.
assert results["bidirectional"] > 0.99
assert results["left to right"] < 0.4

# %%
# Exercise
# --------
#
# Replace Adam by the optimizer class that does exactly step 7's update,
# ``tg.optim.SGD`` without momentum, and check on one parameter that one ``step()`` changes
# it by :math:`-\eta` times its gradient.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

model = Tagger(bidirectional=True)
optimizer = tg.optim.SGD(model.parameters(), lr=0.5)
tokens, tags = batch(N)
loss = tg.cross_entropy(model(tokens).reshape(T * N, V), tags.reshape(T * N))
optimizer.zero_grad()
loss.backward()
before = model.head.weight.numpy().copy()
gradient = model.head.weight.grad.numpy().copy()
optimizer.step()
print("largest difference from the hand-written update:",
      float(abs(model.head.weight.numpy() - (before - 0.5 * gradient)).max()))
assert np.allclose(model.head.weight.numpy(), before - 0.5 * gradient)

# %%
# .. raw:: html
#
#    </details>
