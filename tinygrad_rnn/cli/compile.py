"""``tinygrad-rnn compile CELL``: compile a cell's step into its whole-sequence kernels and
say what was found; ``--show`` prints the generated source."""

import sys
import time

import numpy as np

from .. import compiler
from ..tensor import Tensor
from .plugin_commands import _option, cell_options


def _compile(args) -> int:
    from ..nn.recurrent import load_plugin

    try:
        cell_class = load_plugin(args.cell, "cell")
        options = cell_options(cell_class, args.option,
                               "use --input-size, --hidden-size or --dtype")
        cell = cell_class(args.input_size, args.hidden_size, dtype=np.dtype(args.dtype),
                          **options)
    except Exception as error:  # noqa: BLE001  (the name, the options: the cell's own error)
        print(f"tinygrad-rnn compile: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        program = compiler.compile_cell(cell)
    except compiler.CompileError as error:
        print(f"{args.cell}: runs step by step: {error}")
        return 1
    # NOTE: Numba compiles (or loads from its cache) at the first call: make one.
    x = Tensor(np.zeros((2, 1, cell.input_size), cell.dtype), requires_grad=True)
    state = tuple(Tensor(np.zeros((1, size), cell.dtype)) for size in cell.state_sizes)
    output, _ = compiler.run(cell, x, state)
    output.sum().backward()
    seconds = time.perf_counter() - start
    plan = program.plan
    print(f"{args.cell}: {type(cell).__name__}.step compiled and loaded in {seconds:.2f} s "
          f"({cell.dtype}, input_size {cell.input_size}, hidden_size {cell.hidden_size})")
    print(f"hoisted before the loop (over all T·N rows): {len(plan.frontiers)} value(s)")
    for v in plan.frontiers:
        print(f"  {v.label}  {v.source}")
    print(f"per-step products: {len(plan.products)}")
    for line in program.products:
        print(f"  {line}")
    loops = sum(block[0] == "loop" for block in plan.blocks)
    print(f"fused elementwise loops per step: {loops}")
    print(f"source: {program.module.__file__}")
    if args.show:
        print()
        print(program.source, end="")
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "compile", help="compile a cell's step into whole-sequence kernels (--show the source)",
        description="Trace CELL's step, generate its whole-sequence forward and backward "
                    "kernels, compile them, and report what was found.")
    parser.add_argument("cell", help="a registered cell name, or distribution:name")
    parser.add_argument("--option", metavar="KEY=VALUE", type=_option, action="append",
                        default=[], help="a cell option, e.g. --option reset=before (repeatable)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--input-size", type=int, default=3)
    parser.add_argument("--hidden-size", type=int, default=4)
    parser.add_argument("--show", action="store_true",
                        help="print the generated forward and backward source")
    parser.set_defaults(run=_compile)
