"""``tinygrad-rnn cells`` and ``tinygrad-rnn check NAME``: the plugin registry and the
conformance kit from the command line."""

import argparse
import ast
import sys

from .. import plugins


def _plugin_rows(load: bool) -> tuple[list[list[str]], list[str]]:
    """One row per plugin (kind, name, distribution, version, status) and the reasons of
    the broken or disabled ones. With ``load``, every enabled plugin is imported and checked."""
    rows, reasons = [], []
    for info in plugins.available():
        status, error = info.status, info.error
        if load and status != "disabled":
            qualified = info.name if info.distribution == plugins.IN_PROCESS else \
                f"{info.distribution}:{info.name}"
            try:
                plugins.get(qualified, kind=info.kind)
            except plugins.PluginError as exc:
                status, error = "broken", str(exc)
            else:
                status, error = "ok", None
        if error:
            reasons.append(f"{info.kind} {info.name!r} ({info.distribution}) is {status}: {error}")
        rows.append([info.kind, info.name, info.distribution, info.version, status])
    return rows, reasons


def _cells(args) -> int:
    rows, reasons = _plugin_rows(load=not args.no_load)
    if not rows:
        print("no plugins installed")
        return 0
    header = ["KIND", "NAME", "DISTRIBUTION", "VERSION", "STATUS"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if reasons:
        print()
        print("\n".join(reasons))
    return 0


def _option(text: str) -> tuple[str, object]:
    """``key=value``, the value read as a Python literal when it is one (``2``, ``True``),
    else kept as a string (``relu``)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def _check(args) -> int:
    from ..nn.recurrent import resolve_cell
    from ..testing.cells import check_cell

    options = dict(args.option)
    try:
        resolve_cell(args.name)
        report = check_cell(args.name, options=options, max_examples=args.max_examples,
                            seed=args.seed, checks=args.only, raise_on_failure=False,
                            shrink=args.shrink)
    except (plugins.PluginError, TypeError, ValueError, ImportError) as error:
        print(f"tinygrad-rnn check: {error}", file=sys.stderr)
        return 2
    print(f"check_cell({args.name!r}, options={options})")
    print(report)
    return 0 if report.passed else 1


def add_parser(commands) -> None:
    from ..testing.cells import CHECKS

    cells = commands.add_parser("cells", help="list the plugins and whether each loads")
    cells.add_argument("--no-load", action="store_true",
                       help="do not import the plugins (status 'not loaded' until used)")
    cells.set_defaults(run=_cells)

    check = commands.add_parser("check", help="run the conformance kit on a cell plugin")
    check.add_argument("name", help="a registered cell name, or distribution:name")
    check.add_argument("--option", metavar="KEY=VALUE", type=_option, action="append",
                       default=[], help="a cell option, e.g. --option proj_size=2 (repeatable)")
    check.add_argument("--max-examples", type=int, default=None,
                       help="Hypothesis examples per check (default 10)")
    check.add_argument("--seed", type=int, default=0, help="offset of the parameter seeds")
    check.add_argument("--only", metavar="CHECK", action="append", choices=list(CHECKS),
                       help=f"run only this check (repeatable): {', '.join(CHECKS)}")
    check.add_argument("--shrink", action="store_true",
                       help="shrink a falsifying example to a minimal one (slower)")
    check.set_defaults(run=_check)
