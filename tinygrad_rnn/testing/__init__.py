"""Helpers for testing code built on tinygrad_rnn.

``gradcheck`` compares ``backward`` with finite differences. The Hypothesis strategies live
in :mod:`tinygrad_rnn.testing.strategies`, imported on its own so that this package does not
need Hypothesis.
"""

from .gradcheck import GradcheckError, gradcheck

__all__ = ["GradcheckError", "gradcheck"]
