"""A word-level language model with a tied decoder: the shape of PyTorch's
"word_language_model" example, smaller. An embedding, a two-layer LSTM and a linear decoder
that shares the embedding's weight, trained by truncated backpropagation through time with
``clip_grad_norm_`` and the example's hand-written update ``p.data.add_(p.grad, alpha=-lr)``;
then the whole model is saved with ``save(model, f)``, loaded back with ``load(f)`` under
``serialization.safe_globals([...])``, and evaluated again.

Dropout is 0 so that both frameworks compute the same numbers (their random streams differ).
``run(M)`` uses only the framework module ``M``.
"""

import os
import tempfile

import numpy as np

CORPUS = """the cat sat on the mat
the dog sat on the log
a cat saw a dog on the mat
the dog saw the cat and the cat ran
a dog ran to the log and sat
the cat and the dog sat on a mat
"""
VALID = """the dog sat on the mat
a cat ran to the log
"""


def tokenize(text: str, vocabulary: dict) -> list:
    """Word ids, one ``<eos>`` after each line; new words join the vocabulary."""
    ids = []
    for line in text.splitlines():
        for word in line.split() + ["<eos>"]:
            ids.append(vocabulary.setdefault(word, len(vocabulary)))
    return ids


def define_model(M):
    """The model class for framework ``M``, made importable as ``wordlm.RNNModel_<M>``:
    saving a whole model stores its class by import path, so it cannot be a local class."""
    name = f"RNNModel_{M.__name__}"
    if name in globals():
        return globals()[name]

    class RNNModel(M.nn.Module):
        """Container module with an encoder, a recurrent module, and a decoder."""

        def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
            super().__init__()
            self.ntoken = ntoken
            self.drop = M.nn.Dropout(dropout)
            self.encoder = M.nn.Embedding(ntoken, ninp)
            self.rnn = M.nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = M.nn.Linear(nhid, ntoken)
            if tie_weights:
                if nhid != ninp:
                    raise ValueError("When using the tied flag, nhid must be equal to emsize")
                self.decoder.weight = self.encoder.weight
            self.nhid = nhid
            self.nlayers = nlayers

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return M.nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))

    RNNModel.__name__ = RNNModel.__qualname__ = name
    globals()[name] = RNNModel
    return RNNModel


def run(M, epochs: int = 10, bptt: int = 4, batch_size: int = 4, lr: float = 5.0,
        clip: float = 0.25, size: int = 16, seed: int = 5) -> dict:
    vocabulary = {}
    train_data = M.tensor(tokenize(CORPUS, vocabulary), dtype=M.long)
    val_data = M.tensor(tokenize(VALID, vocabulary), dtype=M.long)

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        return data.view(bsz, -1).t().contiguous()

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i:i + seq_len]
        target = source[i + 1:i + 1 + seq_len].view(-1)
        return data, target

    def repackage_hidden(h):
        if isinstance(h, M.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    train_data, val_data = batchify(train_data, batch_size), batchify(val_data, 2)
    RNNModel = define_model(M)
    M.manual_seed(seed)
    model = RNNModel(len(vocabulary), size, size, 2, dropout=0.0, tie_weights=True)
    rng = np.random.default_rng(seed)
    for p in model.parameters():   # the tied weight is one parameter, drawn once; wider
        # than the example's +-0.1 so that this small model learns in a few epochs
        p.data.copy_(M.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(np.float32)))
    criterion = M.nn.NLLLoss()

    def evaluate(model, data_source):
        model.eval()
        total_loss = 0.0
        hidden = model.init_hidden(data_source.size(1))
        with M.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data, targets = get_batch(data_source, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    losses, val_losses = [], []
    for _ in range(epochs):
        model.train()
        hidden = model.init_hidden(batch_size)
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            M.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
        val_losses.append(evaluate(model, val_data))

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pt")
        with open(path, "wb") as f:
            M.save(model, f)
        with M.serialization.safe_globals([RNNModel, M.nn.Dropout, M.nn.Embedding, M.nn.LSTM,
                                           M.nn.Linear]):
            with open(path, "rb") as f:
                loaded = M.load(f)
    return {"losses": losses, "val_losses": val_losses,
            "loaded_val_loss": evaluate(loaded, val_data),
            "loaded_is_tied": loaded.decoder.weight is loaded.encoder.weight}
