"""A sequence classifier fed by a ``DataLoader``: variable-length sequences padded to one
length, packed with ``pack_padded_sequence`` (unsorted, ``enforce_sorted=False``), a GRU or
an RNN (one or two directions) whose final hidden state goes through a small
``Sequential`` head, trained with ``CrossEntropyLoss`` and Adam.

The data are NumPy-made and fixed; the label says whether the first feature sums above
zero over the sequence's valid steps. ``run(M, ...)`` uses only the framework module ``M``.
"""

import numpy as np

from weights import load_numpy_weights

SIZE, STEPS, FEATURES, HIDDEN, CLASSES = 24, 6, 3, 5, 2


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SIZE, STEPS, FEATURES)).astype(np.float32)
    lengths = rng.integers(2, STEPS + 1, SIZE)
    x[np.arange(STEPS)[None, :] >= lengths[:, None]] = 0.0
    labels = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    return x, lengths.astype(np.int64), labels


def run(M, kind: str = "GRU", bidirectional: bool = True, epochs: int = 3, shuffle=False,
        seed: int = 2) -> dict:
    x, lengths, labels = make_data()
    dataset = M.utils.data.TensorDataset(M.tensor(x), M.tensor(lengths), M.tensor(labels))
    loader = M.utils.data.DataLoader(dataset, batch_size=8, shuffle=shuffle)

    class Classifier(M.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(M.nn, kind)(FEATURES, HIDDEN, batch_first=True,
                                           bidirectional=bidirectional)
            directions = 2 if bidirectional else 1
            self.head = M.nn.Sequential(M.nn.Linear(directions * HIDDEN, HIDDEN), M.nn.Tanh(),
                                        M.nn.Linear(HIDDEN, CLASSES))

        def forward(self, inputs, sizes):
            packed = M.nn.utils.rnn.pack_padded_sequence(inputs, sizes, batch_first=True,
                                                         enforce_sorted=False)
            _, h_n = self.rnn(packed)
            last = M.cat([h_n[-2], h_n[-1]], dim=1) if bidirectional else h_n[-1]
            return self.head(last)

    M.manual_seed(seed)
    model = Classifier()
    load_numpy_weights(M, model, seed)
    criterion = M.nn.CrossEntropyLoss()
    optimizer = M.optim.Adam(model.parameters(), lr=0.05)

    losses, seen = [], []
    for _ in range(epochs):
        correct = 0
        for inputs, sizes, targets in loader:
            optimizer.zero_grad()
            logits = model(inputs, sizes)
            loss = criterion(logits, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            correct += (logits.argmax(dim=1) == targets).sum().item()
            seen.extend(targets.tolist())
    return {"losses": losses, "accuracy": correct / len(dataset), "seen": seen}
