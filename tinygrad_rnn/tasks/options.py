"""A run's options: the task's defaults, overridden by the user's, each one checked.

A run's ``config`` is one flat dict: the task's ``DEFAULTS`` (``cell``, ``hidden``,
``layers``, ``bidirectional``, ``dropout``, ``optimizer``, ``lr``, ``clip``, ``batch``,
``seq_len``, ``steps``, ``eval_every``) and the options every task shares (below), with the
user's values in place of the defaults. ``config.json`` in the run folder holds it.
"""

from __future__ import annotations

from .. import plugins
from ..nn.recurrent import resolve_cell

# The options every task's DEFAULTS sets, then those all tasks share with one default.
TASK_OPTIONS = ("cell", "hidden", "layers", "bidirectional", "dropout", "optimizer", "lr", "clip",
                "batch", "seq_len", "steps", "eval_every")
SHARED = {"checkpoint_every": None, "seed": 0, "dtype": "float32", "stepwise": False,
          "lr_schedule": "constant", "text": None}
OPTIMIZERS = ("adam", "adamw", "sgd", "adagrad")
SCHEDULES = ("constant", "cosine")
DTYPES = ("float32", "float64")
POSITIVE = ("hidden", "layers", "batch", "seq_len", "steps", "eval_every", "checkpoint_every")
NUMBERS = ("dropout", "lr", "clip")
# The sizes, and the most each may be: a layer of 2**20 units already needs 16 TiB.
SIZES, LARGEST = ("hidden", "layers", "batch", "seq_len"), 2**20
# What --resume lets a user change: how long to go on and how often to report and save.
RESUMABLE = ("steps", "eval_every", "checkpoint_every")


class OptionError(ValueError):
    """A bad option: the message is one line naming the option, what it needs and what it got."""


def flag(name: str) -> str:
    """The command line's name of option ``name``: ``seq_len`` is ``--seq-len``."""
    return "--" + name.replace("_", "-")


def check_option(name: str, value, task) -> None:
    """Raise an OptionError naming ``--name`` unless ``value`` is one it takes for ``task``."""
    # NOTE: a config.json (--resume) may hold any JSON value: check the type before the range.
    if name in NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise OptionError(f"{flag(name)} must be a number, got {value!r}")
    if name == "cell" and not isinstance(value, str):
        raise OptionError(f"--cell must be a cell's name, got {value!r}")
    if name == "text" and not isinstance(value, (str, type(None))):
        raise OptionError(f"--text must be a file name, got {value!r}")
    if name in POSITIVE and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise OptionError(f"{flag(name)} must be a positive integer, got {value!r}")
    if name in SIZES and value > LARGEST:
        raise OptionError(f"{flag(name)} must be at most {LARGEST}, got {value!r}")
    if name == "seed" and (not isinstance(value, int) or value < 0):
        raise OptionError(f"--seed must be a non-negative integer, got {value!r}")
    if name == "dropout" and not 0.0 <= value < 1.0:
        raise OptionError(f"--dropout must lie in [0, 1), got {value!r}")
    if name == "lr" and not value > 0:
        raise OptionError(f"--lr must be positive, got {value!r}")
    if name == "clip" and not value >= 0:
        raise OptionError(f"--clip must be >= 0 (0 turns clipping off), got {value!r}")
    for option, choices in (("optimizer", OPTIMIZERS), ("dtype", DTYPES),
                            ("lr_schedule", SCHEDULES)):
        if name == option and value not in choices:
            raise OptionError(f"{flag(name)} must be one of {', '.join(choices)}, got {value!r}")
    if name == "bidirectional" and value and not task.ALLOWS_BIDIRECTIONAL:
        raise OptionError(f"--bidirectional makes no sense for {task.__name__.rpartition('.')[2]} "
                          f"({task.SHAPE}: each prediction may only see the past)")
    if name == "cell":
        try:
            resolve_cell(value)
        except plugins.PluginError as error:
            raise OptionError(f"--cell: {str(error).splitlines()[0]}") from None


def make_config(task, overrides: dict) -> dict:
    """The task's defaults and the shared ones, overridden by ``overrides`` (options whose
    value is None keep their default), every value checked.

    Raises:
        OptionError: an unknown option, or a value out of range (one line).
    """
    config = {**task.DEFAULTS, **SHARED}
    unknown = sorted(set(overrides) - set(config))
    if unknown:
        raise OptionError(f"unknown options {', '.join(unknown)}; known: {', '.join(sorted(config))}")
    config.update({name: value for name, value in overrides.items() if value is not None})
    if config["checkpoint_every"] is None:
        config["checkpoint_every"] = config["eval_every"]
    if config["text"] is not None and not getattr(task, "TAKES_TEXT", False):
        raise OptionError(f"--text is only for the charlm task, not {task.__name__.rpartition('.')[2]}")
    for name, value in config.items():
        check_option(name, value, task)
    return config


def resumed_config(task, saved: dict, overrides: dict) -> dict:
    """The saved ``config`` of a run, with new values only for the options in RESUMABLE.

    Raises:
        OptionError: ``saved`` is not a config of ``task`` (every option, each value in
            range), or an override would change the model, the data or the optimizer.
    """
    options = {*task.DEFAULTS, *SHARED}
    if not isinstance(saved, dict) or set(saved) != options:
        raise OptionError(f"its config.json is not a config of this task (the options "
                          f"{', '.join(sorted(options))}): {saved!r:.200}")
    try:
        for name, value in saved.items():
            check_option(name, value, task)
    except OptionError as error:
        raise OptionError(f"its config.json holds a bad value: {error}") from None
    changed = sorted(name for name, value in overrides.items()
                     if value is not None and name not in RESUMABLE and value != saved.get(name))
    if changed:
        raise OptionError(f"--resume continues the saved run, so {', '.join(map(flag, changed))} "
                          f"cannot change; only {', '.join(map(flag, RESUMABLE))} can")
    config = dict(saved)
    config.update({name: overrides[name] for name in RESUMABLE if overrides.get(name) is not None})
    for name in RESUMABLE:
        check_option(name, config[name], task)
    return config

