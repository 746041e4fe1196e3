"""The ``tinygrad-rnn`` command: one module per group of subcommands.

    tinygrad-rnn train [TASK]    train one of the source material's tasks (default: hello)
    tinygrad-rnn sample RUN_DIR  generate text from a trained charlm run
    tinygrad-rnn gradflow        how the gradient fades back in time, per cell (PNG + CSV)
    tinygrad-rnn graph CELL      the computation graph of one step of a cell (DOT or SVG)
    tinygrad-rnn cells           list every plugin (cells and wrappers) and whether it loads
    tinygrad-rnn check NAME      run the conformance kit (check_cell) on a cell plugin
    tinygrad-rnn compile CELL    compile a cell's step into whole-sequence kernels (--show)
    tinygrad-rnn new-cell NAME   write a ready cell-plugin distribution to start from

A built-in's bare name (``rnn``, ``lstm``, ``gru``, ``bidirectional``) means the built-in
distribution's plugin everywhere in the command, defaults included: another installed
plugin of the same name is reached as ``distribution:name``.

Each subcommand module has ``add_parser(commands)``, which adds its parser to the
subparsers and sets ``run`` to the function that carries it out and returns the exit status.
"""

import argparse
import sys

from .. import __version__
from . import compile, gradflow, graph, new_cell, plugin_commands, sample, train


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) and exit with 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinygrad-rnn", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"tinygrad-rnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    train.add_parser(commands)
    sample.add_parser(commands)
    gradflow.add_parser(commands)
    graph.add_parser(commands)
    plugin_commands.add_parser(commands)
    compile.add_parser(commands)
    new_cell.add_parser(commands)
    return parser


def main(argv=None) -> int:
    from .. import plugins
    from ..nn.recurrent import BUILTIN_PLUGINS

    args = build_parser().parse_args(argv)
    with plugins.preferring(BUILTIN_PLUGINS):   # "lstm" is the built-in here, whatever else is installed
        return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
