"""The "hello" character model learns to predict e, l, l, o from h, e, l, l."""

from tinygrad_rnn.tasks import hello


def test_hello_learns_every_next_character():
    lines = []
    result = hello.run(steps=150, seed=0, log=lines.append)
    assert result["prediction"] == "ello"
    assert result["loss"] < 0.05
    assert lines[0].startswith("input 'hell' -> target 'ello'")


def test_hello_loss_falls_from_chance():
    lines = []
    hello.run(steps=20, seed=1, log=lines.append)
    first = float(lines[1].split("loss")[1].split()[0])
    last = float(lines[-1].split("loss")[1].split()[0])
    assert first > 4.0 and last < first / 2  # chance is 4 * ln 4 ≈ 5.5
