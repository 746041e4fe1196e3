"""What the five toy tasks share: the task interface, a clear error for a sequence length
their data do not allow, and (the two sentence tasks) data fixed by the seed and kept apart
from the training data."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.tasks import caption, forecast, sentiment, tag, translate
from tinygrad_rnn.tasks.options import OPTIONS
from tinygrad_rnn.tasks.task import Task
from toy_training import config_of, train

TOY_TASKS = [module.TASK for module in (forecast, sentiment, tag, translate, caption)]


@pytest.mark.parametrize("task", TOY_TASKS, ids=lambda t: t.name)
def test_task_declares_the_interface(task):
    assert isinstance(task, Task) and set(task.default_config) == set(OPTIONS)
    assert isinstance(task.summary, str) and isinstance(task.shape, str)
    assert isinstance(task.metric, str) and isinstance(task.higher_is_better, bool)
    assert isinstance(task.allows_bidirectional, bool)
    for function in ("make_data", "build_model", "sample_batch", "loss", "evaluate",
                     "baseline", "report", "picture"):
        assert callable(getattr(task, function))


FIXED_LENGTHS = {  # the lengths of every sequence a task's data hold
    sentiment.TASK: lambda d: np.concatenate([d["train"]["lengths"], d["test"]["lengths"]]),
    tag.TASK: lambda d: np.concatenate([d["train"]["lengths"], d["test"]["lengths"]]),
    translate.TASK: lambda d: np.concatenate([d["train"]["lengths"], d["test"]["lengths"]]),
    caption.TASK: lambda d: np.array([len(c) for c in d["test"]["captions"]]),
}


@pytest.mark.parametrize("task", list(FIXED_LENGTHS), ids=lambda t: t.name)
def test_seq_len_is_the_longest_sequence_and_another_is_refused(task):
    data = task.make_data(config_of(task), 0)
    assert FIXED_LENGTHS[task](data).max() == task.default_config["seq_len"]
    with pytest.raises(ValueError, match="--seq-len does not apply"):
        task.make_data(config_of(task, seq_len=task.default_config["seq_len"] + 1), 0)


@pytest.mark.parametrize("task", [sentiment.TASK, tag.TASK], ids=lambda t: t.name)
def test_sentences_are_fixed_by_the_seed_and_no_test_sentence_is_a_training_sentence(task):
    data, again = (task.make_data(config_of(task), 5) for _ in range(2))
    for split in ("train", "test"):
        for key, value in data[split].items():
            np.testing.assert_equal(value, again[split][key], err_msg=f"{split} {key}")
    train = {tuple(words) for words in data["train"]["words"]}
    assert not any(tuple(words) in train for words in data["test"]["words"])


def test_forecast_window_follows_seq_len():
    data = forecast.make_data(config_of(forecast.TASK, seq_len=9), 0)
    x, _ = forecast.sample_batch(data, config_of(forecast.TASK, seq_len=9, batch=3), np.random.default_rng(0), 1)
    assert x.shape == (3, 9, 8)


@pytest.mark.parametrize("task", TOY_TASKS, ids=lambda t: t.name)
def test_report_gives_lines_and_picture_writes_a_png(task, tmp_path):
    config = config_of(task, hidden=4)
    data = task.make_data(config, 0)
    tg.manual_seed(0)
    model = task.build_model(config, data).eval()
    with tg.no_grad():
        lines = task.report(model, data, config)
        task.picture(model, data, config, tmp_path / "picture.png")
    assert lines and all(isinstance(line, str) and line for line in lines)
    assert (tmp_path / "picture.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("task", TOY_TASKS, ids=lambda t: t.name)
def test_any_cell_depth_and_path_give_the_same_loss(task):
    # A two-state cell (the LSTM's h and c), two layers, both directions where allowed:
    # the step-by-step path and the whole-sequence path compute the same loss.
    options = dict(cell="lstm", layers=2, hidden=4, batch=3, bidirectional=task.allows_bidirectional)
    losses = []
    for stepwise in (False, True):
        config = config_of(task, stepwise=stepwise, **options)
        data = task.make_data(config, 0)
        tg.manual_seed(0)
        model = task.build_model(config, data)
        loss = task.loss(model, task.sample_batch(data, config, np.random.default_rng(0), 1))
        loss.backward()
        losses.append(loss.item())
    assert np.isfinite(losses[0])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)


@pytest.mark.parametrize("task", TOY_TASKS, ids=lambda t: t.name)
def test_training_is_the_same_for_a_seed(task):
    first, second = (train(task, seed=4, steps=3, hidden=4, batch=5)[2].state_dict() for _ in range(2))
    for name, array in first.items():
        np.testing.assert_array_equal(array, second[name], err_msg=name)
