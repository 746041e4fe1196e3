"""``tag``: tags follow the next-word rule, no left-to-right tagger can pass 0.9 (the
Bayes-optimal one, computed exactly over the grammar), a bidirectional model tags almost
every word right and a unidirectional one stays under 0.9."""

import itertools
from collections import defaultdict

from tinygrad_rnn.tasks import tag
from toy_training import config_of, train


def test_an_ambiguous_word_is_a_modifier_exactly_when_a_noun_follows():
    test = tag.make_data(config_of(tag.TASK), 0)["test"]
    names = {w: kind for kind, words in tag.WORDS.items() for w in words}
    for words, tags in zip(test["words"], test["tags"]):
        for t, word in enumerate(words):
            if names[word] == "AMBIGUOUS":
                wanted = "MOD" if names[words[t + 1]] == "NOUN" else "NOUN"
            else:
                wanted = names[word]
            assert tag.TAGS[tags[t]] == wanted


def sentences_with_probabilities():
    """Every sentence of the grammar as word classes and tags, with its probability."""
    clauses = []
    for adjective, compound in itertools.product((False, True), repeat=2):
        p = ((tag.P_ADJECTIVE if adjective else 1 - tag.P_ADJECTIVE)
             * (tag.P_COMPOUND if compound else 1 - tag.P_COMPOUND))
        classes = ["DET"] + ["ADJ"] * adjective + ["AMBIGUOUS"] + ["NOUN"] * compound + ["VERB"]
        tags = ["DET"] + ["ADJ"] * adjective + ["MOD" if compound else "NOUN"] + ["NOUN"] * compound + ["VERB"]
        clauses.append((classes, tags, p))
    for count, p_count in tag.CLAUSES.items():
        for chosen in itertools.product(clauses, repeat=count):
            classes, tags, p = [], [], p_count
            for c, t, q in chosen:
                classes += (["CONJ"] if classes else []) + c
                tags += (["CONJ"] if tags else []) + t
                p *= q
            yield classes, tags, p


def test_best_left_to_right_tagger_is_held_below_0_9_and_a_whole_sentence_tagger_is_not():
    # Which word of a class is drawn is independent of everything else, so the classes
    # seen so far carry all a left-to-right tagger can know.
    by_prefix, by_sentence = defaultdict(lambda: defaultdict(float)), defaultdict(lambda: defaultdict(float))
    tokens = 0.0
    for classes, tags, p in sentences_with_probabilities():
        tokens += p * len(classes)
        for t in range(len(classes)):
            by_prefix[tuple(classes[:t + 1])][tags[t]] += p
            by_sentence[(tuple(classes), t)][tags[t]] += p
    left_to_right = sum(max(m.values()) for m in by_prefix.values()) / tokens
    whole = sum(max(m.values()) for m in by_sentence.values()) / tokens
    assert left_to_right <= 0.9 and abs(whole - 1.0) < 1e-12
    assert abs(left_to_right - (1 - 0.5 * 2 / 8.5)) < 1e-12   # half of 2 ambiguous in 8.5 words
    data = tag.make_data(config_of(tag.TASK), 0)
    assert abs(tag.baseline(data, config_of(tag.TASK)) - left_to_right) < 0.01


def test_bidirectional_tags_every_word_and_unidirectional_stays_under_the_bound():
    _, _, _, losses, both = train(tag.TASK, steps=100, bidirectional=True, hidden=24)
    _, data, _, _, forward = train(tag.TASK, steps=100, bidirectional=False, hidden=24)
    assert losses[-10:].mean() < 0.05 * losses[:5].mean()
    assert both >= 0.98
    assert 0.8 < forward <= 0.9
