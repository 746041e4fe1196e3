"""A run's options, declared once: :data:`OPTIONS` drives ``train --help``, the checks of
every value and the run's config.

A run's ``config`` is one flat dict with one entry per option: the option's default, or
the task's own default (``Task.defaults``), or the user's value. ``config.json`` in the run
folder holds it. A new option is one ``Option`` in the table below (and its use where the
run reads ``config[name]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import optim, plugins
from ..nn.recurrent import resolve_cell

OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
              "adagrad": optim.Adagrad}
SCHEDULES = ("constant", "cosine")
DTYPES = ("float32", "float64")
LARGEST = 2**20   # the most a size may be: a layer of 2**20 units already needs 16 TiB
REQUIRED = object()  # the default of an option each task must set


class OptionError(ValueError):
    """A bad option: the message is one line naming the option, what it needs and what it got."""


def flag(name: str) -> str:
    """The command line's name of option ``name``: ``seq_len`` is ``--seq-len``."""
    return "--" + name.replace("_", "-")


# ---------------------------------------------------------------- the checks of a value
# Each takes the option's name and a value, and raises an OptionError naming the flag. A
# config.json (--resume) may hold any JSON value, so each checks the type before the range.

def _anything(name: str, value) -> None:
    pass


def _positive_integer(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OptionError(f"{flag(name)} must be a positive integer, got {value!r}")


def _size(name: str, value) -> None:
    _positive_integer(name, value)
    if value > LARGEST:
        raise OptionError(f"{flag(name)} must be at most {LARGEST}, got {value!r}")


def _number(condition: Callable[[float], bool], needs: str):
    def check(name: str, value) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"{flag(name)} must be a number, got {value!r}")
        if not condition(value):
            raise OptionError(f"{flag(name)} must {needs}, got {value!r}")
    return check


def _one_of(choices):
    def check(name: str, value) -> None:
        if value not in choices:
            raise OptionError(f"{flag(name)} must be one of {', '.join(choices)}, got {value!r}")
    return check


def _seed(name: str, value) -> None:
    if not isinstance(value, int) or value < 0:
        raise OptionError(f"--seed must be a non-negative integer, got {value!r}")


def _file_name(name: str, value) -> None:
    if not isinstance(value, (str, type(None))):
        raise OptionError(f"--text must be a file name, got {value!r}")


def _cell(name: str, value) -> None:
    if not isinstance(value, str):
        raise OptionError(f"--cell must be a cell's name, got {value!r}")
    try:
        resolve_cell(value)
    except plugins.PluginError as error:
        raise OptionError(f"--cell: {str(error).splitlines()[0]}") from None


# ---------------------------------------------------------------- the table

@dataclass(frozen=True)
class Option:
    """One option of a run.

    Args:
        name: the config's key (the flag is ``--`` and the name with ``-`` for ``_``).
        default: the value unless the task or the user gives another (:data:`REQUIRED`:
            each task gives one; None for ``checkpoint_every``: ``eval_every``'s value).
        check: ``check(name, value)`` raises an OptionError for a value the option does
            not take.
        group: the heading it is listed under in ``--help``.
        help: its line in ``--help``.
        parse: what converts the command line's text to a value (None: a switch, true
            when given).
        choices: the values ``--help`` lists, if a fixed set.
        metavar: the argument's name in ``--help``.
        resumable: whether ``--resume`` lets the user change it.
    """

    name: str
    default: object
    check: Callable
    group: str
    help: str | None = None
    parse: Callable | None = int
    choices: tuple | None = None
    metavar: str | None = None
    resumable: bool = False


