"""The same program gives bit-identical results whatever the thread setting: a small
two-layer LSTM language model trained for 20 Adam steps in a fresh process per setting
(one thread, two threads, and the libraries' own defaults), every parameter compared bit
for bit."""

import json
import os
import subprocess
import sys

import pytest

TRAINING = """
import hashlib, json
import numpy as np
import tinygrad_rnn as tg
from tinygrad_rnn import nn

VOCABULARY, EMBEDDING, HIDDEN, STEPS, BATCH = 1000, 32, 64, 35, 20


class LanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(VOCABULARY, EMBEDDING)
        self.rnn = nn.LSTM(EMBEDDING, HIDDEN, 2)
        self.decoder = nn.Linear(HIDDEN, VOCABULARY)

    def forward(self, tokens, state):
        output, state = self.rnn(self.encoder(tokens), state)
        return self.decoder(output), state


tg.manual_seed(0)
rng = np.random.default_rng(0)
model = LanguageModel()
optimizer = tg.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()
state = None
for _ in range(20):
    tokens = tg.tensor(rng.integers(0, VOCABULARY, (STEPS + 1, BATCH)))
    optimizer.zero_grad()
    logits, state = model(tokens[:-1], state)
    loss = criterion(logits.reshape(-1, VOCABULARY), tokens[1:].reshape(-1))
    loss.backward()
    optimizer.step()
    state = nn.detach_state(state)
print(json.dumps({name: hashlib.sha256(value.tobytes()).hexdigest()
                  for name, value in model.state_dict().items()}))
"""

# Every variable that sizes a thread pool, removed for the run at the libraries' defaults.
THREAD_VARIABLES = ("TINYGRAD_RNN_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
SETTINGS = {"one thread": {"TINYGRAD_RNN_NUM_THREADS": "1"},
            "two threads": {"TINYGRAD_RNN_NUM_THREADS": "2"},
            "defaults": {}}


def trained_parameters(setting: dict) -> dict:
    """The SHA-256 of every parameter after training under ``setting``, in a fresh process."""
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    done = subprocess.run([sys.executable, "-c", TRAINING], capture_output=True, text=True,
                          env={**env, **setting}, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("setting", ["two threads", "defaults"])
def test_training_gives_the_same_bits_as_on_one_thread(setting):
    reference = trained_parameters(SETTINGS["one thread"])
    assert trained_parameters(SETTINGS[setting]) == reference
