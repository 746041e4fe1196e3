"""``tinygrad-rnn cells`` and ``tinygrad-rnn check NAME``: the plugin registry and the
conformance kit from the command line."""

import argparse
import ast
import inspect
import sys
from collections import Counter

import numpy as np

from .. import compiler, plugins
from ..nn.recurrent import BUILTIN_PLUGINS, sequence_path

# The sizes a cell is built with to be listed: its state sizes are shown for these.
PROBE_INPUT, PROBE_HIDDEN, PROBE_BATCH = 3, 4, 2
_STANDARD_ARGUMENTS = {"self", "input_size", "hidden_size", "bias", "dtype"}


def _options(cell_class) -> str:
    """The cell's own constructor options with their defaults: ``proj_size=0``. (The
    registry has checked that the signature can be read.)"""
    parameters = inspect.signature(cell_class).parameters.values()
    options = [f"{p.name}={p.default!r}" if p.default is not p.empty else p.name
               for p in parameters if p.name not in _STANDARD_ARGUMENTS
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return ",".join(options) or "-"


def _capabilities(cell_class) -> list[str]:
    """FUSED, STATE and OPTIONS of a cell built with its default options, once it ran one
    step on zeros; raises whatever building or stepping raised (the contract checked), or
    an ArithmeticError when the step is not finite."""
    from ..nn.cell import check_declarations, check_step_result
    from ..tensor import Tensor

    cell = cell_class(PROBE_INPUT, PROBE_HIDDEN)
    check_declarations(cell)
    dtype = getattr(cell, "dtype", np.float32)
    state = tuple(Tensor(np.zeros((PROBE_BATCH, size), dtype)) for size in cell.state_sizes)
    x = Tensor(np.zeros((PROBE_BATCH, PROBE_INPUT), dtype))
    with np.errstate(all="ignore"):
        h, new_state = result = cell.step(x, state)
    check_step_result(cell, result, None, PROBE_BATCH)
    if not all(np.all(np.isfinite(t.array)) for t in (h, *new_state)):
        raise ArithmeticError("step produced NaN or Inf from zeros (finite inputs)")
    sizes = ",".join(f"{name}:{size}" for name, size in zip(cell.state_names, cell.state_sizes))
    return [_fused(cell), sizes, _options(cell_class)]


def _fused(cell) -> str:
    """FUSED: ``kernel`` (the cell's own ``sequence``), ``generated`` (its step compiles),
    or ``step: <what stopped the compiler>``."""
    path = sequence_path(cell, True)
    if path != "step":
        return path
    reason = compiler.why_not(cell).partition(".step: ")[2]
    return "step: " + reason.split(" (at ")[0].split(": ")[0]


def _ambiguities(infos) -> list[str]:
    """A line for each bare name that several enabled installed plugins of a kind share."""
    installed = [info for info in infos
                 if info.distribution != plugins.IN_PROCESS and info.status != "disabled"]
    registered = {(info.kind, info.name) for info in infos
                  if info.distribution == plugins.IN_PROCESS}
    counts = Counter((info.kind, info.name) for info in installed)
    lines = []
    for (kind, name), count in sorted(counts.items()):
        if count > 1 and (kind, name) not in registered:
            qualified = [f"{info.distribution}:{name}" for info in installed
                         if (info.kind, info.name) == (kind, name)]
            builtin = BUILTIN_PLUGINS.get((kind, name))
            if f"{builtin}:{name}" in qualified:
                others = [q for q in qualified if q != f"{builtin}:{name}"]
                lines.append(f"{kind} {name!r}: {count} distributions provide it; the command "
                             f"means the built-in {builtin}'s; ask for "
                             f"{' or '.join(map(repr, others))} for the other")
                continue
            lines.append(f"{kind} {name!r} is ambiguous: {count} distributions provide it; ask "
                         f"for {' or '.join(map(repr, qualified))}, or list the one you do "
                         f"not want in {plugins.DISABLE_ENV}")
    return lines


def _plugin_rows(load: bool) -> tuple[list[list[str]], list[str]]:
    """One row per plugin (kind, name, distribution, version, status, fused, state, options)
    and notes: the reasons of the broken or disabled ones, the ambiguous names. With
    ``load``, every enabled plugin is imported and checked, and a cell is ``ok`` only when it
    builds and runs one step with its default options."""
    infos = plugins.available()
    rows, notes = [], []
    for info in infos:
        status, error, capabilities = info.status, info.error, ["-", "-", "-"]
        if load and status != "disabled":
            qualified = info.name if info.distribution == plugins.IN_PROCESS else \
                f"{info.distribution}:{info.name}"
            try:
                plugin = plugins.get(qualified, kind=info.kind)
                if info.kind == "cell":
                    capabilities = _capabilities(plugin)
            except Exception as exc:  # a plugin may fail in any way; the row says how
                status, error = "broken", str(exc) if isinstance(exc, plugins.PluginError) \
                    else f"building it and running one step raised {type(exc).__name__}: {exc}"
            else:
                status, error = "ok", None
        if error:
            notes.append(f"{info.kind} {info.name!r} ({info.distribution}) is {status}: {error}")
        rows.append([info.kind, info.name, info.distribution, info.version, status,
                     *capabilities])
    return rows, notes + _ambiguities(infos)


def _cells(args) -> int:
    rows, notes = _plugin_rows(load=not args.no_load)
    if not rows:
        print("no plugins installed")
        return 0
    header = ["KIND", "NAME", "DISTRIBUTION", "VERSION", "STATUS", "FUSED", "STATE", "OPTIONS"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if not args.no_load:
        print(f"\nok: a cell builds and runs one step with its default options.\n"
              f"FUSED: its whole-sequence path: its own kernel, generated from its step by the\n"
              f"compiler, or step by step and why (tinygrad-rnn compile NAME says more).\n"
              f"OPTIONS: its own options, with defaults.\n"
              f"STATE: its state tensors and their sizes for input_size={PROBE_INPUT}, "
              f"hidden_size={PROBE_HIDDEN}.")
    if notes:
        print()
        print("\n".join(notes))
    return 0


BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _option(text: str) -> tuple[str, str]:
    """``key=value``, both as given (:func:`_option_value` reads the value)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key, value


def _option_value(cell_class, key: str, text: str):
    """``text`` read for the option ``key`` of ``cell_class``: a boolean (true/false, yes/no,
    1/0, in any case) when its default is one, else a boolean word as a boolean, a number or
    other Python literal as itself, anything else as a string (``relu``)."""
    try:
        default = inspect.signature(cell_class).parameters[key].default
    except (KeyError, TypeError, ValueError):
        default = None
    if isinstance(default, bool) or text.lower() in ("true", "false", "yes", "no"):
        if text.lower() not in BOOLEANS:
            raise ValueError(f"--option {key}={text}: expected a boolean (true/false, yes/no, "
                             f"1/0)")
        return BOOLEANS[text.lower()]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def cell_options(cell_class, pairs: list, sizes: str) -> dict:
    """The ``--option key=value`` pairs as keyword arguments of ``cell_class``
    (:func:`_option_value` reads each value); a ValueError for a size or dtype, which the
    command sets itself (``sizes`` says how)."""
    options = {}
    for key, text in pairs:
        if key in _STANDARD_ARGUMENTS - {"self", "bias"}:
            raise ValueError(f"--option {key}={text}: {key} is not a cell option here: "
                             f"{sizes}")
        options[key] = _option_value(cell_class, key, text)
    return options


def _check(args) -> int:
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("tinygrad-rnn check: the conformance kit needs Hypothesis, which is not "
              "installed: pip install 'hypothesis>=6.100'", file=sys.stderr)
        return 2
    from ..nn.recurrent import resolve_cell
    from ..testing.cells import check_cell

    for option, value, least in (("--seed", args.seed, 0),
                                 ("--max-examples", args.max_examples, 1)):
        if value is not None and value < least:
            print(f"tinygrad-rnn check: {option} must be >= {least}, got {value}", file=sys.stderr)
            return 2
    try:   # a cell that cannot be built is a failed check, in the report
        cell_class = resolve_cell(args.name)
        options = cell_options(cell_class, args.option,
                               "the check draws the sizes and picks the dtype itself")
        report = check_cell(args.name, options=options, max_examples=args.max_examples,
                            seed=args.seed, checks=args.only, raise_on_failure=False,
                            shrink=args.shrink)
    except (plugins.PluginError, TypeError, ValueError) as error:   # the name or the options
        print(f"tinygrad-rnn check: {error}", file=sys.stderr)
        return 2
    print(f"check_cell({args.name!r}, options={options})")
    print(report)
    return 0 if report.passed else 1


def add_parser(commands) -> None:
    from ..testing.cells import CHECKS

    cells = commands.add_parser("cells", help="list the plugins, whether each works, and "
                                              "what each cell can do")
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
