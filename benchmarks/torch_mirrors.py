"""PyTorch mirrors of the tasks of ``tinygrad-rnn train`` (for ``torch_tasks.py``): for
each task, its model with the same layers and parameter names as the task's own module, and
its loss on a batch that the task's ``sample_batch`` drew. The held-out metric is the task's
own ``evaluate`` run on the PyTorch model's outputs (:class:`TinygradFacing`), except where
the task's ``evaluate`` calls its model's own methods (``translate``, ``caption``): there the
mirror has an ``evaluate`` of its own, built from the same helpers.
"""

import numpy as np
import torch

from tinygrad_rnn.tensor import Tensor


def torch_recurrent(config: dict, input_size: int, batch_first: bool = True,
                    bidirectional: bool | None = None):
    """PyTorch's recurrent layer for ``config``'s cell, size, depth, dropout and direction(s)
    (``bidirectional`` overrides the option, as in the tasks' ``recurrent``)."""
    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[config["cell"]]
    return layer(input_size, config["hidden"], num_layers=config["layers"], bias=True,
                 batch_first=batch_first, dropout=config["dropout"],
                 bidirectional=config["bidirectional"] if bidirectional is None else bidirectional)


def width(config: dict) -> int:
    """The features of a recurrent layer's output: D·H."""
    return (2 if config["bidirectional"] else 1) * config["hidden"]


def as_torch(array):
    """A NumPy array (or a tinygrad_rnn Tensor's) as a torch tensor; a torch tensor as is."""
    if isinstance(array, torch.Tensor):
        return array
    if not isinstance(array, np.ndarray):
        array = array.array
    return torch.from_numpy(np.ascontiguousarray(array))


def packed(x, lengths):
    """Batch-first padded ``x`` as a packed batch of sequences of ``lengths``."""
    return torch.nn.utils.rnn.pack_padded_sequence(x, as_torch(lengths), batch_first=True,
                                                   enforce_sorted=False)


def last_hidden(final, layer) -> "torch.Tensor":
    """The last layer's ``h`` after the sequence, both directions side by side: (N, D·H)."""
    h = final[0] if isinstance(final, tuple) else final
    D = 2 if layer.bidirectional else 1
    return h[-D:].transpose(0, 1).reshape(h.shape[1], -1)


class TinygradFacing:
    """A PyTorch model as the task's ``evaluate`` sees its own: called with NumPy arrays or
    tinygrad_rnn Tensors, it returns its output as a tinygrad_rnn Tensor (and a recurrent
    state, which the caller only passes back in, as PyTorch's); other attributes are the
    model's."""

    def __init__(self, model):
        self.model = model

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, *inputs):
        output = self.model(*(x if x is None or isinstance(x, tuple) else as_torch(x) for x in inputs))
        if isinstance(output, tuple):
            return Tensor(output[0].numpy()), output[1]
        return Tensor(output.numpy())


def evaluate(task, mirror, model, data, config) -> float:
    """The task's metric of the PyTorch ``model`` on its held-out data."""
    if hasattr(mirror, "evaluate"):
        return mirror.evaluate(model, data, config)
    return task.evaluate(TinygradFacing(model), data, config)


class Adding:
    """``adding``: a time-major recurrent layer and a linear map of its last output."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            super().__init__()
            self.rnn = torch_recurrent(config, 2, batch_first=False)
            self.head = torch.nn.Linear(config["hidden"], 1)

        def forward(self, x):
            output, _ = self.rnn(x)
            return self.head(output[-1])

    @staticmethod
    def loss(model, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(model(as_torch(x)), as_torch(y))


class Charlm:
    """``charlm``: one-hot characters, a recurrent stack, dropout, linear logits; the state
    carried between training chunks, cut from the graph."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            super().__init__()
            self.vocab_size = len(data["vocab"])
            self.rnn = torch_recurrent(config, self.vocab_size, batch_first=False)
            self.drop = torch.nn.Dropout(config["dropout"])
            self.head = torch.nn.Linear(config["hidden"], self.vocab_size)
            self.carry = None

        def forward(self, ids, state=None):
            x = torch.nn.functional.one_hot(as_torch(ids), self.vocab_size).to(self.head.weight.dtype)
            output, state = self.rnn(x, state)
            return self.head(self.drop(output)), state

    @staticmethod
    def loss(model, batch):
        if batch["reset"]:
            model.carry = None
        logits, state = model(batch["inputs"], model.carry)
        model.carry = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return torch.nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                                 as_torch(batch["targets"]).reshape(-1))


