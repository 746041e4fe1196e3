"""Fuzzing the command line: ``tinygrad-rnn`` given hostile options (zero, negative, huge and
non-numeric numbers, unknown names, missing, empty, binary and too-short files, folders that
are not runs). Each call either succeeds or exits non-zero with one line on stderr that
names an offending option (or the file given to it), never a traceback.

Every drawn call holds at least one bad value that is refused before any training, so no
call trains; the few valid calls are explicit tests below. Values stay strings, as typed.
"""

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_rnn import cli
from tinygrad_rnn._kernels._jit import ANNOUNCEMENT
from tinygrad_rnn.tasks import TASKS, adding, run_dir
from tinygrad_rnn.tasks.options import make_config
from tinygrad_rnn.tasks.runner import Run

from contract import FUZZ

CLI = settings(FUZZ, max_examples=30,
               suppress_health_check=[*FUZZ.suppress_health_check,
                                      HealthCheck.function_scoped_fixture])
HUGE = "1" + "0" * 30
# Each option of ``train``: values it accepts (small ones, or huge where it only counts)
# and values it refuses.
TRAIN = {
    "--steps": (["1", "2", HUGE], ["0", "-1", "-" + HUGE, "x", "1.5", ""]),
    "--seed": (["0", "7", HUGE], ["-1", "-" + HUGE, "x", "1e3"]),
    "--hidden": (["2", HUGE], ["0", "-4", "x", "2.0"]),
    "--layers": (["1", "2"], ["0", "-1", "one"]),
    "--batch": (["2", HUGE], ["0", "-2", "many"]),
    "--seq-len": (["3"], ["0", "-1", "long"]),
    "--eval-every": (["1"], ["0", "-1", "x"]),
    "--checkpoint-every": (["1"], ["0", "-3", "x"]),
    "--lr": (["0.01", "1e-3"], ["0", "-0.1", "nan", "-inf", "fast"]),
    "--clip": (["0", "1", "inf"], ["-1", "nan", "-inf", "x"]),
    "--dropout": (["0", "0.5"], ["1", "1.5", "-0.1", "nan", "inf", "x"]),
    "--cell": (["rnn", "gru"], ["nope", "", ":", "lstm:", "tinygrad-rnn-nope:lstm"]),
    "--optimizer": (["sgd", "adam"], ["rmsprop", "", "ADAM"]),
    "--dtype": (["float64"], ["float16", "int32", ""]),
    "--lr-schedule": (["cosine"], ["linear", ""]),
}
CHARLM_TEXT = "To be, or not to be, that is the question.\n" * 10
FILES = (run_dir.CONFIG, run_dir.CHECKPOINT, run_dir.METRICS)
HOSTILE_TEXTS = {"missing": None, "empty": b"", "binary": b"\xff\xfe\x00\x81" * 50,
                 "short": b"ab", "folder": "folder"}


