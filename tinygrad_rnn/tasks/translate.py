"""``translate``: numbers written in English words into digits (sequence-to-sequence).

"three thousand four hundred twelve" → "3412": the source material's machine translation
in small. An encoder reads the words; its final state becomes the initial state of a
decoder (see :mod:`tinygrad_rnn.tasks._seq2seq`) that writes the digits one at a time,
trained with teacher forcing and read out greedily. A tenth of the numbers from 0 to 9999
are held out; the metric is the fraction of them translated exactly.
"""

from __future__ import annotations

import numpy as np

from ..data import Vocabulary
from ..nn import Embedding, Module
from .plots import pyplot, save_figure
from .task import Task
from ._models import check_fixed_length, dtype_of, lengths_of, pad, random_rows, recurrent
from ._seq2seq import BOS, EOS, Decoder, exact_match, teacher_forcing, until_eos

SEQ_LEN = 6   # the longest sequence the data hold

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBERS = 10_000
HELD_OUT = 0.1
EMBEDDING = 32

WORDS = Vocabulary(["<pad>"] + UNITS + TENS[2:] + ["hundred", "thousand"])
DIGITS = Vocabulary([BOS, EOS] + list("0123456789"))


def in_words(n: int) -> list[str]:
    """``n`` (0 ≤ n < 10000) in English words, without "and"."""
    if n == 0:
        return ["zero"]
    words = []
    thousands, hundreds, rest = n // 1000, n // 100 % 10, n % 100
    if thousands:
        words += [UNITS[thousands], "thousand"]
    if hundreds:
        words += [UNITS[hundreds], "hundred"]
    if rest >= 20:
        words += [TENS[rest // 10]] + ([UNITS[rest % 10]] if rest % 10 else [])
    elif rest:
        words.append(UNITS[rest])
    return words


def encode(numbers: np.ndarray) -> dict:
    """Padded word ids (id 0) and lengths of the numbers, and their digits' ids."""
    words = [WORDS.encode(in_words(int(n))) for n in numbers]
    digits = [tuple(int(i) for i in DIGITS.encode(str(n))) for n in numbers]
    return {"numbers": numbers, "ids": pad(words, 0), "lengths": lengths_of(words),
            "digits": digits}


def make_data(config: dict, seed: int) -> dict:
    check_fixed_length("translate", config, SEQ_LEN, "numbers in words")
    order = np.random.default_rng(seed).permutation(NUMBERS)
    held_out = int(NUMBERS * HELD_OUT)
    return {"train": encode(order[held_out:]), "test": encode(order[:held_out])}


class Translator(Module):
    """An encoder (embedding and recurrent layer) whose final state starts the decoder."""

    def __init__(self, config: dict):
        super().__init__()
        self.embed = Embedding(len(WORDS), EMBEDDING, dtype=dtype_of(config))
        self.encoder = recurrent(config, EMBEDDING, bidirectional=False)
        self.decoder = Decoder(config, len(DIGITS), EMBEDDING)

    def encode(self, ids: np.ndarray, lengths: np.ndarray):
        """The encoder's final state after each sentence's last word."""
        _, final = self.encoder(self.embed(ids), lengths=lengths)
        return final

    def translate(self, ids: np.ndarray, lengths: np.ndarray) -> list[tuple[int, ...]]:
        """The greedy translation (digit ids) of each padded sentence."""
        written = self.decoder.greedy(self.encode(ids, lengths), DIGITS.index[BOS],
                                      steps=len(str(NUMBERS - 1)) + 1)
        return until_eos(written, DIGITS.index[EOS])


def build_model(config: dict, data) -> Translator:
    return Translator(config)


def sample_batch(data: dict, config: dict, rng: np.random.Generator, step: int):
    train = data["train"]
    ids, lengths, rows = random_rows(train, config["batch"], rng)
    inputs, targets = teacher_forcing([train["digits"][r] for r in rows],
                                      DIGITS.index[BOS], DIGITS.index[EOS])
    return ids, lengths, inputs, targets


def loss(model: Translator, batch):
    ids, lengths, inputs, targets = batch
    return model.decoder.loss(model.encode(ids, lengths), inputs, targets)


def evaluate(model: Translator, data: dict, config: dict) -> float:
    test = data["test"]
    return float(exact_match(model.translate(test["ids"], test["lengths"]), test["digits"]).mean())


def report(model: Translator, data: dict, config: dict) -> list[str]:
    test = data["test"]
    shown = 4
    written = model.translate(test["ids"][:shown], test["lengths"][:shown])
    return [f"{' '.join(in_words(int(n)))} -> {DIGITS.decode(list(w)) or '(nothing)'}"
            f"{'' if tuple(w) == d else '  (wrong: ' + DIGITS.decode(list(d)) + ')'}"
            for n, w, d in zip(test["numbers"], written, test["digits"])]


def picture(model: Translator, data: dict, config: dict, path) -> None:
    """Held-out exact-match accuracy by the number of digits of the answer."""
    plt = pyplot()

    test = data["test"]
    right = exact_match(model.translate(test["ids"], test["lengths"]), test["digits"])
    sizes = np.array([len(d) for d in test["digits"]])
    shown = np.unique(sizes)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(shown, [right[sizes == k].mean() for k in shown])
    for k in shown:
        ax.text(k, 0.02, f"n={np.sum(sizes == k)}", ha="center", color="white")
    ax.set(xticks=shown, ylim=(0, 1.05), xlabel="digits in the answer",
           ylabel="held-out exact match", title="translate: accuracy by output length")
    fig.tight_layout()
    save_figure(fig, path)


TASK = Task(
    name="translate",
    summary="numbers in English words to digits: an encoder-decoder with greedy decoding",
    shape="many-to-many (sequence-to-sequence)", metric="exact_match", higher_is_better=True,
    defaults=dict(hidden=64, lr=5e-3, seq_len=SEQ_LEN, steps=600), make_data=make_data,
    build_model=build_model, sample_batch=sample_batch, loss=loss, evaluate=evaluate,
    picture=picture, report=report)
