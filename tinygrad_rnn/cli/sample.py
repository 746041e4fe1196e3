"""``tinygrad-rnn sample RUN_DIR``: generate text from a trained ``charlm`` run (one-to-many)."""

from __future__ import annotations

import math
import pathlib
import sys

import numpy as np


def _check(args) -> None:
    """Raise a ValueError naming the first bad option; called before any file is read, so
    that a bad value is reported as such whatever RUN_DIR holds."""
    if args.length < 0:
        raise ValueError(f"--length must be >= 0, got {args.length}")
    if not 0 < args.temperature < math.inf:
        raise ValueError(f"--temperature must be positive and finite, got {args.temperature}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.prime == "":
        raise ValueError("--prime must have at least one character (leave it out to start "
                         "from the corpus' first character)")


def _sample(args) -> int:
    from .. import no_grad
    from ..tasks import charlm, checkpoint, run_dir

    path = pathlib.Path(args.run_dir)
    try:
        _check(args)
        config = run_dir.open_run(path, "charlm", option="sample")["config"]
        data = charlm.make_data(config, config["seed"])
        model = charlm.build_model(config, data)
        checkpoint.load_model(path / run_dir.CHECKPOINT, model)
        model.eval()
        prime = data["first"] if args.prime is None else args.prime
        with no_grad():
            text = charlm.generate(model, data["vocab"], prime, args.length, args.temperature,
                                   np.random.default_rng(args.seed))
    except (ValueError, LookupError, OSError) as error:
        print(f"tinygrad-rnn sample: error: {error}", file=sys.stderr)
        return 2
    print(text)
    return 0


def add_parser(commands) -> None:
    sample = commands.add_parser(
        "sample", help="generate text from a trained charlm run",
        description="Generate text from the checkpoint of a charlm run, one character at a time.",
        epilog="example: tinygrad-rnn sample runs/charlm-20260101-120000 --prime 'ROMEO:' "
               "--length 500 --temperature 0.7")
    sample.add_argument("run_dir", metavar="RUN_DIR", help="the folder of a charlm run")
    sample.add_argument("--prime", default=None,
                        help="text to start from (default: the corpus' first character)")
    sample.add_argument("--length", type=int, default=500, help="characters to generate (500)")
    sample.add_argument("--temperature", type=float, default=0.8,
                        help="below 1: safer, above 1: wilder (default 0.8)")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.set_defaults(run=_sample)
