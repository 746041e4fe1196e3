"""``sentiment``: is a review positive or negative? (many-to-one classification)

Sentences come from a small grammar about a film, with negation ("not"), intensifiers
("very", "really", "at all") and two contrastive forms in which the order of the words
decides the answer:

    simple       the film was very good                       positive
    negated      the plot was not good at all                 negative
    contrast     the acting was good , not bad                positive (the first adjective)
    turn         the music was not good but really bad        negative (the adjective after "but")

Every contrast or turn sentence comes with its twin, the same sentence with its two
adjectives exchanged: the same words, the opposite label. An order-blind (bag-of-words)
classifier gives both twins the same answer, so it is right on exactly half of them: with a
fraction ``TWINS`` of the sentences in twin pairs its accuracy is at most
1 - TWINS / 2 = 0.7, whatever it learned. The baseline reported is that bound reached: the
best order-blind accuracy on the test set, computed exactly by giving every multiset of
words its majority label. No test sentence occurs in the training set.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .. import cross_entropy
from ..data import Vocabulary
from ..tensor import Tensor
from .plots import pyplot, save_figure
from .task import Task
from ._models import (TokenRecurrent, check_fixed_length, drawn_apart, lengths_of, pad,
                      random_rows, summary)

SEQ_LEN = 11   # the longest sequence the data hold

SUBJECTS = ["film", "movie", "plot", "acting", "music", "ending", "script", "cast", "story",
            "dialogue", "soundtrack", "finale"]
POSITIVE = ["good", "great", "fun", "clever", "moving", "superb", "brilliant", "charming"]
NEGATIVE = ["bad", "dull", "awful", "boring", "weak", "silly", "clumsy", "tedious"]
INTENSIFIERS = ["", "very", "really", "truly", "quite"]
KINDS = ("simple", "negated", "contrast", "turn")
TWINS = 0.6                    # the fraction of sentences that belong to a twin pair
TRAIN_PAIRS, TEST_PAIRS = 3000, 600
EMBEDDING = 16


def pick(rng, words: list[str]) -> str:
    """One of ``words``, uniformly."""
    return words[rng.integers(len(words))]


def _adjective(rng, polarity: int) -> str:
    return pick(rng, POSITIVE if polarity else NEGATIVE)


def _intensified(rng, adjective: str) -> list[str]:
    word = pick(rng, INTENSIFIERS)
    return [word, adjective] if word else [adjective]


def _at_all(rng) -> list[str]:
    return ["at", "all"] if rng.random() < 0.5 else []


def single(rng) -> tuple[list[str], int, str]:
    """A simple or negated sentence: (words, label 1 = positive, kind)."""
    polarity = int(rng.integers(2))
    start = ["the", pick(rng, SUBJECTS), "was"]
    adjective = _intensified(rng, _adjective(rng, polarity))
    if rng.random() < 0.5:
        return start + adjective, polarity, "simple"
    return start + ["not"] + adjective + _at_all(rng), 1 - polarity, "negated"


def twins(rng) -> list[tuple[list[str], int, str]]:
    """A contrast or turn sentence and its twin with the two adjectives exchanged."""
    kind = KINDS[2 + int(rng.integers(2))]
    start = ["the", pick(rng, SUBJECTS), "was"]
    first, second = _adjective(rng, 1), _adjective(rng, 0)
    intensity = [pick(rng, INTENSIFIERS) for _ in range(2)]
    tail = _at_all(rng)
    pair = []
    for a, b, label in ((first, second, 1), (second, first, 0)):
        one, two = [w for w in (intensity[0], a) if w], [w for w in (intensity[1], b) if w]
        if kind == "contrast":      # "A , not B": the first adjective holds
            words = start + one + [",", "not"] + two + tail
        else:                       # "not A but B": the adjective after "but" holds
            words = start + ["not"] + one + tail + ["but"] + two
            label = 1 - label
        pair.append((words, label, kind))
    return pair


def sentences(pairs: int, rng, excluded=frozenset()) -> list[tuple[list[str], int, str]]:
    """``pairs`` twin pairs mixed with as many single sentences as make the twins a
    fraction ``TWINS`` of the whole, in a random order, none of them in ``excluded``."""
    def held_out(drawn):
        return any(tuple(words) in excluded for words, _, _ in drawn)

    singles = round(2 * pairs * (1 - TWINS) / TWINS)
    out = [s for pair in drawn_apart(lambda: twins(rng), pairs, held_out) for s in pair]
    out += [s for (s,) in drawn_apart(lambda: [single(rng)], singles, held_out)]
    return [out[i] for i in rng.permutation(len(out))]


VOCABULARY = Vocabulary(["<pad>", "the", "was", "not", ",", "but", "at", "all"]
                        + SUBJECTS + POSITIVE + NEGATIVE + INTENSIFIERS[1:])


def encode(items) -> dict:
    """Token ids (padded with id 0), lengths, labels and kinds of ``(words, label, kind)``s."""
    ids = [VOCABULARY.encode(words) for words, _, _ in items]
    return {"ids": pad(ids, 0), "lengths": lengths_of(ids), "words": [w for w, _, _ in items],
            "labels": np.array([label for _, label, _ in items], dtype=np.int64),
            "kinds": np.array([kind for _, _, kind in items])}


def make_data(config: dict, seed: int) -> dict:
    check_fixed_length("sentiment", config, SEQ_LEN, "sentences")
    rng = np.random.default_rng(seed)
    test = sentences(TEST_PAIRS, rng)
    train = sentences(TRAIN_PAIRS, rng, excluded={tuple(words) for words, _, _ in test})
    return {"train": encode(train), "test": encode(test)}


class Classifier(TokenRecurrent):
    """Embedding, recurrent layer over the sentence, linear map of its summary to 2 logits."""

    def __init__(self, config: dict):
        super().__init__(config, len(VOCABULARY), EMBEDDING, 2)

    def forward(self, ids: np.ndarray, lengths: np.ndarray) -> Tensor:
        """Logits (N, 2) of negative and positive, for padded ``ids`` (N, T)."""
        _, final = self.rnn(self.embed(ids), lengths=lengths)
        return self.head(summary(final, self.rnn))


def build_model(config: dict, data) -> Classifier:
    return Classifier(config)


def sample_batch(data: dict, config: dict, rng: np.random.Generator, step: int):
    ids, lengths, rows = random_rows(data["train"], config["batch"], rng)
    return ids, lengths, data["train"]["labels"][rows]


def loss(model: Classifier, batch) -> Tensor:
    ids, lengths, labels = batch
    return cross_entropy(model(ids, lengths), labels)


def predict(model: Classifier, split: dict) -> np.ndarray:
    """The predicted label of every sentence of ``split``."""
    return np.argmax(model(split["ids"], split["lengths"]).array, axis=-1)


def evaluate(model: Classifier, data: dict, config: dict) -> float:
    return float(np.mean(predict(model, data["test"]) == data["test"]["labels"]))


def best_order_blind_accuracy(sentences: list, labels) -> float:
    """The accuracy on ``sentences`` (lists of words) of the best classifier that sees only
    the multiset of words of a sentence: each multiset answered with its majority label."""
    votes: dict = {}
    for words, label in zip(sentences, labels):
        votes.setdefault(frozenset(Counter(words).items()), Counter())[label] += 1
    return sum(max(count.values()) for count in votes.values()) / len(labels)


def baseline(data: dict, config: dict) -> float:
    return best_order_blind_accuracy(data["test"]["words"], data["test"]["labels"])


def report(model: Classifier, data: dict, config: dict) -> list[str]:
    test = data["test"]
    right = predict(model, test) == test["labels"]
    return ["accuracy by kind: " + ", ".join(
        f"{kind} {right[test['kinds'] == kind].mean():.3f}" for kind in KINDS)]


def picture(model: Classifier, data: dict, config: dict, path) -> None:
    """Test accuracy by kind of sentence, beside the best order-blind accuracy."""
    plt = pyplot()

    test = data["test"]
    right = predict(model, test) == test["labels"]
    model_accuracy = [right[test["kinds"] == kind].mean() for kind in KINDS]
    blind = []
    for kind in KINDS:
        rows = np.flatnonzero(test["kinds"] == kind)
        words = [test["words"][r] for r in rows]
        blind.append(best_order_blind_accuracy(words, test["labels"][rows]))
    x = np.arange(len(KINDS))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(x - 0.2, model_accuracy, 0.4, label="model")
    ax.bar(x + 0.2, blind, 0.4, label="best order-blind")
    ax.set(xticks=x, xticklabels=KINDS, ylim=(0, 1.05), ylabel="test accuracy",
           title="sentiment: accuracy by kind of sentence")
    ax.legend(loc="lower left")
    fig.tight_layout()
    save_figure(fig, path)


TASK = Task(
    name="sentiment",
    summary="positive or negative? sentences with negation and contrast, where word order matters",
    shape="many-to-one", metric="accuracy", higher_is_better=True,
    defaults=dict(hidden=48, seq_len=SEQ_LEN), make_data=make_data, build_model=build_model,
    sample_batch=sample_batch, loss=loss, evaluate=evaluate, picture=picture,
    baseline=baseline, report=report, allows_bidirectional=True)
