"""Helpers for testing code built on tinygrad_rnn.

``gradcheck`` compares ``backward`` with finite differences; ``check_cell`` certifies a
recurrent cell (the conformance kit) and ``parametrize_with_checks`` turns it into pytest
tests, one per (cell, check). The Hypothesis strategies live in
:mod:`tinygrad_rnn.testing.strategies` and the op-test declarations in
:mod:`tinygrad_rnn.testing.ops`, each imported on its own so that this package does not
need Hypothesis (nor pytest).
"""

from .cells import CellCheckError, CellReport, check_cell
from .gradcheck import GradcheckError, gradcheck
from .parametrize import parametrize_with_checks

__all__ = ["CellCheckError", "CellReport", "GradcheckError", "check_cell", "gradcheck",
           "parametrize_with_checks"]
