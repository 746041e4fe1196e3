"""The ``tinygrad-rnn`` command: ``cells`` lists every plugin and never crashes on a broken
one; ``check`` runs the conformance kit and exits 0 (all passed), 1 (a check failed) or 2
(unknown cell or bad options)."""

import importlib
import os
import re
import subprocess
import sys
import uuid

import numpy as np
import pytest

from tinygrad_rnn import cli, ops, plugins
from tinygrad_rnn.cli import new_cell
from tinygrad_rnn.testing.cells import CHECKS

from helpers import Elman, WrongGradient


@pytest.fixture
def registered():
    """Register cells in this process for one test, under unique names."""
    names = []

    def register(cell):
        name = f"cli_{cell.__name__.lower()}_{uuid.uuid4().hex[:6]}"
        plugins.register(name, cell)
        names.append(name)
        return name

    yield register
    for name in names:
        plugins.unregister(name)


@pytest.fixture
def broken_distribution(tmp_path, monkeypatch):
    """A real, uninstalled distribution on sys.path with two broken cell entry points."""
    monkeypatch.syspath_prepend(str(tmp_path))
    tag = uuid.uuid4().hex[:8]
    (tmp_path / f"cli_fails_{tag}.py").write_text("raise ImportError('needs a missing library')\n")
    (tmp_path / f"cli_nostep_{tag}.py").write_text(
        "class Cell:\n    state_names = ('h',)\n"
        "    def __init__(self, input_size, hidden_size): pass\n")
    info = tmp_path / f"cli_broken_{tag}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: cli-broken-{tag}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[tinygrad_rnn.cells]\nfails_{tag} = cli_fails_{tag}:Cell\n"
        f"nostep_{tag} = cli_nostep_{tag}:Cell\n")
    importlib.invalidate_caches()
    yield tag
    for module in (f"cli_fails_{tag}", f"cli_nostep_{tag}"):
        sys.modules.pop(module, None)


def row_of(output: str, name: str) -> list[str]:
    rows = [line.split() for line in output.splitlines() if f" {name} " in f" {line} "]
    assert len(rows) == 1, output
    return rows[0]


# ---------------------------------------------------------------- cells

def test_cells_lists_registered_plugins_with_a_header(registered, capsys):
    name = registered(Elman)
    assert cli.main(["cells"]) == 0
    output = capsys.readouterr().out
    assert output.splitlines()[0].split() == ["KIND", "NAME", "DISTRIBUTION", "VERSION", "STATUS",
                                              "FUSED", "STATE", "OPTIONS"]
    assert row_of(output, name) == ["cell", name, plugins.IN_PROCESS, "ok", "generated", "h:4",
                                    "scale=1.0"]


def test_cells_shows_each_cells_capabilities_with_default_options(capsys):
    assert cli.main(["cells"]) == 0
    output = capsys.readouterr().out
    assert row_of(output, "lstm")[-4:] == ["ok", "kernel", "h:4,c:4", "proj_size=0"]
    assert row_of(output, "rnn")[-4:] == ["ok", "kernel", "h:4", "nonlinearity='tanh'"]
    assert row_of(output, "bidirectional")[-4:] == ["ok", "-", "-", "-"]
    assert "STATE: its state tensors and their sizes for input_size=3, hidden_size=4" in output


class SoftmaxElman(Elman):
    def step(self, x, state):
        h = ops.softmax(x @ self.weight_ih.T + state[0] @ self.weight_hh.T, -1)
        return h, (h,)


