"""``parametrize_with_checks``: the conformance kit as pytest tests, one per (cell, check).

In the spirit of scikit-learn's ``parametrize_with_checks``: a plugin's test module writes

.. code-block:: python

    from tinygrad_rnn.testing import parametrize_with_checks

    @parametrize_with_checks(["mycell", ("mycell", {"bias": False})])
    def test_conformance(cell, check):
        check(cell)

and its CI shows each check of :func:`~tinygrad_rnn.testing.check_cell` as its own test
(``mycell-gradients``, ``mycell(bias=False)-lengths``, …) with its own failure. As
``check_cell`` does, every cell is checked with its options and with ``bias=False`` too
(unless its options set ``bias``). A check the kit skips (no whole-sequence path, no
bidirectional wrapper) is reported as skipped, never as passed; so is every check but the
failing one when the cell fails a gate (``contract``, ``finite``, ``parameters``), whose
own test reports it once. pytest is imported only when the decorator is built.
"""

from __future__ import annotations

from ..nn.recurrent import resolve_cell
from .cells import CHECKS, GATES, CellCheckError, CellReport, run_checks, variants

# The gates' results per (cell class, options, max_examples, seed): run once per process.
_gate_results: dict = {}


class ConformanceCheck:
    """One check of the kit, with its settings, as a callable: ``check(cell)`` runs it on
    ``cell`` (a registered name or a class), raises :class:`CellCheckError` if it fails
    and skips the pytest test if the kit skips it."""

    def __init__(self, name: str, options: dict, max_examples: int | None, seed: int):
        self.name, self.options, self.max_examples, self.seed = name, options, max_examples, seed

    def __call__(self, cell) -> None:
        import pytest

        cell_class = resolve_cell(cell)
        label = _label(cell, self.options)
        settings = (self.max_examples, self.seed)
        key = (cell_class, repr(self.options), *settings)
        if key not in _gate_results:
            _gate_results[key] = run_checks(cell_class, label, self.options, GATES, *settings)
        gates = {result.name: result for result in _gate_results[key]}
        failed = [result.name for result in gates.values() if result.status == "failed"]
        if self.name in gates:
            result = gates[self.name]   # skipped when an earlier gate failed
        elif failed:
            pytest.skip(f"{self.name}: not run: the cell fails the {failed[0]!r} check")
        else:
            (result,) = run_checks(cell_class, label, self.options, [self.name], *settings,
                                   gates=False)
        if result.status == "skipped":
            pytest.skip(f"{result.name}: {result.detail}")
        if result.status == "failed":
            raise CellCheckError(CellReport(label, self.options, [result])) from result.error

    def __repr__(self) -> str:
        return f"ConformanceCheck({self.name!r}, options={self.options})"


def _label(cell, options: dict) -> str:
    """``name`` or ``ClassName``, with ``(key=value,…)`` when there are options."""
    label = cell if isinstance(cell, str) else cell.__name__
    settings = ",".join(f"{key}={value!r}" for key, value in options.items())
    return f"{label}({settings})" if settings else label


def parametrize_with_checks(cells, *, checks=None, max_examples: int | None = None,
                            seed: int = 0):
    """A ``pytest.mark.parametrize`` over ``(cell, check)``: every check of the kit for every
    cell, each test id ``label-check``.

    Args:
        cells: registered names or cell classes, each alone (default options) or as a pair
            ``(cell, options)``; each is also checked with ``bias=False`` unless its options
            set ``bias``.
        checks: names of the checks (default: all of them, in the kit's order).
        max_examples, seed: as for :func:`~tinygrad_rnn.testing.check_cell`.

    >>> from tinygrad_rnn.testing import parametrize_with_checks
    >>> mark = parametrize_with_checks(["mgu", ("lstm", {"proj_size": 2})],
    ...                                checks=["lengths", "sequence"])
    >>> mark.args[0]
    'cell, check'
    >>> [param.id for param in mark.args[1]]  # doctest: +NORMALIZE_WHITESPACE
    ['mgu-lengths', 'mgu-sequence', 'mgu(bias=False)-lengths', 'mgu(bias=False)-sequence',
     'lstm(proj_size=2)-lengths', 'lstm(proj_size=2)-sequence',
     'lstm(proj_size=2,bias=False)-lengths', 'lstm(proj_size=2,bias=False)-sequence']
    """
    import pytest

    names = list(CHECKS) if checks is None else list(checks)
    if unknown := [name for name in names if name not in CHECKS]:
        raise ValueError(f"parametrize_with_checks: unknown check(s) {unknown}; checks: "
                         f"{', '.join(CHECKS)}")
    params = []
    for entry in cells:
        cell, options = entry if isinstance(entry, tuple) else (entry, {})
        for _, variant in variants(dict(options)):
            params += [pytest.param(cell, ConformanceCheck(name, variant, max_examples, seed),
                                    id=f"{_label(cell, variant)}-{name}") for name in names]
    return pytest.mark.parametrize("cell, check", params)
