"""runner.train, the trainer in-process (the docs' task pages draw their plots with it), and
plots.show_png, which shows a run folder's PNG in a figure."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import safetensors.numpy

from tinygrad_rnn import cli
from tinygrad_rnn.tasks import run_dir
from tinygrad_rnn.tasks.plots import show_png
from tinygrad_rnn.tasks.runner import train

OPTIONS = {"hidden": 8, "batch": 8, "seq_len": 12, "steps": 4, "eval_every": 2}


def test_train_makes_the_run_the_command_makes(tmp_path):
    summary = train("adding", tmp_path / "in_process", **OPTIONS)
    argv = ["train", "adding", "--out", str(tmp_path / "command"), "--quiet"]
    for name, value in OPTIONS.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    assert cli.main(argv) == 0
    ours, theirs = (safetensors.numpy.load_file(str(tmp_path / f / run_dir.CHECKPOINT))
                    for f in ("in_process", "command"))
    assert set(ours) == set(theirs)
    assert all(np.array_equal(ours[name], theirs[name]) for name in ours)
    rows = run_dir.read_metrics(tmp_path / "in_process")
    assert [row["metric"] for row in rows] == [row["metric"] for row in
                                              run_dir.read_metrics(tmp_path / "command")]
    assert (summary["task"], summary["steps"], summary["value"]) == ("adding", 4, rows[-1]["metric"])
    for picture in ("curves.png", "picture.png"):
        assert (tmp_path / "in_process" / picture).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", ["hello", "poetry"])
def test_train_refuses_a_name_the_trainer_does_not_run(name, tmp_path):
    with pytest.raises(ValueError, match=f"expected one of adding, caption, .*, got '{name}'"):
        train(name, tmp_path)


def test_train_refuses_a_bad_option_in_one_line(tmp_path):
    with pytest.raises(ValueError, match="steps"):
        train("adding", tmp_path, steps=0)


def test_show_png_shows_the_file_pixel_for_pixel(tmp_path):
    pixels = np.random.default_rng(0).random((30, 50, 3))
    plt.imsave(tmp_path / "in.png", pixels)
    figure = show_png(tmp_path / "in.png", dpi=100)
    figure.savefig(tmp_path / "out.png", dpi=100)
    plt.close(figure)
    shown, saved = plt.imread(tmp_path / "out.png"), plt.imread(tmp_path / "in.png")
    assert shown.shape == saved.shape
    np.testing.assert_allclose(shown, saved, atol=1 / 255)
