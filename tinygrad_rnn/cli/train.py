"""``tinygrad-rnn train TASK``: train one of the source material's tasks."""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from ..tasks import TASKS, hello
from ..tasks.options import (DTYPES, OPTIMIZERS, SCHEDULES, SHARED, SIZES, TASK_OPTIONS,
                             OptionError, check_option, flag, make_config, resumed_config)

EXAMPLES = """\
examples:
  tinygrad-rnn train charlm                        Shakespeare, the defaults below
  tinygrad-rnn train charlm --text notes.txt --cell gru --hidden 256 --steps 3000
  tinygrad-rnn train adding --cell rnn             the plain RNN stays at the baseline
  tinygrad-rnn train tag --bidirectional           sees the next word too
  tinygrad-rnn train adding --steps 2000 --resume runs/adding-20260101-120000
  tinygrad-rnn train sentiment --quiet --json      one JSON summary on the last line

defaults per task (hidden, layers, batch, seq-len, steps, eval-every, optimizer, lr, clip):
"""
# The options of a run's config (None on the command line: not given, keep the default).
_RUN_OPTIONS = (*TASK_OPTIONS, *SHARED)


def _defaults_table() -> str:
    lines = []
    for name, task in sorted(TASKS.items()):
        if task is hello:
            lines.append(f"  {'hello':<10} the hand-written RNN of the source material "
                         "(only --steps, default 200, and --seed)")
            continue
        d = task.DEFAULTS
        lines.append(f"  {name:<10} {d['cell']} {d['hidden']}x{d['layers']}, batch {d['batch']}, "
                     f"seq {d['seq_len']}, {d['steps']} steps, eval every {d['eval_every']}, "
                     f"{d['optimizer']} {d['lr']:g}, clip {d['clip']:g}")
        lines.append(f"  {'':<10} ({task.SHAPE}) {task.SUMMARY}")
    return "\n".join(lines)


def _fail(message, status: int = 2) -> int:
    print(f"tinygrad-rnn train: error: {message}", file=sys.stderr)
    return status


def _train_hello(args, given: dict) -> int:
    extra = [flag(name) for name in sorted(given) if name not in ("steps", "seed")]
    extra += [option for option, value in (("--resume", args.resume), ("--out", args.out))
              if value is not None]
    if extra:
        return _fail(f"hello takes only --steps and --seed, not {', '.join(extra)}")
    steps, seed = given.get("steps", 200), given.get("seed", 0)
    try:
        check_option("steps", steps, hello)
        check_option("seed", seed, hello)
    except OptionError as error:
        return _fail(error)
    log = (lambda line: None) if args.quiet else print
    result = hello.run(steps=steps, seed=seed, log=log)
    print(f"final loss {result['loss']:.4f}, prediction {result['prediction']!r}")
    return 0


def _prepare(args, given: dict):
    """The run: a new one, or the one in ``--resume DIR`` (checked, loaded)."""
    from ..tasks import run_dir
    from ..tasks.runner import Run

    if args.resume is not None:
        path = pathlib.Path(args.resume)
        record = run_dir.open_run(path, args.task)
        name = record["task"]
        if not isinstance(name, str) or name not in TASKS or TASKS[name] is hello:
            raise OptionError(f"--resume {path}: unknown task {name!r} in its config.json")
        if args.out is not None and pathlib.Path(args.out) != path:
            raise OptionError("--resume continues in its own folder; leave out --out")
        task = TASKS[name]
        try:
            config = resumed_config(task, record["config"], given)
        except OptionError as error:
            raise OptionError(f"--resume {path}: {error}") from None
        run = Run(name, task, config, path, args.quiet)
        run.resume()
        return run
    task = TASKS[args.task]
    config = make_config(task, given)
    path = pathlib.Path(args.out) if args.out is not None else run_dir.default_path(args.task)
    run = Run(args.task, task, config, path, args.quiet)
    run.start()
    return run


