"""charlm: the shipped corpus, the streams of truncated BPTT, learning, sampling."""

import hashlib
import math

import numpy as np
import pytest

from tinygrad_rnn import cli
from tinygrad_rnn.tasks import charlm, options, runner


def config(**overrides):
    return options.make_config(charlm.TASK, overrides)


def test_the_shipped_corpus_is_tiny_shakespeare():
    text = charlm.shipped_text()
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed")


def test_the_last_tenth_is_held_out():
    data = charlm.make_data(config(), 0)
    assert len(data["train"]) == int(1_115_394 * 0.9)
    assert len(data["train"]) + len(data["val"]) == 1_115_394
    assert data["vocab"].decode(data["val"][:6]) == charlm.shipped_text()[len(data["train"]):][:6]


def test_each_chunk_continues_the_previous_one_in_every_stream(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("".join(chr(ord("a") + i % 26) for i in range(2000)))
    cfg = config(text=str(text), batch=3, seq_len=5)
    data = charlm.make_data(cfg, 0)
    first, second = (charlm.sample_batch(data, cfg, None, step) for step in (1, 2))
    assert first["reset"] and not second["reset"]
    np.testing.assert_array_equal(first["inputs"][1:], first["targets"][:-1])
    np.testing.assert_array_equal(second["inputs"][0], first["targets"][-1])
    assert first["inputs"].shape == (5, 3)
    per_epoch = charlm.chunks_per_epoch(data, cfg)
    assert charlm.sample_batch(data, cfg, None, per_epoch + 1)["reset"]


def test_a_text_too_short_for_the_batch_is_refused(tmp_path):
    text = tmp_path / "short.txt"
    text.write_text("hello world " * 10)
    with pytest.raises(ValueError, match=r"short\.txt: 120 characters is too short for --batch 50"):
        charlm.make_data(config(text=str(text)), 0)


def test_charlm_learns_beyond_character_frequencies():
    cfg = config(hidden=32, layers=1, batch=16, seq_len=20, lr=1e-2, steps=100)
    run = runner.Run("charlm", charlm.TASK, cfg, None)
    first = runner.train_step(charlm.TASK, run.model, run.optimizer, None, run.data, cfg, run.rng, 1)
    for step in range(2, 101):
        runner.train_step(charlm.TASK, run.model, run.optimizer, None, run.data, cfg, run.rng, step)
    value, lines = runner.evaluate(charlm.TASK, run.model, run.data, cfg)
    assert first == pytest.approx(math.log(65), abs=0.1)   # uniform over 65 characters
    assert value < charlm.baseline(run.data, cfg) - 0.3    # the unigram model: about 3.3
    assert lines[0] == "sample (temperature 0.8):" and lines[1].startswith("| F")


def test_sample_continues_the_prime_from_a_trained_run(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("abcabcabd" * 40)
    out = tmp_path / "run"
    assert cli.main(["train", "charlm", "--text", str(text), "--hidden", "8", "--layers", "1",
                     "--batch", "2", "--seq-len", "4", "--steps", "3", "--out", str(out),
                     "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["sample", str(out), "--prime", "ab", "--length", "20", "--seed", "3"]) == 0
    sample = capsys.readouterr().out.rstrip("\n")
    assert sample.startswith("ab") and len(sample) == 22 and set(sample) <= set("abcd")
    assert cli.main(["sample", str(out), "--prime", "xyz"]) == 2
    assert "not in the vocabulary: 'xyz'" in capsys.readouterr().err


def test_an_empty_prime_is_refused_not_replaced(tmp_path, capsys):
    out = tmp_path / "run"   # no run is read: the options are checked first
    assert cli.main(["sample", str(out), "--prime", ""]) == 2
    assert "--prime must have at least one character" in capsys.readouterr().err


def _greedy(model, vocab, prime, length):
    """The argmax continuation, written out step by step (the limit of temperature → 0)."""
    logits, state = model(vocab.encode(prime)[:, None])
    drawn = []
    for _ in range(length):
        drawn.append(int(np.argmax(logits.array[-1, 0])))
        logits, state = model(np.array([[drawn[-1]]]), state)
    return prime + vocab.decode(np.array(drawn, dtype=np.int64))


@pytest.mark.parametrize("temperature", [1e-300, 1e-30, 1e300])
def test_extreme_temperatures_sample_without_overflow(temperature):
    from tinygrad_rnn import manual_seed, no_grad

    manual_seed(0)
    cfg = config(hidden=16, layers=1)
    data = charlm.make_data(cfg, 0)
    model = charlm.build_model(cfg, data)
    vocab = data["vocab"]
    with no_grad():
        texts = {charlm.generate(model, vocab, "Th", 30, temperature, np.random.default_rng(seed))
                 for seed in range(3)}
        if temperature < 1:   # every draw is the argmax, whatever the seed
            assert texts == {_greedy(model, vocab, "Th", 30)}
        else:                 # flat: the seeds draw different, valid texts
            assert len(texts) == 3
    assert all(len(text) == 32 and set(text) <= set(vocab.tokens) for text in texts)