class Forecast:
    """``forecast``: a batch-first recurrent layer, a linear map of its final ``h``."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            from tinygrad_rnn.tasks.forecast import WEEK

            super().__init__()
            self.rnn = torch_recurrent(config, 1 + WEEK)
            self.head = torch.nn.Linear(width(config), 1)

        def forward(self, x):
            _, final = self.rnn(x)
            return self.head(last_hidden(final, self.rnn))

    @staticmethod
    def loss(model, batch):
        x, change = batch
        return torch.nn.functional.mse_loss(model(as_torch(x)), as_torch(change))


class Sentiment:
    """``sentiment``: embedding, a recurrent layer over each sentence's own length, a linear
    map of its final ``h`` to two logits."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            from tinygrad_rnn.tasks.sentiment import EMBEDDING, VOCABULARY

            super().__init__()
            self.embed = torch.nn.Embedding(len(VOCABULARY), EMBEDDING)
            self.rnn = torch_recurrent(config, EMBEDDING)
            self.head = torch.nn.Linear(width(config), 2)

        def forward(self, ids, lengths):
            _, final = self.rnn(packed(self.embed(as_torch(ids)), lengths))
            return self.head(last_hidden(final, self.rnn))

    @staticmethod
    def loss(model, batch):
        ids, lengths, labels = batch
        return torch.nn.functional.cross_entropy(model(ids, lengths), as_torch(labels))


class Tag:
    """``tag``: embedding, a recurrent layer over each sentence's own length, a linear map
    of its output at every word to the tags' logits."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            from tinygrad_rnn.tasks.tag import EMBEDDING, TAGS, VOCABULARY

            super().__init__()
            self.embed = torch.nn.Embedding(len(VOCABULARY), EMBEDDING)
            self.rnn = torch_recurrent(config, EMBEDDING)
            self.head = torch.nn.Linear(width(config), len(TAGS))

        def forward(self, ids, lengths):
            """Logits (N·T, tags), row n·T + t for word t of sentence n."""
            output, _ = self.rnn(packed(self.embed(as_torch(ids)), lengths))
            output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=True,
                                                               total_length=ids.shape[1])
            logits = self.head(output)
            return logits.reshape(ids.shape[0] * ids.shape[1], logits.shape[-1])

    @staticmethod
    def loss(model, batch):
        from tinygrad_rnn.tasks.tag import IGNORE

        ids, lengths, tags = batch
        return torch.nn.functional.cross_entropy(model(ids, lengths), as_torch(tags).reshape(-1),
                                                 ignore_index=IGNORE)


class Decoder(torch.nn.Module):
    """The decoder of ``translate`` and ``caption`` (``_seq2seq.Decoder``): embedding of the
    previous token, a forward recurrent layer, linear logits of the next token."""

    def __init__(self, config: dict, vocabulary_size: int, embedding: int):
        super().__init__()
        self.embed = torch.nn.Embedding(vocabulary_size, embedding)
        self.rnn = torch_recurrent(config, embedding, bidirectional=False)
        self.head = torch.nn.Linear(config["hidden"], vocabulary_size)

    def forward(self, tokens, state):
        output, state = self.rnn(self.embed(as_torch(tokens)), state)
        return self.head(output), state

    def loss(self, state, inputs, targets):
        """Mean cross-entropy of the teacher-forced predictions."""
        from tinygrad_rnn.tasks._seq2seq import IGNORE

        logits, _ = self(inputs, state)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 as_torch(targets).reshape(-1), ignore_index=IGNORE)

    def greedy(self, state, bos: int, steps: int) -> np.ndarray:
        """``steps`` tokens (N, steps), each the most likely after the ones before."""
        N = (state[0] if isinstance(state, tuple) else state).shape[1]
        token, written = np.full((N, 1), bos, dtype=np.int64), []
        for _ in range(steps):
            logits, state = self(token, state)
            token = logits.argmax(-1).numpy()
            written.append(token[:, 0])
        return np.stack(written, axis=1)


class Translate:
    """``translate``: an encoder (embedding, recurrent layer) whose final state starts the
    decoder."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            from tinygrad_rnn.tasks.translate import DIGITS, EMBEDDING, WORDS

            super().__init__()
            self.embed = torch.nn.Embedding(len(WORDS), EMBEDDING)
            self.encoder = torch_recurrent(config, EMBEDDING, bidirectional=False)
            self.decoder = Decoder(config, len(DIGITS), EMBEDDING)

        def encode(self, ids, lengths):
            _, final = self.encoder(packed(self.embed(as_torch(ids)), lengths))
            return final

    @staticmethod
    def loss(model, batch):
        ids, lengths, inputs, targets = batch
        return model.decoder.loss(model.encode(ids, lengths), inputs, targets)

    @staticmethod
    def evaluate(model, data, config) -> float:
        from tinygrad_rnn.tasks._seq2seq import BOS, EOS, exact_match, until_eos
        from tinygrad_rnn.tasks.translate import DIGITS, NUMBERS

        test = data["test"]
        written = model.decoder.greedy(model.encode(test["ids"], test["lengths"]),
                                       DIGITS.index[BOS], steps=len(str(NUMBERS - 1)) + 1)
        return float(exact_match(until_eos(written, DIGITS.index[EOS]), test["digits"]).mean())


