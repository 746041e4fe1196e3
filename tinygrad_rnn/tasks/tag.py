"""``tag``: a tag for every word, where the right tag depends on the next word
(many-to-many; the source material's part-of-speech tagging and bidirectional RNN).

Sentences are one to three clauses joined by "and"; a clause is a determiner, perhaps an
adjective, a word such as "glass" or "light", perhaps a noun, then a verb:

    the  glass  door  opens  and  a   light  falls
    DET  MOD    NOUN  VERB   CONJ DET NOUN   VERB

"glass" and "light" are ambiguous: such a word is a modifier (MOD) when a noun follows it
and a noun (NOUN) when a verb does. Every other word has one tag. Whether a noun follows
is a fair coin, drawn after everything before it, so a model that reads the sentence from
left to right can only guess at the ambiguous words (half right on average); they are
about one token in eight, which holds such a model to about 0.88 accuracy. A
bidirectional model sees the next word and can tag every word right.

No test sentence occurs in the training set. The baseline is the accuracy on the test set
of the best left-to-right tagger: each word's own tag, and the likelier tag for an
ambiguous word. It is best on average; on one test set another left-to-right guess at the
ambiguous words may be luckier by a few thousandths.
"""

from __future__ import annotations

import numpy as np

from .. import cross_entropy, ops
from ..data import Vocabulary
from ..tensor import Tensor
from .plots import pyplot, save_figure
from .task import Task
from ._models import TokenRecurrent, check_fixed_length, drawn_apart, lengths_of, pad, random_rows

SEQ_LEN = 17   # the longest sequence the data hold

WORDS = {  # a word's class: its tag, except for the ambiguous ones
    "DET": ["the", "a", "this", "that", "every"],
    "ADJ": ["old", "new", "small", "red", "quiet", "broken"],
    "AMBIGUOUS": ["light", "watch", "paper", "glass", "stone", "garden", "kitchen", "water"],
    "NOUN": ["door", "box", "cup", "clock", "bell", "lamp", "table", "wall", "bottle"],
    "VERB": ["breaks", "shines", "falls", "opens", "rings", "moves", "stays", "waits"],
    "CONJ": ["and"],
}
TAGS = ["DET", "ADJ", "MOD", "NOUN", "VERB", "CONJ"]
CLAUSES = {1: 1 / 3, 2: 1 / 3, 3: 1 / 3}    # the number of clauses and its probability
P_ADJECTIVE = 0.25                          # a clause has an adjective
P_COMPOUND = 0.5                            # a noun follows the ambiguous word
TRAIN_SENTENCES, TEST_SENTENCES = 3000, 1000
EMBEDDING = 16
IGNORE = -100                               # the target at padded positions

VOCABULARY = Vocabulary(["<pad>"] + [w for words in WORDS.values() for w in words])
CLASS_OF = {w: kind for kind, words in WORDS.items() for w in words}


def tags_of(classes: list[str]) -> list[str]:
    """The tags of a sentence given its words' classes: an ambiguous word is MOD before a
    noun and NOUN before a verb; every other word's tag is its class."""
    tags = list(classes)
    for t, kind in enumerate(classes):
        if kind == "AMBIGUOUS":
            tags[t] = "MOD" if classes[t + 1] == "NOUN" else "NOUN"
    return tags


def clause_classes(rng) -> list[str]:
    """The classes of one clause, drawn left to right."""
    classes = ["DET"] + (["ADJ"] if rng.random() < P_ADJECTIVE else []) + ["AMBIGUOUS"]
    return classes + (["NOUN"] if rng.random() < P_COMPOUND else []) + ["VERB"]


def sentence(rng) -> tuple[list[str], list[str]]:
    """One sentence: (words, tags)."""
    count = int(rng.choice(list(CLAUSES), p=list(CLAUSES.values())))
    classes = clause_classes(rng)
    for _ in range(count - 1):
        classes += ["CONJ"] + clause_classes(rng)
    words = [WORDS[kind][rng.integers(len(WORDS[kind]))] for kind in classes]
    return words, tags_of(classes)


def encode(items) -> dict:
    """Padded word ids (id 0), lengths, and tag ids (``IGNORE`` past each end)."""
    ids = [VOCABULARY.encode(words) for words, _ in items]
    tags = [[TAGS.index(tag) for tag in tags] for _, tags in items]
    return {"ids": pad(ids, 0), "lengths": lengths_of(ids), "tags": pad(tags, IGNORE),
            "words": [words for words, _ in items]}


