"""``tinygrad-rnn train``, ``sample``, ``gradflow`` and ``graph`` from the command line: every
bad option is one line on stderr and a non-zero exit; help, version, the hello task."""

import pathlib
import shutil
import subprocess
import sys

import pytest

from tinygrad_rnn import __version__, cli
from tinygrad_rnn.tasks import run_dir


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "adding-run"
    assert cli.main(["train", "adding", "--hidden", "4", "--seq-len", "4", "--batch", "2",
                     "--steps", "2", "--out", str(folder), "--quiet"]) == 0
    return folder


@pytest.fixture
def adding_run(trained, tmp_path):
    """A fresh copy of a finished two-step adding run."""
    return pathlib.Path(shutil.copytree(trained, tmp_path / "adding-run"))


BAD = [
    (["train", "adding", "--cell", "nope"], "no cell named 'nope'; available cells: "),
    (["train", "adding", "--steps", "0"], "--steps must be a positive integer, got 0"),
    (["train", "adding", "--steps", "-3"], "--steps must be a positive integer, got -3"),
    (["train", "adding", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    (["train", "adding", "--dropout", "1.5"], "--dropout must lie in [0, 1), got 1.5"),
    (["train", "adding", "--lr", "0"], "--lr must be positive"),
    (["train", "adding", "--hidden", "x"], "argument --hidden: invalid int value: 'x'"),
    (["train", "adding", "--optimizer", "rmsprop"], "argument --optimizer: invalid choice"),
    (["train", "charlm", "--bidirectional"], "--bidirectional makes no sense for charlm"),
    (["train", "charlm", "--text", "/no/such/file.txt"], "--text /no/such/file.txt: no such file"),
    (["train", "adding", "--text", "x.txt"], "--text is only for the charlm task"),
    (["train", "hello", "--hidden", "3"], "hello takes only --steps and --seed"),
    (["train", "adding", "--clip", "-1"], "--clip must be >= 0 (0 turns clipping off), got -1.0"),
    (["train", "charlm", "--text", "/"], "--text /: is a directory, not a text file"),
    (["train", "adding", "--resume", "."], "no config.json there, so it is not a run folder"),
    (["sample", ".", "--length", "-1"], "--length must be >= 0, got -1"),
    # options are checked before RUN_DIR is read: the bad value is named, not the missing run
    (["sample", "/no/such/run", "--temperature", "0"],
     "--temperature must be positive and finite, got 0.0"),
    (["sample", "/no/such/run", "--temperature", "nan"],
     "--temperature must be positive and finite, got nan"),
    (["sample", "/no/such/run", "--temperature", "inf"],
     "--temperature must be positive and finite, got inf"),
    (["sample", "/no/such/run", "--seed", "-2"], "--seed must be >= 0, got -2"),
    (["gradflow", "--seq-len", "1"], "--seq-len must be >= 2 and --steps >= 0"),
    (["gradflow", "--cells", "rnn,nope"], "no cell named 'nope'"),
    (["graph", "nope"], "no cell named 'nope'"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_option_is_one_line_and_a_non_zero_exit(argv, message, capsys):
    try:
        status = cli.main(argv)
    except SystemExit as exit:   # argparse's own errors
        status = exit.code
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_resume_of_another_tasks_run_is_refused(adding_run, capsys):
    assert cli.main(["train", "charlm", "--resume", str(adding_run)]) == 2
    assert f"{adding_run}: that is a run of 'adding', not 'charlm'" in capsys.readouterr().err


def test_resume_of_a_folder_without_checkpoint_is_refused(adding_run, capsys):
    (adding_run / run_dir.CHECKPOINT).unlink()
    assert cli.main(["train", "--resume", str(adding_run)]) == 2
    assert "there is no checkpoint.safetensors in it" in capsys.readouterr().err


def test_resume_of_an_unreadable_config_is_refused(adding_run, capsys):
    (adding_run / "config.json").write_text("{")
    assert cli.main(["train", "--resume", str(adding_run)]) == 2
    assert "config.json is unreadable" in capsys.readouterr().err


def test_resume_of_a_checkpoint_that_does_not_fit_the_config_is_refused(adding_run, capsys):
    config = adding_run / "config.json"
    config.write_text(config.read_text().replace('"hidden": 4', '"hidden": 5'))
    assert cli.main(["train", "--resume", str(adding_run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checkpoint.safetensors: does not fit this run" in err


def test_resume_refuses_to_change_the_model(adding_run, capsys):
    assert cli.main(["train", "--resume", str(adding_run), "--hidden", "8"]) == 2
    assert "--hidden cannot change" in capsys.readouterr().err


def test_out_refuses_a_folder_that_holds_a_run(adding_run, capsys):
    assert cli.main(["train", "adding", "--out", str(adding_run)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err


def test_help_shows_examples_and_every_tasks_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "--checkpoint-every" in text
    assert "adding     lstm 64x1, batch 50, seq 100" in text


def test_version_and_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "tinygrad_rnn", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"tinygrad-rnn {__version__}"


def test_train_hello_still_runs_the_source_materials_model(capsys):
    assert cli.main(["train", "hello", "--steps", "3", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("final loss ")


def test_graph_writes_the_dot_to_a_file(tmp_path, capsys):
    out = tmp_path / "gru.dot"
    assert cli.main(["graph", "gru", "--out", str(out)]) == 0
    assert out.read_text().startswith("digraph tinygrad_rnn {")
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_graph_prints_the_dot_of_one_step_with_every_parameter(capsys):
    assert cli.main(["graph", "lstm"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith("digraph tinygrad_rnn {")
    assert dot.count('fillcolor="#cfe2f3"') == 4   # weight_ih, weight_hh, bias_ih, bias_hh


def test_importing_the_package_and_the_command_loads_neither_tqdm_nor_matplotlib():
    code = ("import sys, tinygrad_rnn, tinygrad_rnn.cli; "
            "print(sorted({'tqdm', 'matplotlib'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_a_cell_named_by_its_distribution_trains(tmp_path, capsys):
    assert cli.main(["train", "adding", "--cell", "tinygrad-rnn-mgu:mgu", "--hidden", "4",
                     "--seq-len", "5", "--steps", "2", "--out", str(tmp_path / "run"), "--quiet",
                     "--json"]) == 0
    assert '"cell": "tinygrad-rnn-mgu:mgu"' in capsys.readouterr().out.splitlines()[-1]