def test_cells_says_which_op_keeps_a_cell_step_by_step(registered, capsys):
    name = registered(SoftmaxElman)
    assert cli.main(["cells"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if f" {name} " in line)
    assert " step: Softmax " in line


def test_compile_reports_the_products_and_shows_the_source(capsys):
    assert cli.main(["compile", "gru", "--option", "reset=before", "--dtype", "float64",
                     "--show"]) == 0
    output = capsys.readouterr().out
    assert "per-step products: 2" in output and "GRUCell.step compiled and loaded in" in output
    assert "def forward(" in output and "def backward(" in output and "# Sigmoid" in output


def test_compile_reads_option_values_as_check_does(capsys):
    assert cli.main(["compile", "lstm", "--option", "proj_size=2"]) == 0
    assert "per-step products: 2" in capsys.readouterr().out   # h W_hhᵀ and c W_hrᵀ


@pytest.mark.parametrize("command", ["compile", "check"])
@pytest.mark.parametrize("key", ["hidden_size", "input_size", "dtype"])
def test_a_size_given_as_an_option_is_refused_with_the_way_to_set_it(command, key, capsys):
    assert cli.main([command, "mgu", "--option", f"{key}=4"]) == 2
    error = capsys.readouterr().err
    assert f"--option {key}=4: {key} is not a cell option here" in error
    assert ("--hidden-size" if command == "compile" else "draws the sizes") in error


def test_compile_names_what_stops_a_step(registered, capsys):
    name = registered(SoftmaxElman)
    assert cli.main(["compile", name]) == 1
    assert "Softmax" in capsys.readouterr().out


class ExplodingCell(Elman):
    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        raise ZeroDivisionError("the author divided by zero")


class NaNFromFinite(Elman):
    def step(self, x, state):
        h, _ = super().step(x, state)
        h = ops.log(h - 2.0)   # tanh - 2 < 0: NaN from the first step on
        return h, (h,)


class ForgetsC(Elman):
    state_names = ("h", "c")

    def step(self, x, state):
        h = ops.tanh(self.preactivation(x, state[0]))
        return h, (h,)


@pytest.mark.parametrize("cell, reason", [
    (ExplodingCell, "building it and running one step raised ZeroDivisionError: the author "
                    "divided by zero"),
    (ForgetsC, "step returned a state of 1 tensor(s); state_names ('h', 'c') declares 2"),
    (NaNFromFinite, "building it and running one step raised ArithmeticError: step produced "
                    "NaN or Inf from zeros (finite inputs)"),
])
def test_cells_lists_as_broken_a_cell_that_cannot_build_and_step(cell, reason, registered,
                                                                   capsys):
    name = registered(cell)
    assert cli.main(["cells"]) == 0
    output = capsys.readouterr().out
    assert row_of(output, name)[-4:] == ["broken", "-", "-", "-"]
    assert f"cell {name!r} (<in-process>) is broken: " in output
    assert reason in output


def test_cells_points_out_a_name_that_two_distributions_share(broken_distribution, tmp_path,
                                                              capsys):
    tag = broken_distribution
    info = tmp_path / f"cli_twin_{tag}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: cli-twin-{tag}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tinygrad_rnn.cells]\nfails_{tag} = os:sep\n")
    importlib.invalidate_caches()
    assert cli.main(["cells", "--no-load"]) == 0
    output = capsys.readouterr().out
    assert (f"cell 'fails_{tag}' is ambiguous: 2 distributions provide it; ask for "
            f"'cli-broken-{tag}:fails_{tag}' or 'cli-twin-{tag}:fails_{tag}', or list the one "
            f"you do not want in TINYGRAD_RNN_DISABLE_PLUGINS") in output


def test_cells_shows_broken_plugins_with_the_reason_and_does_not_crash(broken_distribution, capsys):
    assert cli.main(["cells"]) == 0
    output = capsys.readouterr().out
    tag = broken_distribution
    assert row_of(output, f"fails_{tag}") == ["cell", f"fails_{tag}", f"cli-broken-{tag}", "1.0",
                                             "broken", "-", "-", "-"]
    assert row_of(output, f"nostep_{tag}")[4] == "broken"
    assert "failed to import: ImportError: needs a missing library" in output
    assert "breaks the cell contract: missing callable 'step'" in output


