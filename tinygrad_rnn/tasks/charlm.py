"""The character language model (synchronised many-to-many), char-rnn style.

Given the characters of a text one at a time, predict the next one at every step. The model
is one-hot characters → a recurrent stack → (dropout) → a linear layer to one logit per
character of the vocabulary, trained on the mean cross-entropy of its predictions:

    L = -(1/TN) Σ_{t,n} log softmax(z_{t,n})[c_{t+1,n}]

in nats per character (divide by ln 2 for bits per character).

Truncated backpropagation through time over parallel streams: the training text is cut into
``batch`` contiguous rows, and step k reads the next ``seq_len`` columns of every row, so
each row continues where it stopped; the final hidden state of one chunk is the initial
state of the next, cut from the graph (gradients flow back ``seq_len`` steps at most). Each
epoch starts at a different offset into the rows (drawn from the run's seed and the epoch
number), so the chunk boundaries move from one epoch to the next, and starts from a zero
state.

Default corpus: Tiny Shakespeare (about 1.1 MB of the plays, public domain), shipped in the
package as ``tasks/data/tinyshakespeare.txt.xz``; ``--text FILE`` trains on any UTF-8 text.
The last 10% is held out for validation.
"""

from __future__ import annotations

import functools
import importlib.resources
import lzma
import math

import numpy as np

from .. import cross_entropy, nn, softmax
from ..data import Vocabulary
from ..nn.recurrent import detach_state
from .plots import pyplot, save_figure
from .task import Task
from ._models import recurrent

HELD_OUT = 0.1
SAMPLE_LENGTH = 200
SAMPLE_TEMPERATURE = 0.8
EVAL_CHARS, EVAL_STREAMS, EVAL_CHUNK = 20_000, 50, 100
CORPUS = "tinyshakespeare.txt.xz"


@functools.cache
def shipped_text() -> str:
    """The Tiny Shakespeare corpus shipped with the package (see ``tasks/data/README.md``)."""
    packed = importlib.resources.files(__package__).joinpath("data", CORPUS).read_bytes()
    return lzma.decompress(packed).decode("utf-8")


def read_text(path: str | None) -> str:
    """The text of the UTF-8 file ``path``, or the shipped corpus when None."""
    if path is None:
        return shipped_text()
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        raise ValueError(f"--text {path}: no such file") from None
    except IsADirectoryError:
        raise ValueError(f"--text {path}: is a directory, not a text file") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"--text {path}: not UTF-8 text ({error.reason} at byte "
                         f"{error.start})") from None


