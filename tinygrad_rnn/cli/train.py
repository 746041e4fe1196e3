"""``tinygrad-rnn train TASK``: train one of the source material's tasks.

Its options come from the table :data:`tinygrad_rnn.tasks.options.OPTIONS`; ``hello`` (not a
task of the trainer) is the source material's hand-written RNN, run as it is.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from ..tasks import TASKS, hello, run_dir
from ..tasks.options import OPTIONS, SIZES, OptionError, flag, make_config, resumed_config
from ..tasks.runner import INTERRUPTED, Run, TrainingError

HELLO = "hello"

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


def _defaults_table() -> str:
    lines = []
    for name, task in sorted({**TASKS, HELLO: None}.items()):
        if name == HELLO:
            lines.append(f"  {'hello':<10} the hand-written RNN of the source material "
                         "(only --steps, default 200, and --seed)")
            continue
        d = task.default_config
        lines.append(f"  {name:<10} {d['cell']} {d['hidden']}x{d['layers']}, batch {d['batch']}, "
                     f"seq {d['seq_len']}, {d['steps']} steps, eval every {d['eval_every']}, "
                     f"{d['optimizer']} {d['lr']:g}, clip {d['clip']:g}")
        lines.append(f"  {'':<10} ({task.shape}) {task.summary}")
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
        OPTIONS["steps"].check("steps", steps)
        OPTIONS["seed"].check("seed", seed)
    except OptionError as error:
        return _fail(error)
    log = (lambda line: None) if args.quiet else print
    result = hello.run(steps=steps, seed=seed, log=log)
    print(f"final loss {result['loss']:.4f}, prediction {result['prediction']!r}")
    return 0


def _prepare(args, given: dict):
    """The run: a new one, or the one in ``--resume DIR`` (checked, loaded)."""
    if args.resume is not None:
        path = pathlib.Path(args.resume)
        record = run_dir.open_run(path, args.task)
        name = record["task"]
        if not isinstance(name, str) or name not in TASKS:
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
    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    if args.task is None and args.resume is None:
        args.task = HELLO
    if args.task == HELLO:
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


def add_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="train a task from the source material",
        description="Train one of the tasks; every option defaults to the task's own value.",
        epilog=EXAMPLES + _defaults_table(), formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("task", nargs="?", default=None, choices=sorted([*TASKS, HELLO]),
                       help="the task (default: hello; with --resume: the saved run's)")
    groups = {name: train.add_argument_group(name) for name in ("model", "training", "run folder")}
    for name, option in OPTIONS.items():
        if option.parse is None:   # a switch: true when given, else the default
            groups[option.group].add_argument(flag(name), action="store_const", const=True,
                                              default=None, help=option.help)
        else:
            groups[option.group].add_argument(flag(name), type=option.parse, help=option.help,
                                              choices=option.choices, metavar=option.metavar)
    groups["run folder"].add_argument("--out", metavar="DIR",
                                      help="run folder (default runs/TASK-<timestamp>)")
    groups["run folder"].add_argument("--resume", metavar="DIR", help="continue the run in DIR "
                                      "exactly; --steps, --eval-every, --checkpoint-every may change")
    output = train.add_argument_group("output")
    output.add_argument("--quiet", action="store_true", help="no progress bar, no evaluation lines")
    output.add_argument("--json", action="store_true",
                        help="print the summary as one JSON object on the last line of stdout")
    train.set_defaults(run=_train)