OPTIONS = {option.name: option for option in (
    Option("cell", "gru", _cell, "model", parse=str,
           help="any registered cell (see `tinygrad-rnn cells`), or dist:name"),
    Option("hidden", 32, _size, "model", help="hidden units per layer"),
    Option("layers", 1, _size, "model", help="stacked recurrent layers"),
    Option("bidirectional", False, _anything, "model", parse=None,
           help="also read each sequence backwards (not for tasks that predict the future, "
                "e.g. charlm)"),
    Option("dropout", 0.0, _number(lambda v: 0.0 <= v < 1.0, "lie in [0, 1)"), "model",
           parse=float, help="dropout between layers, in [0, 1)"),
    Option("optimizer", "adam", _one_of(tuple(OPTIMIZERS)), "training", parse=str,
           choices=tuple(OPTIMIZERS)),
    Option("lr", 1e-2, _number(lambda v: v > 0, "be positive"), "training", parse=float,
           help="learning rate"),
    Option("clip", 1.0, _number(lambda v: v >= 0, "be >= 0 (0 turns clipping off)"),
           "training", parse=float, help="largest gradient norm (0: no clipping)"),
    Option("batch", 64, _size, "training", help="sequences per batch"),
    Option("seq_len", REQUIRED, _size, "training", help="time steps per sequence or chunk"),
    Option("steps", 300, _positive_integer, "training", help="optimizer steps in all",
           resumable=True),
    Option("eval_every", 100, _positive_integer, "training", help="evaluate every K steps",
           resumable=True),
    Option("checkpoint_every", None, _positive_integer, "run folder", metavar="K",
           help="save the checkpoint every K steps (default: --eval-every)", resumable=True),
    Option("seed", 0, _seed, "training", help="random seed, >= 0 (default 0)"),
    Option("dtype", "float32", _one_of(DTYPES), "model", parse=str, choices=DTYPES,
           help="parameter dtype (default float32)"),
    Option("stepwise", False, _anything, "model", parse=None,
           help="force the step-by-step path instead of fused kernels"),
    Option("lr_schedule", "constant", _one_of(SCHEDULES), "training", parse=str,
           choices=SCHEDULES, help="constant (default), or cosine decay to 0 over --steps"),
    Option("text", None, _file_name, "training", parse=str, metavar="FILE",
           help="charlm: train on this UTF-8 text"),
)}
RESUMABLE = tuple(name for name, option in OPTIONS.items() if option.resumable)
SIZES = tuple(name for name, option in OPTIONS.items() if option.check is _size)


# ---------------------------------------------------------------- a run's config

def _task_name(task) -> str:
    return task.name


def check_config(task, config: dict) -> None:
    """Check every value of ``config`` for ``task``: each option's own check, then what
    depends on the task (``--bidirectional``, ``--text``)."""
    for name, value in config.items():
        OPTIONS[name].check(name, value)
        if name == "bidirectional" and value and not task.allows_bidirectional:
            raise OptionError(f"--bidirectional makes no sense for {task.name} ({task.shape}: "
                              "each prediction may only see the past)")


def make_config(task, overrides: dict) -> dict:
    """The task's defaults, overridden by ``overrides`` (options whose value is None keep
    their default), every value checked.

    Raises:
        OptionError: an unknown option, or a value out of range (one line).
    """
    config = dict(task.default_config)
    unknown = sorted(set(overrides) - set(config))
    if unknown:
        raise OptionError(f"unknown options {', '.join(unknown)}; known: {', '.join(sorted(config))}")
    config.update({name: value for name, value in overrides.items() if value is not None})
    if config["checkpoint_every"] is None:
        config["checkpoint_every"] = config["eval_every"]
    if config["text"] is not None and not task.takes_text:
        raise OptionError(f"--text is only for the charlm task, not {task.name}")
    check_config(task, config)
    return config


def resumed_config(task, saved: dict, overrides: dict) -> dict:
    """The saved ``config`` of a run, with new values only for the options in RESUMABLE.

    Raises:
        OptionError: ``saved`` is not a config of ``task`` (every option, each value in
            range), or an override would change the model, the data or the optimizer.
    """
    if not isinstance(saved, dict) or set(saved) != set(OPTIONS):
        raise OptionError(f"its config.json is not a config of this task (the options "
                          f"{', '.join(sorted(OPTIONS))}): {saved!r:.200}")
    try:
        check_config(task, saved)
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
        OPTIONS[name].check(name, config[name])
    return config