def call(argv, capsys) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of ``tinygrad-rnn ARGV`` run in this process."""
    try:
        status = cli.main(argv)
    except SystemExit as exit:   # argparse's own errors, --help
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_refused(status: int, err: str, offending) -> None:
    """A non-zero exit, and one line on stderr naming one of ``offending``."""
    assert status not in (0, None), f"exit status {status}, stderr {err!r}"
    assert "Traceback" not in err
    err = err.replace(ANNOUNCEMENT + "\n", "")   # the first compile's notice is no error
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert any(name in err for name in offending), f"{err!r} names none of {sorted(offending)}"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The hostile --text files, a good one, and a folder of each kind for --resume."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    texts = {}
    for kind, content in HOSTILE_TEXTS.items():
        path = root / f"{kind}.txt"
        if content == "folder":
            path.mkdir()
        elif content is not None:
            path.write_bytes(content)
        texts[kind] = str(path)
    good = root / "good.txt"
    good.write_text(CHARLM_TEXT)
    return {"texts": texts, "good_text": str(good), "runs": resume_folders(root / "runs")}


def resume_folders(root) -> dict:
    """Folders that are not runs to resume: missing, empty, a file; a run's folder with a
    broken config.json (not JSON, not a config, a task that does not exist, a bad value),
    no or a bad checkpoint (one of another model among them), a broken metrics.csv."""
    config = make_config(adding.TASK, {"hidden": 2, "seq_len": 3, "batch": 2, "steps": 1})

    def saved_run(hidden: int) -> dict:
        """The files of a new run of ``hidden`` units, its checkpoint saved at step 0."""
        run = Run("adding", adding.TASK, {**config, "hidden": hidden}, root / f"run{hidden}", True)
        run.start()
        run.save()
        return {name: (run.path / name).read_bytes() for name in FILES}

    def record(task, config) -> bytes:
        return json.dumps({"task": task, "config": config}).encode()

    good, other = saved_run(2), saved_run(3)
    variants = {   # the files that differ from the good run's; None: missing
        "binary config": {run_dir.CONFIG: b"\xff\x00\x81"},
        "config a list": {run_dir.CONFIG: b"[]"},
        "task a list": {run_dir.CONFIG: record(["adding"], config)},
        "task unknown": {run_dir.CONFIG: record("nope", config)},
        "task hello": {run_dir.CONFIG: record("hello", config)},
        "config a number": {run_dir.CONFIG: record("adding", 5)},
        "config missing options": {run_dir.CONFIG: record("adding", {"hidden": 2})},
        **{f"{name} {value!r}": {run_dir.CONFIG: record("adding", {**config, name: value})}
           for name, value in [("hidden", "x"), ("lr", "x"), ("cell", {}), ("text", 5),
                               ("steps", 0), ("dropout", None)]},
        "no checkpoint": {run_dir.CHECKPOINT: None},
        "empty checkpoint": {run_dir.CHECKPOINT: b""},
        "binary checkpoint": {run_dir.CHECKPOINT: b"\x00" * 64},
        "foreign checkpoint": {run_dir.CHECKPOINT: other[run_dir.CHECKPOINT]},
        "no metrics": {run_dir.METRICS: None},
        "binary metrics": {run_dir.METRICS: b"\xff\xfe"},
        "bad metrics": {run_dir.METRICS: b"step,seconds\nx,1\n"},
    }
    folders = {"missing": root / "missing", "empty": root / "empty", "file": root / "file"}
    folders["empty"].mkdir()
    folders["file"].write_text("not a folder")
    for kind, changes in variants.items():
        folders[kind] = folder = root / "".join(c if c.isalnum() else "-" for c in kind)
        folder.mkdir()
        for name, data in {**good, **changes}.items():
            if data is not None:
                (folder / name).write_bytes(data)
    return {kind: str(folder) for kind, folder in folders.items()}


@st.composite
def train_calls(draw, files):
    """``train`` argv, with at least one refused value; returns (argv, offending names)."""
    task = draw(st.sampled_from([None, "hello", *sorted(TASKS)]))
    module = None if task in (None, "hello") else TASKS[task]   # None: hello
    argv, offending = ["train"] + ([task] if task else []), set()
    refused = draw(st.sampled_from(sorted(TRAIN) + ["--text", "--bidirectional"]))
    for flag, (good, bad) in TRAIN.items():
        kind = "bad" if flag == refused else draw(st.sampled_from(["absent", "good", "bad"]))
        if kind != "absent":
            argv += [flag, draw(st.sampled_from(good if kind == "good" else bad))]
            if kind == "bad" or (module is None and flag not in ("--steps", "--seed")):
                offending.add(flag)
    if refused == "--bidirectional" or draw(st.booleans()):
        argv.append("--bidirectional")
        if module is None or not module.allows_bidirectional:
            offending.add("--bidirectional")
    if refused == "--text" or draw(st.booleans()):
        hostile = draw(st.sampled_from(sorted(files["texts"])))
        text = files["texts"][hostile] if refused == "--text" or draw(st.booleans()) \
            else files["good_text"]
        argv += ["--text", text]
        if module is not TASKS["charlm"] or text != files["good_text"]:
            offending |= {"--text", text}
    if not offending:   # every drawn value is accepted by this task: refuse the seed too
        argv += ["--seed", "-1"]
        offending.add("--seed")
    return argv, offending


@CLI
@given(data=st.data())
def test_train_refuses_a_bad_option_in_one_line_that_names_it(data, files, capsys):
    argv, offending = data.draw(train_calls(files))
    assert_refused(*call(argv, capsys)[::2], offending)


@CLI
@given(task=st.sampled_from([None, "adding", "charlm", "hello"]), data=st.data())
def test_train_refuses_to_resume_a_folder_that_is_no_run_naming_it(task, data, files, capsys):
    kind = data.draw(st.sampled_from(sorted(files["runs"])))
    folder = files["runs"][kind]
    steps = data.draw(st.sampled_from(["absent", "3", "0", "x"]))
    argv = ["train", *([task] if task else []), "--resume", folder, "--quiet"]
    argv += [] if steps == "absent" else ["--steps", steps]
    assert_refused(*call(argv, capsys)[::2], {"--resume", folder, "--steps"})


@CLI
@given(cell=st.sampled_from(["lstm", "gru", "rnn", "nope", ""]),
       bad=st.sampled_from([
           ("--option", "proj_size=-1"), ("--option", "proj_size=x"), ("--option", "no_such=1"),
           ("--option", "nonlinearity=swish"), ("--option", "=1"), ("--option", "x"),
           ("--option", "dtype=float64"), ("--option", "proj_size=1e999"),
           ("--option", "proj_size=[[["), ("--option", "hidden_size=3"),
           ("--max-examples", "-1"), ("--max-examples", "0"), ("--max-examples", "x"),
           ("--seed", "-1"), ("--seed", "x"), ("--only", "nope")]))
def test_check_refuses_bad_options_in_one_line_that_names_them(cell, bad, capsys):
    flag, value = bad
    argv = ["check", cell, "--only", "state_dict", "--max-examples", "1", flag, value]
    key = value.partition("=")[0]
    assert_refused(*call(argv, capsys)[::2], {flag, *([key] if key else []), f"'{cell}'"})


@CLI
@given(data=st.data())
def test_sample_gradflow_and_graph_refuse_bad_arguments_in_one_line(data, files, tmp_path_factory,
                                                                      capsys):
    command = data.draw(st.sampled_from(["sample", "gradflow", "graph"]))
    if command == "sample":   # never a charlm run: every call stops before generating
        kind = data.draw(st.sampled_from(["missing", "empty", "file", "no metrics"]))
        folder = files["runs"][kind]
        argv, offending = ["sample", folder], {folder}
        for flag, value in data.draw(st.lists(st.sampled_from(
                [("--length", "-1"), ("--length", "x"), ("--length", "5"), ("--seed", "-1"),
                 ("--seed", HUGE), ("--temperature", "0"), ("--temperature", "nan"),
                 ("--temperature", "x"), ("--prime", "")]), max_size=3)):
            argv += [flag, value]
            offending.add(flag)
    elif command == "gradflow":   # at least one refused value, found before measuring
        argv, offending = ["gradflow", "--out", str(tmp_path_factory.mktemp("g") / "g.png")], set()
        options = {"--cells": (["rnn"], ["nope", ",", "", "rnn,nope"]),
                   "--seq-len": (["3"], ["1", "0", "-5", "x"]),
                   "--steps": (["0", "1"], ["-1", "x"]), "--seed": (["0"], ["-1", "x"])}
        refused = data.draw(st.sampled_from(sorted(options)))
        for flag, (good, bad) in options.items():
            if flag == refused or data.draw(st.booleans()):
                value = data.draw(st.sampled_from(bad if flag == refused else good + bad))
                argv += [flag, value]
                if value in bad:
                    offending.add(flag)
        offending |= {"'nope'"}
    else:   # a bad cell, or a good one and a file in no folder
        cell = data.draw(st.sampled_from(["nope", "", ":", "lstm:", "a:b:c", "lstm"]))
        out = ["--out", "/no/such/folder/g.dot"] if cell == "lstm" or data.draw(st.booleans()) \
            else []
        argv, offending = ["graph", cell, *out], {f"'{cell}'", "--out"}
    assert_refused(*call(argv, capsys)[::2], offending)


# ------------------------------------------------------------ regressions and valid calls

REGRESSIONS = [   # the issue's cases: once an UnboundLocalError and a NumPy traceback
    (["train", "--steps", "0"], "--steps must be a positive integer, got 0"),
    (["train", "--steps", "-5"], "--steps must be a positive integer, got -5"),
    (["train", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    (["train", "hello", "--hidden", "3"], "hello takes only --steps and --seed, not --hidden"),
    (["train", "adding", "--hidden", HUGE, "--steps", "1", "--quiet"], "--hidden"),
]


@pytest.mark.parametrize("argv, message", REGRESSIONS, ids=[" ".join(a) for a, _ in REGRESSIONS])
def test_the_issues_command_lines_fail_in_one_line(argv, message, capsys):
    status, _, err = call(argv, capsys)
    assert_refused(status, err, {message})


@pytest.mark.parametrize("argv", [["train", "--steps", "0"], ["train", "adding", "--seed", "-1"],
                                  ["check", "lstm", "--max-examples", "-1"]])
def test_python_dash_m_exits_two_without_a_traceback(argv):
    result = subprocess.run([sys.executable, "-m", "tinygrad_rnn", *argv], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.replace(ANNOUNCEMENT + "\n", "").count("\n") == 1


def test_a_huge_seed_trains(tmp_path, capsys):
    argv = ["train", "adding", "--seed", HUGE, "--hidden", "2", "--seq-len", "3", "--batch", "2",
            "--steps", "1", "--out", str(tmp_path / "run"), "--quiet", "--json"]
    status, out, err = call(argv, capsys)
    assert status == 0, err
    assert json.loads(out.splitlines()[-1])["steps"] == 1


def test_a_model_too_large_for_memory_is_one_line_naming_the_sizes(monkeypatch, tmp_path,
                                                                   capsys):
    def build_model(config, data):
        raise MemoryError("Unable to allocate 16.0 TiB")   # what NumPy says, on any machine

    monkeypatch.setattr(adding, "build_model", build_model)
    argv = ["train", "adding", "--hidden", "1048576", "--batch", "2", "--steps", "1",
            "--out", str(tmp_path / "run")]
    status, _, err = call(argv, capsys)
    assert_refused(status, err, {"does not fit in memory (--hidden 1048576, --batch 2): "
                                 "Unable to allocate 16.0 TiB"})
