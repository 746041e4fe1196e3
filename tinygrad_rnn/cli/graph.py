"""``tinygrad-rnn graph CELL``: the computation graph of one time step of a cell."""

from __future__ import annotations

import pathlib
import sys

import numpy as np


def step_graph(cell_name: str, input_size: int = 3, hidden_size: int = 4):
    """The sum of one step's new state tensors, for a batch of 2 from a random state: its
    graph is the step's (every gate and parameter)."""
    from .. import Tensor
    from ..nn.recurrent import resolve_cell
    from ..random import seeded

    with seeded(0) as rng:
        cell = resolve_cell(cell_name)(input_size, hidden_size)
        x = Tensor(rng.standard_normal((2, input_size)).astype(np.float32))
        state = tuple(Tensor(rng.standard_normal((2, size)).astype(np.float32))
                      for size in cell.state_sizes)
    _, new_state = cell.step(x, state)
    total = new_state[0].sum()
    for part in new_state[1:]:
        total = total + part.sum()
    return total


def _graph(args) -> int:
    from .. import plugins, viz
    from ..serialization import _atomic_write

    try:
        root = step_graph(args.cell)
        if args.out and pathlib.Path(args.out).suffix.lower() in (".svg", ".png", ".pdf"):
            viz.render(root, args.out, format=pathlib.Path(args.out).suffix[1:].lower())
            print(f"wrote {args.out}")
        elif args.out:
            _atomic_write(args.out, viz.to_dot(root).encode("utf-8"))
            print(f"wrote {args.out}")
        else:
            print(viz.to_dot(root), end="")
    except (plugins.PluginError, RuntimeError, OSError, TypeError, ValueError) as error:
        where = f"--out {args.out}: " if isinstance(error, OSError) else ""
        print(f"tinygrad-rnn graph: error: {where}{error}", file=sys.stderr)
        return 2
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "graph", help="the computation graph of one step of a cell (DOT, or SVG with Graphviz)",
        description="Draw the graph autograd records for one time step of CELL.",
        epilog="examples: tinygrad-rnn graph lstm > lstm.dot; tinygrad-rnn graph gru --out "
               "gru.svg (needs the graphviz package and the dot program)")
    parser.add_argument("cell", metavar="CELL", help="a registered cell name")
    parser.add_argument("--out", metavar="FILE", help="write here: .svg/.png/.pdf rendered by "
                        "Graphviz, anything else as DOT text (default: DOT on stdout)")
    parser.set_defaults(run=_graph)
