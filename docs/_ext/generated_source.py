"""The ``generated-source`` directive: the source the cell compiler generates for a cell, at
build time, so the page shows what the code really writes today.

.. code-block:: rst

   .. generated-source:: mgu
      :function: forward_loop1

compiles the registered cell ``mgu`` (input_size 3, hidden_size 4, float32 unless the
options ``:input-size:``, ``:hidden-size:`` and ``:dtype:`` say otherwise) and shows the
whole generated module, or only its function ``:function:``.
"""

from __future__ import annotations

import ast

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.errors import ExtensionError


class GeneratedSource(Directive):
    required_arguments = 1
    option_spec = {"function": directives.unchanged, "input-size": int, "hidden-size": int,
                   "dtype": directives.unchanged}

    def run(self):
        import numpy as np

        from tinygrad_rnn import compiler, plugins

        cell = plugins.get(self.arguments[0])(self.options.get("input-size", 3),
                                              self.options.get("hidden-size", 4),
                                              dtype=np.dtype(self.options.get("dtype", "float32")))
        source = compiler.compile_cell(cell).source
        wanted = self.options.get("function")
        if wanted:
            found = [n for n in ast.parse(source).body
                     if isinstance(n, ast.FunctionDef) and n.name == wanted]
            if not found:
                raise ExtensionError(f"generated-source: no function {wanted!r} in the source "
                                     f"generated for {self.arguments[0]!r}")
            node = found[0]
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            source = "\n".join(source.splitlines()[first - 1:node.end_lineno])
        block = nodes.literal_block(source, source)
        block["language"] = "python"
        return [block]


def setup(app):
    app.add_directive("generated-source", GeneratedSource)
    return {"parallel_read_safe": True}
