"""Every optimizer trains a small Embedding + Linear model to a known answer.

The task: learn the permutation token i -> token (i + 3) mod V. A lookup table followed by
a linear map can represent it exactly, so each optimizer must reach accuracy 1.
"""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.data import batches
from tinygrad_rnn.optim import (SGD, Adagrad, Adam, AdamW, CosineAnnealingLR, RMSprop,
                                clip_grad_norm_)

V, SHIFT = 8, 3


class ShiftModel(nn.Module):
    def __init__(self, vocab_size: int, dim: int = 16):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.out = nn.Linear(dim, vocab_size)

    def forward(self, ids):
        return self.out(self.embed(ids))


def train(make_optimizer, epochs=60, clip=None, schedule=None):
    """Train on 8 copies of each token in shuffled batches; return (loss, accuracy)."""
    tg.manual_seed(0)
    model = ShiftModel(V)
    optimizer = make_optimizer(model.parameters())
    scheduler = schedule(optimizer) if schedule else None
    inputs = np.tile(np.arange(V), 8)
    targets = (inputs + SHIFT) % V
    for _ in range(epochs):                                  # 60 epochs x 4 batches = 240 steps
        for x, y in batches(inputs, targets, batch_size=16, shuffle=True):
            optimizer.zero_grad()
            tg.cross_entropy(model(x), y).backward()
            if clip:
                clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
        if scheduler:
            scheduler.step()
    with tg.no_grad():
        logits = model(np.arange(V))
        loss = tg.cross_entropy(logits, (np.arange(V) + SHIFT) % V).item()
    accuracy = np.mean(logits.array.argmax(axis=-1) == (np.arange(V) + SHIFT) % V)
    return loss, accuracy


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.5),
    "sgd_momentum": lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    "sgd_nesterov": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.03),
    "adamw": lambda ps: AdamW(ps, lr=0.03, weight_decay=0.01),
    "adagrad": lambda ps: Adagrad(ps, lr=0.3),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
    "rmsprop_centered_momentum": lambda ps: RMSprop(ps, lr=0.003, momentum=0.9, centered=True),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_each_optimizer_learns_the_shift_map(make):
    loss, accuracy = train(make)
    assert accuracy == 1.0
    assert loss < 0.05


def test_training_with_clipping_and_a_cosine_schedule():
    loss, accuracy = train(lambda ps: Adam(ps, lr=0.05), clip=1.0,
                           schedule=lambda o: CosineAnnealingLR(o, T_max=60, eta_min=1e-3))
    assert accuracy == 1.0
    assert loss < 0.05
