"""``parametrize_with_checks``: one pytest test per (cell, check), each passing, failing or
skipping on its own, as the kit reports it."""

import pytest

from tinygrad_rnn.testing import parametrize_with_checks

pytest_plugins = ["pytester"]

CONFORMANCE = """
from tinygrad_rnn.testing import parametrize_with_checks
from helpers import Elman, WrongGradient

@parametrize_with_checks([Elman, (WrongGradient, {"bias": False})],
                         checks=["gradients", "lengths", "sequence"], max_examples=3)
def test_conformance(cell, check):
    check(cell)
"""


def test_each_check_of_each_cell_is_its_own_test_with_its_own_outcome(pytester):
    pytester.makepyfile(test_generated_conformance=CONFORMANCE)
    result = pytester.runpytest_inprocess("-v", "-p", "no:cacheprovider")
    outcomes = {line.split("::")[1].split(" ")[0]: line.split(" ")[1]
                for line in result.outlines if line.startswith("test_generated_conformance.py::")}
    assert outcomes == {
        "test_conformance[Elman-gradients]": "PASSED",
        "test_conformance[Elman-lengths]": "PASSED",
        "test_conformance[Elman-sequence]": "PASSED",   # its generated path
        "test_conformance[WrongGradient(bias=False)-gradients]": "FAILED",
        "test_conformance[WrongGradient(bias=False)-lengths]": "PASSED",
        "test_conformance[WrongGradient(bias=False)-sequence]": "SKIPPED",
    }
    result.stdout.fnmatch_lines(["*CellCheckError: WrongGradient failed 1 of 1 conformance*",
                                 "*- gradients: gradcheck: input*"])


def test_an_unknown_check_name_is_refused():
    with pytest.raises(ValueError, match=r"unknown check\(s\) \['gradient'\]"):
        parametrize_with_checks(["mgu"], checks=["gradient"])