def test_cells_without_loading_shows_not_loaded(broken_distribution, capsys):
    assert cli.main(["cells", "--no-load"]) == 0
    row = row_of(capsys.readouterr().out, f"nostep_{broken_distribution}")
    assert row[-5:] == ["not", "loaded", "-", "-", "-"]


def test_cells_shows_disabled_plugins(broken_distribution, monkeypatch, capsys):
    monkeypatch.setenv(plugins.DISABLE_ENV, f"nostep_{broken_distribution}")
    assert cli.main(["cells"]) == 0
    output = capsys.readouterr().out
    assert row_of(output, f"nostep_{broken_distribution}")[4] == "disabled"
    assert f"disabled by {plugins.DISABLE_ENV}" in output


# ---------------------------------------------------------------- check

def test_check_of_a_correct_cell_prints_every_check_and_exits_0(registered, capsys):
    name = registered(Elman)
    assert cli.main(["check", name, "--max-examples", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"check_cell({name!r}, options={{}})"
    names = [line[9:].partition(":")[0] for line in lines[1:-1]]
    assert names == [*CHECKS, *(f"{name} (bias=False)" for name in CHECKS)]
    assert {line.split()[0] for line in lines[1:-1]} <= {"passed", "skipped"}
    assert lines[-2] == "passed   sequence (bias=False)"   # the path generated from its step
    assert lines[-1].endswith("0 failed")


def test_check_of_a_broken_cell_names_the_failing_check_and_exits_1(registered, capsys):
    name = registered(WrongGradient)
    assert cli.main(["check", name, "--max-examples", "3"]) == 1
    output = capsys.readouterr().out
    assert "failed   gradients: gradcheck: input" in output
    assert "Falsifying example:" in output
    assert "passed   lengths" in output


def test_check_passes_options_to_the_cell(registered, capsys):
    name = registered(Elman)
    code = cli.main(["check", name, "--option", "scale=0.5", "--option", "bias=False",
                     "--only", "lengths", "--max-examples", "2"])
    assert code == 0
    output = capsys.readouterr().out
    assert "options={'scale': 0.5, 'bias': False}" in output
    assert "1 passed, 0 skipped, 0 failed" in output


def test_check_of_a_cell_whose_constructor_raises_shows_the_authors_line_once(registered,
                                                                             capsys):
    name = registered(ExplodingCell)
    assert cli.main(["check", name, "--only", "lengths", "--option", "bias=true"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.out.splitlines()
    assert lines[1] == ("failed   contract: the cell cannot be built for any input_size ≤ 3 and "
                        "hidden_size ≤ 3 with options {'bias': True}: ZeroDivisionError: the "
                        "author divided by zero")
    assert re.fullmatch(rf'\s+File "{re.escape(__file__)}", line \d+, in __init__', lines[2])
    assert lines[-2:] == ["skipped  lengths: not run: the cell fails the 'contract' check",
                          "0 passed, 1 skipped, 1 failed"]


@pytest.mark.parametrize("text, value", [("False", False), ("no", False), ("0", False),
                                         ("TRUE", True), ("yes", True), ("1", True)])
def test_check_reads_a_boolean_option_in_any_case(text, value, registered, capsys):
    name = registered(Elman)
    assert cli.main(["check", name, "--option", f"bias={text}", "--only", "lengths",
                     "--max-examples", "2"]) == 0
    assert f"options={{'bias': {value}}}" in capsys.readouterr().out


def test_check_refuses_a_boolean_option_it_cannot_read(registered, capsys):
    name = registered(Elman)
    assert cli.main(["check", name, "--option", "bias=maybe"]) == 2
    assert capsys.readouterr().err == ("tinygrad-rnn check: --option bias=maybe: expected a "
                                       "boolean (true/false, yes/no, 1/0)\n")


def test_check_without_hypothesis_says_what_to_install_and_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    assert cli.main(["check", "rnn"]) == 2
    assert capsys.readouterr().err == ("tinygrad-rnn check: the conformance kit needs "
                                       "Hypothesis, which is not installed: pip install "
                                       "'hypothesis>=6.100'\n")


def test_check_with_a_bad_option_value_reports_the_cells_message_and_exits_2(capsys):
    assert cli.main(["check", "rnn", "--option", "nonlinearity=swish"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("tinygrad-rnn check: check_cell: rnn rejects the options "
                            "{'nonlinearity': 'swish'}: ValueError: ElmanCell: unknown "
                            "nonlinearity 'swish'; expected one of 'tanh', 'relu'\n")


def test_check_of_an_unknown_cell_prints_the_registry_error_and_exits_2(capsys):
    assert cli.main(["check", "no_such_cell_anywhere"]) == 2
    error = capsys.readouterr().err
    assert "no cell named 'no_such_cell_anywhere'; available cells:" in error


def test_check_with_an_option_the_cell_does_not_take_exits_2(registered, capsys):
    name = registered(Elman)
    assert cli.main(["check", name, "--option", "proj_size=2"]) == 2
    assert "unexpected keyword argument 'proj_size'" in capsys.readouterr().err


def test_check_rejects_a_malformed_option(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "rnn", "--option", "proj_size"])
    assert caught.value.code == 2
    assert "expected key=value" in capsys.readouterr().err


# ---------------------------------------------------------------- new-cell

def test_new_cell_writes_a_distribution_that_installs_and_passes_its_own_tests(tmp_path, capsys):
    project = tmp_path / "project"
    assert cli.main(["new-cell", "tg_leaky", "--dir", str(project)]) == 0
    assert f"wrote the 'tg_leaky' cell plugin in {project}" in capsys.readouterr().out
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        "README.md", "pyproject.toml", "tests/test_tg_leaky.py",
        "tinygrad_rnn_tg_leaky/__init__.py", "tinygrad_rnn_tg_leaky/cell.py"]
    pyproject = (project / "pyproject.toml").read_text()
    assert ('[project.entry-points."tinygrad_rnn.cells"]\n'
            'tg_leaky = "tinygrad_rnn_tg_leaky.cell:TgLeakyCell"') in pyproject
    docstring = (project / "tinygrad_rnn_tg_leaky" / "cell.py").read_text()
    for part in (".. math::", "where :math:`x` is", "Shapes, where:", "Weight layout:", ">>> "):
        assert part in docstring
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                              "--no-build-isolation", "--disable-pip-version-check", "--target",
                              str(site), "-e", str(project)], capture_output=True, text=True,
                             timeout=300)
    assert install.returncode == 0, install.stderr
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
                          cwd=project, env={**os.environ, "PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    # Every check with the default options and with bias=False, nothing skipped: the kit's
    # sequence check runs the path generated from the template's step.
    assert re.search(r"^\d+ passed in", done.stdout.splitlines()[-1]), done.stdout


@pytest.mark.parametrize("arguments, message", [
    (["Leaky"], "the cell name must be a lowercase Python identifier"),
    (["lstm"], "a distribution named tinygrad-rnn-lstm is already installed"),
    (["tg_leaky", "--dir", "{tmp}/taken"], "taken already exists and is not an empty folder"),
])
def test_new_cell_refuses_and_writes_nothing(arguments, message, tmp_path, capsys,
                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert cli.main(["new-cell", *(a.format(tmp=tmp_path) for a in arguments)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes.txt", "taken"]


def test_new_cell_writes_into_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert cli.main(["new-cell", "tg_leaky", "--dir", str(tmp_path / "empty")]) == 0
    assert (tmp_path / "empty" / "tinygrad_rnn_tg_leaky" / "cell.py").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_new_cell_leaves_no_partial_project_when_a_file_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(new_cell.FILES, "extra.txt", "no-such-template.tmpl")
    assert cli.main(["new-cell", "tg_leaky", "--dir", str(tmp_path / "project")]) == 2
    assert "no-such-template.tmpl" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- train: a non-finite loss

TINY_ADDING = ["--steps", "3", "--seq-len", "5", "--batch", "2", "--quiet", "--clip", "0"]


def test_train_blames_the_model_when_the_loss_is_not_finite_before_any_update(registered,
                                                                               tmp_path, capsys):
    name = registered(NaNFromFinite)
    with np.errstate(all="ignore"):
        assert cli.main(["train", "adding", "--cell", name, *TINY_ADDING,
                         "--out", str(tmp_path / "run")]) == 1
    assert capsys.readouterr().err == ("tinygrad-rnn train: error: the training loss was nan at "
                                       "step 1, before any update: the model or the data gives "
                                       "it, not the learning rate\n")


def test_train_blames_the_learning_rate_when_the_loss_diverges_after_an_update(tmp_path,
                                                                               capsys):
    with np.errstate(all="ignore"):
        assert cli.main(["train", "adding", "--cell", "rnn", "--optimizer", "sgd", "--lr",
                         "1e30", *TINY_ADDING, "--out", str(tmp_path / "run")]) == 1
    assert ("the training loss became inf at step 2, after step 1's update; try a smaller "
            "--lr (now 1e+30) or --clip") in capsys.readouterr().err


# ---------------------------------------------------------------- built-in names stay built-in

@pytest.fixture
def namesakes(tmp_path, monkeypatch):
    """A real, uninstalled distribution on sys.path that provides a cell named like each
    built-in and a wrapper named bidirectional, all failing as soon as they are used."""
    monkeypatch.syspath_prepend(str(tmp_path))
    tag = uuid.uuid4().hex[:8]
    module = f"cli_namesake_{tag}"
    (tmp_path / f"{module}.py").write_text(
        "class Cell:\n    state_names = ('h',)\n"
        "    def __init__(self, input_size, hidden_size, bias=True, dtype=None):\n"
        "        raise RuntimeError('the namesake was used')\n"
        "    def step(self, x, state): pass\n"
        "class Wrapper:\n    num_directions = 2\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        raise RuntimeError('the namesake was used')\n"
        "    def forward(self): pass\n")
    info = tmp_path / f"cli_namesake_{tag}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: cli-namesake-{tag}\n"
                                   f"Version: 1.0\n")
    cells = "".join(f"{name} = {module}:Cell\n" for name in ("rnn", "lstm", "gru"))
    (info / "entry_points.txt").write_text(
        f"[tinygrad_rnn.cells]\n{cells}[tinygrad_rnn.wrappers]\nbidirectional = {module}:Wrapper\n")
    importlib.invalidate_caches()
    yield f"cli-namesake-{tag}"
    sys.modules.pop(module, None)


def test_a_third_party_lstm_changes_none_of_the_commands_defaults(namesakes, tmp_path, capsys):
    assert cli.main(["graph", "lstm", "--out", str(tmp_path / "lstm.dot")]) == 0
    assert cli.main(["gradflow", "--steps", "0", "--seq-len", "3",
                     "--out", str(tmp_path / "gradflow.png")]) == 0
    assert cli.main(["train", "adding", *TINY_ADDING, "--out", str(tmp_path / "adding")]) == 0
    assert cli.main(["train", "tag", "--cell", "gru", "--bidirectional", "--steps", "1",
                     "--batch", "2", "--quiet", "--out", str(tmp_path / "tag")]) == 0
    assert cli.main(["check", "rnn", "--only", "lengths", "--max-examples", "1"]) == 0
    assert cli.main(["cells", "--no-load"]) == 0
    assert (f"cell 'lstm': 2 distributions provide it; the command means the built-in "
            f"tinygrad-rnn-lstm's; ask for '{namesakes}:lstm' for the other"
            ) in capsys.readouterr().out
    # Asked for by its qualified name, the namesake is used (and fails as it says).
    assert cli.main(["graph", f"{namesakes}:lstm"]) == 2
    assert "the namesake was used" in capsys.readouterr().err
    with pytest.raises(plugins.PluginError, match="ambiguous"):   # outside the command
        plugins.get("lstm")
