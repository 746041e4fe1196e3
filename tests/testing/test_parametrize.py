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


def run(pytester, module: str, source: str):
    """Run ``source`` as the test module ``module``; the result and each test's outcome."""
    pytester.makepyfile(**{module: source})
    result = pytester.runpytest_inprocess("-v", "-p", "no:cacheprovider")
    return result, {line.split("::")[1].split(" ")[0]: line.split(" ")[1]
                    for line in result.outlines if line.startswith(f"{module}.py::")}


def test_each_check_of_each_cell_is_its_own_test_with_its_own_outcome(pytester):
    result, outcomes = run(pytester, "test_generated_conformance", CONFORMANCE)
    assert outcomes == {
        "test_conformance[Elman-gradients]": "PASSED",
        "test_conformance[Elman-lengths]": "PASSED",
        "test_conformance[Elman-sequence]": "PASSED",   # its generated path
        "test_conformance[Elman(bias=False)-gradients]": "PASSED",
        "test_conformance[Elman(bias=False)-lengths]": "PASSED",
        "test_conformance[Elman(bias=False)-sequence]": "PASSED",
        "test_conformance[WrongGradient(bias=False)-gradients]": "FAILED",
        "test_conformance[WrongGradient(bias=False)-lengths]": "PASSED",
        "test_conformance[WrongGradient(bias=False)-sequence]": "SKIPPED",
    }
    result.stdout.fnmatch_lines(["*CellCheckError: WrongGradient(bias=False) failed 1 of 1 conformance*",
                                 "*- gradients: gradcheck: input*"])


def test_an_unknown_check_name_is_refused():
    with pytest.raises(ValueError, match=r"unknown check\(s\) \['gradient'\]"):
        parametrize_with_checks(["mgu"], checks=["gradient"])


BREACH = """
from tinygrad_rnn.testing import parametrize_with_checks
from helpers import Elman

class Typo(Elman):
    def step(self, x, state):
        return self.gatess, state

@parametrize_with_checks([(Typo, {"bias": True})], checks=["contract", "finite", "lengths"],
                         max_examples=2)
def test_conformance(cell, check):
    check(cell)
"""


def test_a_contract_breach_fails_its_own_test_once_and_skips_the_rest(pytester):
    result, outcomes = run(pytester, "test_generated_breach", BREACH)
    assert outcomes == {
        "test_conformance[Typo(bias=True)-contract]": "FAILED",
        "test_conformance[Typo(bias=True)-finite]": "SKIPPED",
        "test_conformance[Typo(bias=True)-lengths]": "SKIPPED",
    }
    result.stdout.fnmatch_lines(["*- contract: AttributeError: *gatess*",
                                 '*File "*test_generated_breach.py", line 6, in step*'])
