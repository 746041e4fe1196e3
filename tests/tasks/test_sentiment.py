"""``sentiment``: labels follow the grammar's meaning, word order is needed (an
order-blind classifier is held to 0.7 exactly), and a short training gets past that."""

from collections import Counter

from tinygrad_rnn.tasks import sentiment
from toy_training import config_of, train


def meaning(words: list[str]) -> int:
    """The label a reader gives: after "but", the adjective after it; with ", not", the
    first adjective; otherwise the adjective, flipped by "not"."""
    adjectives = [w for w in words if w in sentiment.POSITIVE + sentiment.NEGATIVE]
    positive = [a in sentiment.POSITIVE for a in adjectives]
    if "but" in words:
        return int(positive[1])
    if "," in words:
        return int(positive[0])
    return int(positive[0] != ("not" in words))


def test_every_label_is_the_sentence_meaning():
    data = sentiment.make_data(config_of(sentiment.TASK), 0)
    for split in ("train", "test"):
        words, labels = data[split]["words"], data[split]["labels"]
        assert [meaning(w) for w in words] == labels.tolist()


def test_contrastive_sentences_come_in_twins_with_the_same_words_and_opposite_labels():
    test = sentiment.make_data(config_of(sentiment.TASK), 0)["test"]
    by_words = {}
    for words, label, kind in zip(test["words"], test["labels"], test["kinds"]):
        if kind in ("contrast", "turn"):
            by_words.setdefault(tuple(sorted(words)), Counter())[label] += 1
    assert all(count[0] == count[1] for count in by_words.values())
    assert sum(sum(c.values()) for c in by_words.values()) == 0.6 * len(test["labels"])


def test_no_order_blind_classifier_exceeds_0_7_on_the_test_set():
    # The best order-blind classifier answers each multiset of words with its majority label.
    test = sentiment.make_data(config_of(sentiment.TASK), 0)["test"]
    votes = {}
    for words, label in zip(test["words"], test["labels"]):
        votes.setdefault(tuple(sorted(words)), Counter())[label] += 1
    best = sum(max(c.values()) for c in votes.values()) / len(test["labels"])
    assert best <= 0.7 + 1e-12
    assert sentiment.baseline({"test": test}, config_of(sentiment.TASK)) == best


def test_short_training_goes_past_the_order_blind_bound():
    config, data, _, losses, accuracy = train(sentiment.TASK, steps=80, hidden=32)
    assert losses[-20:].mean() < 0.2 * losses[:5].mean()
    assert accuracy >= 0.9 > sentiment.baseline(data, config)
