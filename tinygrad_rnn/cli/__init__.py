"""The ``tinygrad-rnn`` command: one module per group of subcommands.

    tinygrad-rnn train [TASK]    train one of the source material's tasks (default: hello)
    tinygrad-rnn cells           list every plugin (cells and wrappers) and whether it loads
    tinygrad-rnn check NAME      run the conformance kit (check_cell) on a cell plugin
    tinygrad-rnn new-cell NAME   write a ready cell-plugin distribution to start from

Each subcommand module has ``add_parser(commands)``, which adds its parser to the
subparsers and sets ``run`` to the function that carries it out and returns the exit status.
"""

import argparse
import sys

from . import new_cell, plugin_commands, train


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinygrad-rnn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train.add_parser(commands)
    plugin_commands.add_parser(commands)
    new_cell.add_parser(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