class Caption:
    """``caption``: a linear map of the pixels to the decoder's initial ``h`` (tanh), in
    every layer, the other state tensors zero; then the decoder."""

    class Model(torch.nn.Module):
        def __init__(self, config, data):
            from tinygrad_rnn.tasks.caption import EMBEDDING, PIXELS, WORDS

            super().__init__()
            self.decoder = Decoder(config, len(WORDS), EMBEDDING)
            self.see = torch.nn.Linear(PIXELS, config["hidden"])

        def start(self, pixels):
            h = torch.tanh(self.see(as_torch(pixels)))
            h = torch.stack([h] * self.decoder.rnn.num_layers)
            return (h, torch.zeros_like(h)) if isinstance(self.decoder.rnn, torch.nn.LSTM) else h

    @staticmethod
    def loss(model, batch):
        pixels, inputs, targets = batch
        return model.decoder.loss(model.start(pixels), inputs, targets)

    @staticmethod
    def evaluate(model, data, config) -> float:
        from tinygrad_rnn.tasks._seq2seq import BOS, EOS, exact_match, until_eos
        from tinygrad_rnn.tasks.caption import SEQ_LEN, WORDS, _pixels

        test = data["test"]
        written = model.decoder.greedy(model.start(_pixels(test, slice(None), config)),
                                       WORDS.index[BOS], steps=SEQ_LEN + 1)
        return float(exact_match(until_eos(written, WORDS.index[EOS]), test["captions"]).mean())


MIRRORS = {"adding": Adding, "charlm": Charlm, "forecast": Forecast, "sentiment": Sentiment,
           "tag": Tag, "translate": Translate, "caption": Caption}
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "adagrad": torch.optim.Adagrad}


def make_optimizer(config: dict, parameters):
    """``config``'s optimizer and learning rate, each option otherwise at its default."""
    return OPTIMIZERS[config["optimizer"]](parameters, lr=config["lr"])


def make_scheduler(config: dict, optimizer):
    """None for a constant learning rate; a cosine decay to 0 over ``steps`` otherwise."""
    if config["lr_schedule"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["steps"])
    return None