def _train(args) -> int:
    from ..tasks.runner import INTERRUPTED, TrainingError

    given = {name: getattr(args, name) for name in _RUN_OPTIONS if getattr(args, name) is not None}
    if args.task is None and args.resume is None:
        args.task = "hello"
    if args.task is not None and TASKS[args.task] is hello:
        return _train_hello(args, given)
    try:
        run = _prepare(args, given)
    except (ValueError, LookupError, OSError) as error:
        # OptionError, RunDirError, CheckpointError (ValueErrors), PluginError (a LookupError),
        # the task's data (a missing or too-short text), a folder that cannot be written
        return _fail(error)
    except MemoryError as error:   # sizes in range, but not for this machine
        sizes = ", ".join(f"{flag(name)} {given[name]}" for name in SIZES if name in given)
        return _fail(f"the model or the data does not fit in memory "
                     f"({sizes or 'the task defaults'}): {error}")
    try:
        summary = run.train()
    except TrainingError as error:
        return _fail(error, status=1)
    interrupted = summary.pop("interrupted")
    if interrupted:
        print(f"interrupted at step {summary['steps']}: checkpoint saved in {run.path}; "
              f"resume with: tinygrad-rnn train {summary['task']} --resume {run.path}",
              file=sys.stderr)
    if args.json:
        print(json.dumps(summary))
    elif not interrupted:
        baseline = "" if summary["baseline"] is None else f" (baseline {summary['baseline']:.4f})"
        print(f"{summary['task']}: {summary['metric']} {summary['value']:.4f}{baseline} after "
              f"{summary['steps']} steps in {summary['seconds']:.1f} s; "
              f"run folder {run.path} (config.json, metrics.csv, curves.png, picture.png, "
              "checkpoint.safetensors)")
    return INTERRUPTED if interrupted else 0


def _boolean_flag(parser, name: str, help: str) -> None:  # noqa: A002
    parser.add_argument(name, action="store_const", const=True, default=None, help=help)


def add_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="train a task from the source material",
        description="Train one of the tasks; every option defaults to the task's own value.",
        epilog=EXAMPLES + _defaults_table(), formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("task", nargs="?", default=None, choices=sorted(TASKS),
                       help="the task (default: hello; with --resume: the saved run's)")
    model = train.add_argument_group("model")
    model.add_argument("--cell", help="any registered cell (see `tinygrad-rnn cells`), or dist:name")
    model.add_argument("--hidden", type=int, help="hidden units per layer")
    model.add_argument("--layers", type=int, help="stacked recurrent layers")
    _boolean_flag(model, "--bidirectional", "also read each sequence backwards (not for "
                  "tasks that predict the future, e.g. charlm)")
    model.add_argument("--dropout", type=float, help="dropout between layers, in [0, 1)")
    model.add_argument("--dtype", choices=DTYPES, help="parameter dtype (default float32)")
    _boolean_flag(model, "--stepwise", "force the step-by-step path instead of fused kernels")
    training = train.add_argument_group("training")
    training.add_argument("--optimizer", choices=OPTIMIZERS)
    training.add_argument("--lr", type=float, help="learning rate")
    training.add_argument("--lr-schedule", choices=SCHEDULES,
                          help="constant (default), or cosine decay to 0 over --steps")
    training.add_argument("--clip", type=float, help="largest gradient norm (0: no clipping)")
    training.add_argument("--batch", type=int, help="sequences per batch")
    training.add_argument("--seq-len", type=int, help="time steps per sequence or chunk")
    training.add_argument("--steps", type=int, help="optimizer steps in all")
    training.add_argument("--eval-every", type=int, help="evaluate every K steps")
    training.add_argument("--seed", type=int, help="random seed, >= 0 (default 0)")
    training.add_argument("--text", metavar="FILE", help="charlm: train on this UTF-8 text")
    run = train.add_argument_group("run folder")
    run.add_argument("--out", metavar="DIR", help="run folder (default runs/TASK-<timestamp>)")
    run.add_argument("--checkpoint-every", type=int, metavar="K",
                     help="save the checkpoint every K steps (default: --eval-every)")
    run.add_argument("--resume", metavar="DIR", help="continue the run in DIR exactly; "
                     "--steps, --eval-every, --checkpoint-every may change")
    output = train.add_argument_group("output")
    output.add_argument("--quiet", action="store_true", help="no progress bar, no evaluation lines")
    output.add_argument("--json", action="store_true",
                        help="print the summary as one JSON object on the last line of stdout")
    train.set_defaults(run=_train)