def make_data(config: dict, seed: int) -> dict:
    check_fixed_length("tag", config, SEQ_LEN, "sentences")
    rng = np.random.default_rng(seed)
    test = [sentence(rng) for _ in range(TEST_SENTENCES)]
    held_out = {tuple(words) for words, _ in test}
    train = drawn_apart(lambda: sentence(rng), TRAIN_SENTENCES, lambda s: tuple(s[0]) in held_out)
    return {"train": encode(train), "test": encode(test)}


class Tagger(TokenRecurrent):
    """Embedding, recurrent layer, and a linear map of its output at every step to the
    tags' logits."""

    def __init__(self, config: dict):
        super().__init__(config, len(VOCABULARY), EMBEDDING, len(TAGS))

    def forward(self, ids: np.ndarray, lengths: np.ndarray) -> Tensor:
        """Logits (N·T, tags), row n·T + t for word t of sentence n."""
        output, _ = self.rnn(self.embed(ids), lengths=lengths)
        logits = self.head(output)
        return ops.reshape(logits, (ids.shape[0] * ids.shape[1], len(TAGS)))


def build_model(config: dict, data) -> Tagger:
    return Tagger(config)


def sample_batch(data: dict, config: dict, rng: np.random.Generator, step: int):
    ids, lengths, rows = random_rows(data["train"], config["batch"], rng)
    return ids, lengths, data["train"]["tags"][rows, :ids.shape[1]]


def loss(model: Tagger, batch) -> Tensor:
    ids, lengths, tags = batch
    return cross_entropy(model(ids, lengths), tags.reshape(-1), ignore_index=IGNORE)


def predict(model: Tagger, split: dict) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) tag ids of every word of ``split``, padding left out."""
    truth = split["tags"].reshape(-1)
    guess = np.argmax(model(split["ids"], split["lengths"]).array, axis=-1)
    real = truth != IGNORE
    return truth[real], guess[real]


def evaluate(model: Tagger, data: dict, config: dict) -> float:
    truth, guess = predict(model, data["test"])
    return float(np.mean(truth == guess))


def baseline(data: dict, config: dict) -> float:
    """The test accuracy of the best left-to-right tagger: a word's own tag, or for an
    ambiguous word the likelier of MOD and NOUN (MOD when a tie)."""
    likelier = "MOD" if P_COMPOUND >= 0.5 else "NOUN"
    test = data["test"]
    guess = [[TAGS.index(likelier if CLASS_OF[w] == "AMBIGUOUS" else CLASS_OF[w]) for w in words]
             for words in test["words"]]
    truth = test["tags"][test["tags"] != IGNORE]
    return float(np.mean(np.concatenate(guess) == truth))


def report(model: Tagger, data: dict, config: dict) -> list[str]:
    test = data["test"]
    words = test["words"][0]
    guess = np.argmax(model(test["ids"][:1, :len(words)], test["lengths"][:1]).array, axis=-1)
    return [" ".join(f"{w}/{TAGS[g]}" for w, g in zip(words, guess))]


def confusion(truth: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """counts[i, j]: the words of true tag i tagged j."""
    counts = np.zeros((len(TAGS), len(TAGS)), dtype=np.int64)
    np.add.at(counts, (truth, guess), 1)
    return counts


def picture(model: Tagger, data: dict, config: dict, path) -> None:
    """The confusion matrix of the tags on the test set."""
    plt = pyplot()

    counts = confusion(*predict(model, data["test"]))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)   # of each true tag
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (i, j), n in np.ndenumerate(counts):
        ax.text(j, i, str(n), ha="center", va="center", fontsize=8)
    ax.set(xticks=range(len(TAGS)), yticks=range(len(TAGS)), xticklabels=TAGS, yticklabels=TAGS,
           xlabel="predicted tag", ylabel="true tag",
           title=f"tag: confusion matrix ({'bi' if config['bidirectional'] else 'uni'}directional)")
    fig.tight_layout()
    save_figure(fig, path)


TASK = Task(
    name="tag",
    summary="tag every word, where an ambiguous word's tag depends on the word after it",
    shape="many-to-many", metric="accuracy", higher_is_better=True,
    defaults=dict(batch=32, seq_len=SEQ_LEN), make_data=make_data, build_model=build_model,
    sample_batch=sample_batch, loss=loss, evaluate=evaluate, picture=picture,
    baseline=baseline, report=report, allows_bidirectional=True)
