"""The ``kernel-lines`` directive: show the lines of a kernel that compute one equation.

Every kernel line that computes equation N of a cell ends with the comment label ``# (N)``
(several labels may share a line: ``# (4), (2)``), and the functions holding forward code
have ``forward`` in their name, those holding backward code ``backward``. The directive

.. code-block:: rst

   .. kernel-lines:: tinygrad_rnn_lstm.kernels backward 5

reads the module's source, collects the lines labelled ``(5)`` inside its functions whose
names contain ``backward``, and shows them as code, with their file and line numbers. When
no line carries the label, the build stops with an error: a renamed or removed label cannot
leave a derivation pointing at nothing.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.errors import ExtensionError

DIRECTIONS = ("forward", "backward")
_LABELS = re.compile(r"#\s*((?:\(\w+\)\s*,?\s*)+)")


@dataclass(frozen=True)
class LabelledLine:
    function: str
    lineno: int
    text: str


def labels_of(comment: str) -> set[str]:
    """The equation labels a comment starts with: ``# (4), (2) text`` gives {"4", "2"}."""
    match = _LABELS.match(comment)
    return set(re.findall(r"\((\w+)\)", match.group(1))) if match else set()


def labelled_lines(source: str, direction: str, label: str) -> list[LabelledLine]:
    """The lines of ``source`` labelled ``(label)`` inside functions whose names contain
    ``direction``, in source order."""
    if direction not in DIRECTIONS:
        raise ValueError(f"kernel-lines: direction must be one of {DIRECTIONS}, got {direction!r}")
    comments = {token.start[0]: token.string
                for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT}
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and direction in node.name:
            for lineno in range(node.lineno, node.end_lineno + 1):
                if label in labels_of(comments.get(lineno, "")):
                    found.append(LabelledLine(node.name, lineno, lines[lineno - 1]))
    return sorted(found, key=lambda line: line.lineno)


def module_source(module_name: str) -> tuple[str, Path]:
    """The source text and file of an importable module."""
    module = importlib.import_module(module_name)
    path = Path(inspect.getsourcefile(module))
    return path.read_text(encoding="utf-8"), path


class KernelLines(Directive):
    """``.. kernel-lines:: MODULE DIRECTION LABEL``; see the module docstring."""

    required_arguments = 3
    has_content = False

    def run(self):
        module_name, direction, label = self.arguments
        label = label.strip("()")
        source, path = module_source(module_name)
        found = labelled_lines(source, direction, label)
        if not found:
            raise ExtensionError(
                f"kernel-lines: no line of a {direction} function in {module_name} "
                f"({path}) carries the label '# ({label})'; expected at least one "
                f"(in {self.state.document.current_source}, line {self.lineno})")
        blocks = []
        for function in dict.fromkeys(line.function for line in found):
            own = [line for line in found if line.function == function]
            code = textwrap.dedent("\n".join(line.text for line in own))
            block = nodes.literal_block(code, code, language="python")
            numbers = ", ".join(str(line.lineno) for line in own)
            lines = "lines" if len(own) > 1 else "line"
            caption = f"{_display_path(path)}, {function}, {lines} {numbers}"
            container = nodes.container("", literal_block=True, classes=["literal-block-wrapper"])
            container += nodes.caption(caption, "", nodes.Text(caption))
            container += block
            blocks.append(container)
        self.state.document.settings.record_dependencies.add(str(path))
        return blocks


def _display_path(path: Path) -> str:
    """The path from the repository root (the folder holding ``plugins/``), else the name."""
    parts = path.parts
    for anchor in ("plugins", "tinygrad_rnn"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor):])
    return path.name


def setup(app):
    app.add_directive("kernel-lines", KernelLines)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
