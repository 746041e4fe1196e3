"""The per-op rules the generated loops are written from, and how one is pasted in.

Each elementwise ``Function`` that the compiler supports carries a
:class:`~tinygrad_rnn.ops._common.ScalarRule` beside its ``forward`` and ``backward``
(``Tanh.scalar = ScalarRule("tanh(x)", gx="gy * (ONE - y * y)")``). Those expressions
call only the names of :data:`NAMESPACE`, the same names the generated module imports,
so a rule means the same in a test (evaluated on NumPy scalars) as in a kernel.
"""

from __future__ import annotations

import ast

import numpy as np

from .._kernels import scalar

# The names a rule may use; the generated module imports exactly these.
NAMESPACE = {"np": np, "tanh": scalar.tanh, "sigmoid": scalar.sigmoid,
             "ONE": scalar.ONE, "ZERO": scalar.ZERO, "HALF": scalar.HALF}
IMPORTS = ("import numpy as np\n"
           "from tinygrad_rnn._kernels import kernel\n"
           "from tinygrad_rnn._kernels.products import step_product\n"
           "from tinygrad_rnn._kernels.scalar import HALF, ONE, ZERO, sigmoid, tanh\n")
# NOTE: in float64 the constants are float64s too. As compiled code either would do (they
# promote exactly), but as plain Python (NUMBA_DISABLE_JIT=1) a float32 ZERO out of a relu
# would carry float32 into ``tanh``, which then takes its float32 approximation.
FLOAT64_CONSTANTS = "HALF, ONE, ZERO = np.float64(0.5), np.float64(1.0), np.float64(0.0)\n"


def imports(dtype, more: str = "") -> str:
    """The generated module's imports (``more`` of them after the kernels'), and its
    constants, for kernels over ``dtype``."""
    return IMPORTS + more + (FLOAT64_CONSTANTS if np.dtype(dtype) == np.float64 else "")


def rule_for(function):
    """The ``ScalarRule`` of ``function``, or None when it has none."""
    return getattr(function, "scalar", None)


def render(expression: str, names: dict[str, str]) -> str:
    """``expression`` with each name of ``names`` replaced by the code it maps to,
    parenthesised as needed: ``render("gy * b", {"gy": "g3", "b": "v1 + v2"})`` is
    ``"g3 * (v1 + v2)"``."""
    tree = ast.parse(expression, mode="eval")

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in names:
                return ast.parse(names[node.id], mode="eval").body
            return node

    return ast.unparse(Substitute().visit(tree))


def evaluate(expression: str, **values):
    """``expression`` evaluated on ``values`` (NumPy scalars) in :data:`NAMESPACE`: what a
    generated loop computes for one element, run as plain Python."""
    return eval(compile(expression, "<rule>", "eval"), dict(NAMESPACE), values)  # noqa: S307
