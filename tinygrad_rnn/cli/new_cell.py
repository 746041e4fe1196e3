"""``tinygrad-rnn new-cell NAME [--dir DIR]``: write a ready cell-plugin distribution.

The files come from the templates in ``tinygrad_rnn/templates/cell`` (package data), with
``$name``, ``$package``, ``$distribution`` and ``$cls`` filled in: a ``pyproject.toml``
declaring the entry point, the cell module (a leaky-integrator cell whose docstring has the
house form), its tests (a NumPy reference and the conformance kit, one test per check) and
a README. The folder is written whole or not at all.
"""

import importlib.metadata
import importlib.resources
import os
import re
import shutil
import string
import sys
import uuid
from pathlib import Path

# Each file of the project: its path (a template itself) and its template.
FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "$package/__init__.py": "__init__.py.tmpl",
    "$package/cell.py": "cell.py.tmpl",
    "tests/test_$name.py": "test_cell.py.tmpl",
}


def names(name: str) -> dict[str, str]:
    """The names derived from the cell's registry name ``name`` (``leaky_gate``): package
    ``tinygrad_rnn_leaky_gate``, distribution ``tinygrad-rnn-leaky-gate``, class
    ``LeakyGateCell``. ValueError when ``name`` is not a lowercase identifier."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"the cell name must be a lowercase Python identifier (letters, digits, "
                         f"'_', starting with a letter), got {name!r}")
    return {"name": name, "package": f"tinygrad_rnn_{name}",
            "distribution": f"tinygrad-rnn-{name.replace('_', '-')}",
            "cls": "".join(part.capitalize() for part in name.split("_") if part) + "Cell"}


def write_project(name: str, folder: Path) -> list[Path]:
    """Write the project of cell ``name`` into ``folder`` (which must not exist, or be
    empty); return the files written. The files are written in a temporary folder beside it
    and moved into place at once."""
    values = names(name)
    try:
        importlib.metadata.distribution(values["distribution"])
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        raise ValueError(f"a distribution named {values['distribution']} is already installed; "
                         f"choose another cell name")
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(f"{folder} already exists and is not an empty folder")
    templates = importlib.resources.files("tinygrad_rnn") / "templates" / "cell"
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        written = []
        for path, template in FILES.items():
            relative = string.Template(path).substitute(values)
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            text = string.Template((templates / template).read_text("utf-8")).substitute(values)
            target.write_text(text, "utf-8")
            written.append(folder / relative)
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _new_cell(args) -> int:
    folder = Path(args.dir) if args.dir else Path(f"tinygrad-rnn-{args.name.replace('_', '-')}")
    try:
        written = write_project(args.name, folder)
    except (ValueError, OSError) as error:
        print(f"tinygrad-rnn new-cell: {error}", file=sys.stderr)
        return 2
    print(f"wrote the {args.name!r} cell plugin in {folder}:")
    print("\n".join(f"  {path.relative_to(folder)}" for path in written))
    print(f"next: pip install -e '{folder}[test]'; then `cd {folder} && pytest`, or "
          f"`tinygrad-rnn check {args.name}`")
    return 0


def add_parser(commands) -> None:
    new_cell = commands.add_parser("new-cell", help="write a ready cell-plugin distribution")
    new_cell.add_argument("name", help="the cell's registry name, a lowercase identifier")
    new_cell.add_argument("--dir", help="the folder to create (default: ./tinygrad-rnn-NAME)")
    new_cell.set_defaults(run=_new_cell)
