"""``tinygrad-rnn gradflow``: ‖∂L/∂h_t‖ against t per cell, as a PNG and a CSV."""

from __future__ import annotations

import pathlib
import sys


def _gradflow(args) -> int:
    from .. import plugins
    from ..tasks import gradflow
    from ..nn.recurrent import resolve_cell
    from ..tasks.options import OptionError

    cells = [name for name in args.cells.split(",") if name]
    out = pathlib.Path(args.out)
    try:
        if not cells:
            raise OptionError("--cells needs at least one cell name")
        if args.seq_len < 2 or args.steps < 0:
            raise OptionError(f"--seq-len must be >= 2 and --steps >= 0, "
                              f"got {args.seq_len} and {args.steps}")
        if args.seed < 0:
            raise OptionError(f"--seed must be >= 0, got {args.seed}")
        for cell in cells:
            resolve_cell(cell)
        results = gradflow.measure(cells, seq_len=args.seq_len, steps=args.steps, seed=args.seed)
        gradflow.plot(results, out, steps=args.steps)
        gradflow.write_csv(results, out.with_suffix(".csv"))
    except (ValueError, plugins.PluginError, OSError) as error:
        print(f"tinygrad-rnn gradflow: error: {error}", file=sys.stderr)
        return 2
    print(f"‖∂L/∂h_0‖ / ‖∂L/∂h_{args.seq_len - 1}‖ on the adding problem (T = {args.seq_len}):")
    for cell, phases in results.items():
        trained = f", after {args.steps} steps {gradflow.decay(phases['trained']):.3g}" \
            if "trained" in phases else ""
        print(f"  {cell:<6} at initialisation {gradflow.decay(phases['init']):.3g}{trained}")
    print(f"wrote {out} and {out.with_suffix('.csv')}")
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "gradflow", help="measure how the gradient fades back in time, per cell",
        description="‖∂L/∂h_t‖ against t on the adding problem, at initialisation and after a "
                    "short training, for each cell: the vanishing gradient, measured.",
        epilog="example: tinygrad-rnn gradflow --cells rnn,lstm,gru,mgu --seq-len 200 "
               "--out gradflow.png")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated cell names "
                        "(default rnn,lstm,gru)")
    parser.add_argument("--seq-len", type=int, default=100, help="T (default 100)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="gradflow.png",
                        help="the PNG to write; the CSV goes beside it (default gradflow.png)")
    parser.set_defaults(run=_gradflow)
