"""A character language model: embedding, a two-layer LSTM and a linear head, trained with
truncated backpropagation through time (the state carried across chunks and detached),
``clip_grad_norm_`` and Adam; then text sampled with ``multinomial``.

The logits ``(N, T, V)`` are handed to ``cross_entropy`` as ``(N, V, T)``: the classes on
axis 1, as PyTorch wants. ``run(M)`` uses only the framework module ``M``.
"""

from weights import load_numpy_weights

TEXT = "hello world, hello there. " * 4


def run(M, epochs: int = 2, seq_len: int = 8, batch_size: int = 4, seed: int = 3,
        sample_length: int = 20) -> dict:
    F = M.nn.functional
    chars = sorted(set(TEXT))
    index = {c: i for i, c in enumerate(chars)}
    data = M.tensor([index[c] for c in TEXT], dtype=M.long)
    columns = (len(data) - 1) // batch_size
    inputs = data[:batch_size * columns].view(batch_size, columns)
    targets = data[1:batch_size * columns + 1].view(batch_size, columns)

    class CharLM(M.nn.Module):
        def __init__(self, vocab_size, hidden_size):
            super().__init__()
            self.embed = M.nn.Embedding(vocab_size, hidden_size)
            self.lstm = M.nn.LSTM(hidden_size, hidden_size, num_layers=2, batch_first=True)
            self.head = M.nn.Linear(hidden_size, vocab_size)

        def forward(self, ids, state=None):
            output, state = self.lstm(self.embed(ids), state)
            return self.head(output), state

    M.manual_seed(seed)
    model = CharLM(len(chars), 8)
    load_numpy_weights(M, model, seed)
    optimizer = M.optim.Adam(model.parameters(), lr=0.02)

    losses, norms = [], []
    for _ in range(epochs):
        state = None
        for start in range(0, columns, seq_len):
            x = inputs[:, start:start + seq_len]
            y = targets[:, start:start + seq_len]
            logits, state = model(x, state)
            state = tuple(s.detach() for s in state)
            loss = F.cross_entropy(logits.transpose(1, 2), y)
            optimizer.zero_grad()
            loss.backward()
            norms.append(float(M.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
            optimizer.step()
            losses.append(loss.item())

    model.eval()
    with M.no_grad():
        ids = M.tensor([[index["h"]]], dtype=M.long)
        logits, state = model(ids)
        first_probs = F.softmax(logits[0, -1], dim=0)
        M.manual_seed(seed)
        sampled = []
        for _ in range(sample_length):
            probs = F.softmax(logits[0, -1], dim=0)
            ids = M.multinomial(probs, 1).view(1, 1)
            sampled.append(ids.item())
            logits, state = model(ids, state)
    return {"losses": losses, "norms": norms, "first_probs": first_probs.tolist(),
            "sample": "".join(chars[i] for i in sampled)}