def make_data(config: dict, seed: int) -> dict:
    """The vocabulary and the encoded training (first 90%) and validation (last 10%) text.

    Raises:
        ValueError: the text is too short for ``batch`` streams of ``seq_len`` steps.
    """
    text = read_text(config["text"])
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    split = int(len(ids) * (1 - HELD_OUT))
    train, val = ids[:split], ids[split:]
    batch, seq_len = config["batch"], config["seq_len"]
    needed = math.ceil((2 * seq_len + 1) * batch / (1 - HELD_OUT))
    if len(train) // batch < 2 * seq_len + 1 or len(val) < seq_len + 1:
        source = config["text"] or CORPUS
        raise ValueError(f"--text {source}: {len(text)} characters is too short for --batch "
                         f"{batch} --seq-len {seq_len}; it needs at least {needed}")
    return {"vocab": vocab, "train": train, "val": val,
            "columns": len(train) // batch, "first": text[0]}


# ---------------------------------------------------------------- the streams

def chunks_per_epoch(data, config) -> int:
    """Chunks of ``seq_len`` steps in one pass over the rows, whatever the epoch's offset."""
    return (data["columns"] - config["seq_len"]) // config["seq_len"]


def position(data, config, step: int) -> dict:
    """Where step ``step + 1`` reads: the epoch, the chunk in it and the epoch's offset."""
    epoch, chunk = divmod(step, chunks_per_epoch(data, config))
    offset = int(np.random.default_rng([config["seed"], 3, epoch]).integers(config["seq_len"]))
    return {"epoch": epoch, "chunk": chunk, "offset": offset}


def sample_batch(data, config: dict, rng: np.random.Generator, step: int) -> dict:
    """Chunk ``step`` (counted from 1): time-major inputs and targets ``(T, N)``, and
    whether it starts an epoch (then the carried state starts from zero)."""
    where = position(data, config, step - 1)
    batch, seq_len = config["batch"], config["seq_len"]
    rows = data["train"][:batch * data["columns"]].reshape(batch, data["columns"])
    start = where["offset"] + where["chunk"] * seq_len
    return {"inputs": rows[:, start:start + seq_len].T, "targets": rows[:, start + 1:start + seq_len + 1].T,
            "reset": where["chunk"] == 0}


# ---------------------------------------------------------------- the model

class CharRNN(nn.Module):
    """One-hot characters → ``Recurrent`` → dropout → ``Linear`` logits; ``carry`` holds the
    state passed from one training chunk to the next."""

    def __init__(self, config: dict, vocab_size: int):
        super().__init__()
        self.vocab_size, self.dtype = vocab_size, np.dtype(config["dtype"])
        self.rnn = recurrent(config, vocab_size, batch_first=False)
        self.drop = nn.Dropout(config["dropout"])
        self.head = nn.Linear(self.rnn.cells[0].output_size, vocab_size, dtype=config["dtype"])
        self.carry = None

    def forward(self, ids, state=None):
        """Logits ``(T, N, V)`` for the ids ``(T, N)`` from ``state``; and the final state."""
        x = np.eye(self.vocab_size, dtype=self.dtype)[ids]
        output, state = self.rnn(x, state)
        return self.head(self.drop(output)), state


def build_model(config: dict, data) -> nn.Module:
    return CharRNN(config, len(data["vocab"]))


def loss(model, batch):
    if batch["reset"]:
        model.carry = None
    logits, state = model(batch["inputs"], model.carry)
    model.carry = detach_state(state)
    return cross_entropy(logits.reshape(-1, model.vocab_size), batch["targets"].reshape(-1))


def get_carry(model) -> dict:
    """The carried state as arrays (none at the start of an epoch)."""
    if model.carry is None:
        return {}
    parts = (model.carry,) if not isinstance(model.carry, tuple) else model.carry
    return {str(i): part.array for i, part in enumerate(parts)}


def set_carry(model, arrays: dict) -> None:
    from ..tensor import Tensor

    parts = tuple(Tensor(arrays[str(i)]) for i in range(len(arrays)))
    model.carry = parts[0] if len(parts) == 1 else parts


# ---------------------------------------------------------------- evaluation and samples

def evaluate(model, data, config) -> float:
    """The mean cross-entropy (nats per character) over the first EVAL_CHARS characters of
    the validation text (all of it if shorter), read as EVAL_STREAMS streams in chunks of
    EVAL_CHUNK steps with the state carried."""
    val = data["val"][:EVAL_CHARS + 1]
    streams = min(EVAL_STREAMS, (len(val) - 1) // 2)
    columns = (len(val) - 1) // streams
    inputs = val[:streams * columns].reshape(streams, columns)
    targets = val[1:streams * columns + 1].reshape(streams, columns)
    total, state = 0.0, None
    for start in range(0, columns, EVAL_CHUNK):
        logits, state = model(inputs[:, start:start + EVAL_CHUNK].T, state)
        chunk = targets[:, start:start + EVAL_CHUNK].T
        total += cross_entropy(logits.reshape(-1, model.vocab_size), chunk.reshape(-1),
                               reduction="sum").item()
    return total / (streams * columns)


def generate(model, vocab: Vocabulary, prime: str, length: int, temperature: float,
             rng: np.random.Generator) -> str:
    """``prime`` followed by ``length`` characters drawn one at a time from
    softmax(z / temperature): below 1 sharper (safer), above 1 flatter (wilder). The
    probabilities are exp((z - max z) / temperature), normalised, in float64: every exponent
    is at most 0, so no temperature overflows them; as it goes to 0 the draw becomes the
    argmax, as it grows the draw becomes uniform."""
    if not temperature > 0:
        raise ValueError(f"--temperature must be positive, got {temperature}")
    if not prime:
        raise ValueError("--prime must have at least one character")
    unknown = sorted(set(prime) - set(vocab.tokens))
    if unknown:
        raise ValueError(f"--prime has characters not in the vocabulary: {''.join(unknown)!r}")
    logits, state = model(vocab.encode(prime)[:, None])
    drawn = []
    for _ in range(length):
        z = logits[-1, 0].array.astype(np.float64)
        p = np.exp((z - z.max()) / temperature)
        drawn.append(int(rng.choice(len(p), p=p / p.sum())))
        logits, state = model(np.array([[drawn[-1]]]), state)
    return prime + vocab.decode(np.array(drawn, dtype=np.int64))


def format_metric(value: float) -> str:
    """The validation loss in nats and in bits per character."""
    return f"{value:.4f} nats/char = {value / math.log(2):.4f} bits/char"


def report(model, data, config) -> list[str]:
    """A sample at SAMPLE_TEMPERATURE, drawn with the same random numbers at every
    evaluation, so that samples are comparable."""
    rng = np.random.default_rng([config["seed"], 2])
    text = generate(model, data["vocab"], data["first"], SAMPLE_LENGTH, SAMPLE_TEMPERATURE, rng)
    return [f"sample (temperature {SAMPLE_TEMPERATURE}):", *("| " + line for line in text.splitlines())]


def baseline(data, config) -> float:
    """The cross-entropy of the training text's character frequencies on the validation
    text: what a model that ignores the context can reach (a unigram model)."""
    counts = np.bincount(data["train"], minlength=len(data["vocab"])) + 1.0
    log_p = np.log(counts / counts.sum())
    return float(-log_p[data["val"]].mean())


def picture(model, data, config, path) -> None:
    """The model's next-character probabilities along the first validation characters."""
    plt = pyplot()

    ids = data["val"][:61]
    logits, _ = model(ids[:-1, None])
    p = softmax(logits[:, 0], axis=-1).array
    vocab = data["vocab"]
    figure, axes = plt.subplots(figsize=(12, 4.5))
    axes.imshow(p.T, aspect="auto", cmap="Blues", interpolation="nearest")
    axes.scatter(np.arange(len(ids) - 1), ids[1:], s=8, color="red", label="actual next character")
    axes.set_xticks(np.arange(len(ids) - 1), [repr(c)[1:-1] for c in vocab.decode(ids[:-1])],
                    fontsize=7)
    axes.set_yticks(np.arange(len(vocab)), [repr(c)[1:-1] for c in vocab.tokens], fontsize=5)
    axes.set(xlabel="input character", ylabel="next character",
             title="charlm: predicted next-character probabilities on held-out text")
    axes.legend(loc="upper right", fontsize=7)
    save_figure(figure, path)


TASK = Task(
    name="charlm",
    summary="character language model on Tiny Shakespeare or --text FILE (truncated BPTT)",
    shape="synchronised many-to-many", metric="val_loss", higher_is_better=False,
    defaults=dict(cell="lstm", hidden=128, layers=2, lr=2e-3, clip=5.0, batch=50, seq_len=50,
                  steps=4600, eval_every=200),
    make_data=make_data, build_model=build_model, sample_batch=sample_batch, loss=loss,
    evaluate=evaluate, picture=picture, baseline=baseline, report=report,
    format_metric=format_metric, get_carry=get_carry, set_carry=set_carry, position=position,
    takes_text=True)
