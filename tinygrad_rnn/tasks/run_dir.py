"""A run's folder: ``config.json``, ``metrics.csv``, the plots and ``checkpoint.safetensors``.

``config.json`` holds the task, every option and the versions of the package and of every
plugin distribution; ``metrics.csv`` one row per step (``step, seconds, train_loss,
metric``, the metric only at evaluations). Every file is written atomically (to a temporary
file beside it, then renamed), so a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import datetime
import importlib.metadata
import io
import json
import pathlib

from .. import plugins
from ..serialization import _atomic_write

CONFIG = "config.json"
METRICS = "metrics.csv"
CHECKPOINT = "checkpoint.safetensors"
COLUMNS = ("step", "seconds", "train_loss", "metric")


class RunDirError(ValueError):
    """A folder is not a run of the expected task, or has no checkpoint to resume."""


def default_path(task: str, now: datetime.datetime | None = None) -> pathlib.Path:
    """``runs/TASK-YYYYmmdd-HHMMSS`` (local time)."""
    now = now or datetime.datetime.now()
    return pathlib.Path("runs") / f"{task}-{now:%Y%m%d-%H%M%S}"


def versions() -> dict[str, str]:
    """The version of this package and of every distribution that provides a plugin."""
    found = {"tinygrad_rnn": importlib.metadata.version("tinygrad_rnn")}
    for info in plugins.available():
        if info.distribution != plugins.IN_PROCESS:
            found[info.distribution] = info.version
    return found


def write_text(path: pathlib.Path, text: str) -> None:
    _atomic_write(str(path), text.encode("utf-8"))


def create(path: pathlib.Path, task: str, config: dict) -> None:
    """Make a new run folder with its ``config.json`` and the ``metrics.csv`` header."""
    if path.exists() and any(path.iterdir()):
        raise RunDirError(f"--out {path} already exists and is not empty "
                          f"(to continue that run use --resume {path})")
    path.mkdir(parents=True, exist_ok=True)
    write_config(path, task, config)
    write_metrics(path, [])


def write_config(path: pathlib.Path, task: str, config: dict) -> None:
    """``config.json``: the task, every option and the versions (see :func:`versions`)."""
    record = {"task": task, "config": config, "versions": versions()}
    write_text(path / CONFIG, json.dumps(record, indent=2, sort_keys=True) + "\n")


def open_run(path: pathlib.Path, task: str | None, option: str = "--resume") -> dict:
    """The ``config.json`` record of the run in ``path``, after checking that it is a run
    of ``task`` (any task if None) with a checkpoint; errors name ``option``."""
    where = f"{option} {path}"
    if not (path / CONFIG).is_file():
        raise RunDirError(f"{where}: no {CONFIG} there, so it is not a run folder")
    try:
        record = json.loads((path / CONFIG).read_text(encoding="utf-8"))
        record["task"], record["config"]
    except (ValueError, KeyError, TypeError) as error:
        raise RunDirError(f"{where}: {CONFIG} is unreadable ({error})") from None
    if task is not None and record["task"] != task:
        raise RunDirError(f"{where}: that is a run of {record['task']!r}, not {task!r}")
    if not (path / CHECKPOINT).is_file():
        raise RunDirError(f"{where}: there is no {CHECKPOINT} in it")
    return record


def read_metrics(path: pathlib.Path) -> list[dict]:
    """The rows of ``metrics.csv``: ``step`` an int, the rest floats or None when empty.

    Raises:
        RunDirError: the file is missing or is not such a table.
    """
    try:
        with open(path / METRICS, newline="", encoding="utf-8") as file:
            return [{name: (int(row[name]) if name == "step" else
                            float(row[name]) if row[name] else None) for name in COLUMNS}
                    for row in csv.DictReader(file)]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RunDirError(f"{path / METRICS} is unreadable: {error!r}") from None


def write_metrics(path: pathlib.Path, rows: list[dict]) -> None:
    """Write every row to ``metrics.csv`` (the whole file, atomically)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if row[name] is None else row[name] for name in COLUMNS})
    write_text(path / METRICS, buffer.getvalue())
