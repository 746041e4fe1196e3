r"""``check_cell``: the conformance kit that certifies a recurrent cell plugin.

A stranger writes a cell in one file, registers it, and runs ``check_cell("name")`` (or
``tinygrad-rnn check name``). Every check is a property over small sizes drawn by Hypothesis
(T ≤ 4 steps, N ≤ 3 sequences, I ≤ 3 inputs, H ≤ 3 hidden units, float64), each a small
function below, registered by name in :data:`CHECKS`. Hypothesis is imported only when a
check runs, so importing this module does not need it.

Two tolerances, stated once. Results that the same arithmetic must reproduce (stacking,
``batch_first``, ``lengths``, both directions, chunks) agree to ``EXACT_TOL`` = 1e-12; the
whole-sequence path, which may order its arithmetic differently, agrees with the
step-by-step one to ``FUSED_TOL`` = 1e-10. Both compare with the norm-wise relative error

.. math::

    e(a, b) = \frac{\max_i |a_i - b_i|}{\max(\max_i |a_i|, \max_i |b_i|)}, \qquad e = 0
    \text{ when both are zero.}
"""

from __future__ import annotations

import contextlib
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from .. import compiler, plugins
from .. import random as _random
from ..autograd import no_grad
from ..nn.cell import CellContractError
from ..nn.recurrent import Recurrent, resolve_cell, run_cell
from ..tensor import Tensor
from . import diagnosis
from .gradcheck import GradcheckError, gradcheck

EXACT_TOL = 1e-12
FUSED_TOL = 1e-10
MAX_TIME, MAX_BATCH, MAX_INPUT, MAX_HIDDEN = 4, 3, 3, 3
DEFAULT_EXAMPLES = 10
# NOTE: drawn inputs and states keep this far from 0, and a gradients example whose graph
# takes relu, abs or maximum within KINK_MARGIN of its kink is drawn again: a central
# difference (step 1e-6) that straddles a kink averages two slopes.
DRAW_MARGIN, KINK_MARGIN = 1e-3, 1e-4
# The checks that say whether the others can run at all; when one fails, the others are
# reported as skipped (a contract breach is reported once, not by every check).
GATES = ("contract", "finite", "parameters")


class CellCheckError(AssertionError):
    """A cell failed one or more conformance checks; ``report`` holds every result."""

    def __init__(self, report: CellReport):
        self.report = report
        failed = report.failed
        lines = [f"{report.cell} failed {len(failed)} of {len(report.results)} conformance "
                 f"check(s):"]
        lines += [f"- {result.name}: {_indent(result.detail)}" for result in failed]
        super().__init__("\n".join(lines))


class CellOptionError(ValueError):
    """The cell rejects the options given to :func:`check_cell` (for every size, while it
    builds without them); the message is the cell's own."""


class _Outcome(NamedTuple):
    name: str
    status: str
    detail: str = ""


class CheckResult(_Outcome):
    """One check's outcome, a ``(name, status, detail)`` triple: ``status`` is ``"passed"``,
    ``"failed"`` or ``"skipped"``; ``detail`` is empty when it passed, the failure (with
    Hypothesis's falsifying example, and the file and line of the author's code when it
    raised) or the reason to skip otherwise. ``error`` is the exception the cell raised,
    if it raised one (else None)."""

    def __new__(cls, name: str, status: str, detail: str = "",
                error: BaseException | None = None):
        result = super().__new__(cls, name, status, detail)
        result.error = error
        return result

    def renamed(self, name: str) -> CheckResult:
        return CheckResult(name, self.status, self.detail, self.error)


@dataclass
class CellReport:
    """The results of :func:`check_cell`, in the order the checks ran.

    Iterate it for ``(name, status, detail)`` triples; ``report["lengths"]`` is one result.
    """

    cell: str
    options: dict
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check failed (skipped checks are allowed)."""
        return not self.failed

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if result.status == "failed"]

    @property
    def skipped(self) -> list[CheckResult]:
        return [result for result in self.results if result.status == "skipped"]

    def __iter__(self):
        return iter(self.results)

    def __getitem__(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no check named {name!r} in this report")

    def __str__(self) -> str:
        lines = [f"{result.status:<8} {result.name}"
                 + (f": {_indent(result.detail, 13)}" if result.detail else "")
                 for result in self.results]
        counts = {status: sum(r.status == status for r in self.results)
                  for status in ("passed", "skipped", "failed")}
        lines.append(", ".join(f"{count} {status}" for status, count in counts.items()))
        return "\n".join(lines)


# ---------------------------------------------------------------- the drawn examples

@dataclass(frozen=True)
class Case:
    """One drawn example: a padded batch, initial states for two cells and a seed.

    where:
        - x: (T, N, I) inputs, zero past each sequence's length.
        - lengths: (N,) ints in [1, T], the longest equal to T.
        - state: one array (2, N, size) per state tensor, in ``state_names`` order: the
          initial state of two cells (two layers, or the two directions).
        - seed: ``tinygrad_rnn.manual_seed`` before building a layer.
        - use_lengths: whether the checks that may go either way pass ``lengths``.
        - split: a time step in [1, T - 1] (1 when T = 1) where a sequence is cut in two.
    """

    x: np.ndarray
    lengths: np.ndarray
    state: tuple
    hidden_size: int
    seed: int
    use_lengths: bool
    split: int

    @property
    def input_size(self) -> int:
        return self.x.shape[2]

    @property
    def maybe_lengths(self):
        return self.lengths if self.use_lengths else None

    def __str__(self) -> str:
        T, N, I = self.x.shape
        arrays = {"x": self.x, **{f"state[{k}]": s for k, s in enumerate(self.state)}}
        shown = "\n".join(f"{name} = {a.tolist()}" for name, a in arrays.items())
        return (f"T={T}, N={N}, input_size={I}, hidden_size={self.hidden_size}, "
                f"seed={self.seed}, lengths={self.lengths.tolist()}, "
                f"use_lengths={self.use_lengths}, split={self.split}\n{shown}")


@dataclass
class _Subject:
    """The cell under test and how to build layers of it."""

    cell_class: type
    options: dict
    seed: int

    def layer(self, case: Case, seed: int | None = None, input_size: int | None = None,
              **settings) -> Recurrent:
        """A float64 ``Recurrent`` of the cell, built right after ``manual_seed``."""
        _random.manual_seed(case.seed if seed is None else seed)
        return Recurrent(self.cell_class, input_size or case.input_size, case.hidden_size,
                         dtype=np.float64, **settings, **self.options)


def _cases(subject: _Subject):
    """The Hypothesis strategy of :class:`Case` for ``subject``; sizes the cell rejects
    with a ValueError (e.g. ``proj_size`` ≥ H) are not drawn."""
    from hypothesis import assume
    from hypothesis import strategies as st

    from .strategies import floats_arrays, padded_sequences

    @st.composite
    def cases(draw):
        input_size = draw(st.integers(1, MAX_INPUT))
        hidden_size = draw(st.integers(1, MAX_HIDDEN))
        seed = subject.seed + draw(st.integers(0, 2**16))
        x, lengths = draw(padded_sequences(MAX_TIME, MAX_BATCH, input_size,
                                           min_value=-2, max_value=2, away_from=[0.0],
                                           margin=DRAW_MARGIN))
        try:
            probe = Recurrent(subject.cell_class, input_size, hidden_size, dtype=np.float64,
                              **subject.options).cells[0]
        except ValueError:
            assume(False)
        state = tuple(draw(floats_arrays((2, x.shape[1], size), min_value=-1, max_value=1,
                                         away_from=[0.0], margin=DRAW_MARGIN))
                      for size in probe.state_sizes)
        split = draw(st.integers(1, max(x.shape[0] - 1, 1)))
        return Case(x, lengths, state, hidden_size, seed, draw(st.booleans()), split)

    return cases()


# ---------------------------------------------------------------- helpers

def _parts(state) -> tuple:
    """A layer's state as a tuple of tensors (a one-state cell returns a bare tensor)."""
    return (state,) if isinstance(state, Tensor) else tuple(state)


def _one(parts):
    """The state argument a layer takes: a bare tensor for a one-state cell."""
    parts = tuple(parts)
    return parts[0] if len(parts) == 1 else parts


def _tensors(arrays, requires_grad: bool = False) -> tuple:
    return tuple(Tensor(np.ascontiguousarray(a), requires_grad=requires_grad) for a in arrays)


def _data(value) -> np.ndarray:
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def relative_error(a, b) -> float:
    """max|a − b| / max(max|a|, max|b|), or 0 when both are zero (see the module docstring)."""
    a, b = _data(a), _data(b)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    difference = np.max(np.abs(a - b), initial=0.0)
    return 0.0 if difference == 0 else float(difference / scale) if scale else float("inf")


def _assert_close(what: str, actual, expected, tol: float = EXACT_TOL) -> None:
    actual, expected = _data(actual), _data(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    error = relative_error(actual, expected)
    if not error <= tol:   # NOTE: NaN fails too
        raise AssertionError(f"{what}: relative error {error:.3g} exceeds {tol:g}\n"
                             f"got      {actual.tolist()}\nexpected {expected.tolist()}")


def _layer_weights(state_dict: dict, k: int) -> dict:
    """The parameters of layer ``k`` of a stack, renamed as layer 0 of a one-layer stack."""
    weights = {}
    for name, value in state_dict.items():
        match = re.fullmatch(r"(.*)_l(\d+)(_reverse)?", name)
        if match and int(match[2]) == k:
            weights[f"{match[1]}_l0{match[3] or ''}"] = value
    return weights


def _grad(tensor: Tensor) -> np.ndarray:
    """``tensor.grad``, zeros when no gradient reached it."""
    return np.zeros_like(tensor.array) if tensor.grad is None else tensor.grad.array


def _indent(text: str, spaces: int = 4) -> str:
    return text.replace("\n", "\n" + " " * spaces)


# ---------------------------------------------------------------- the checks

class _Check(NamedTuple):
    function: Callable[[_Subject, Case], object]
    skip: Callable[[_Subject], str | None] | None
    conclude: Callable[[_Subject, list], None] | None


CHECKS: dict[str, _Check] = {}


def _check(name: str, skip=None, conclude=None):
    """Register a check under ``name``; ``skip(subject)`` returns a reason to skip it, or None.

    ``function(subject, case)`` states the property of one example. A property of the whole
    run ("for some example") also gives ``conclude(subject, results)``, called after every
    example passed with what ``function`` returned for each; it raises AssertionError.
    """
    def register(function):
        CHECKS[name] = _Check(function, skip, conclude)
        return function
    return register


@_check("contract")
def check_contract(subject: _Subject, case: Case) -> None:
    """The cell builds in a layer (its declarations checked), and its ``step`` (and its
    ``sequence``, when it has one) returns what ``state_names``, ``state_sizes`` and
    ``output_size`` declare. A breach is reported here alone: the other checks are skipped."""
    cell = subject.layer(case).cells[0]
    state = _tensors(s[0] for s in case.state)
    with no_grad():
        for fused in (False, True) if cell.sequence is not None else (False,):
            run_cell(cell, Tensor(case.x), state, case.maybe_lengths, fused=fused)


@_check("finite")
def check_finite(subject: _Subject, case: Case) -> None:
    """From finite inputs, states and parameters, every step gives a finite output and
    state (no NaN, no Inf)."""
    cell = subject.layer(case).cells[0]
    state = _tensors(s[0] for s in case.state)
    with no_grad():
        for t in range(case.x.shape[0]):
            h, state = cell.step(Tensor(case.x[t]), tuple(state))
            named = [("the output h", h), *((f"state {n!r}", v) for n, v in
                                            zip(cell.state_names, state))]
            if bad := [what for what, value in named if not np.all(np.isfinite(value.array))]:
                kind = "NaN" if any(np.isnan(v.array).any() for _, v in named) else "Inf"
                raise AssertionError(f"step produced {kind} from finite inputs at time step {t} "
                                     f"(in {', '.join(bad)}); the inputs, the initial state and "
                                     f"the parameters were finite")


def _every_parameter_learns(subject: _Subject, learned: list) -> None:
    names = dict.fromkeys(name for example in learned for name in example)
    if silent := [name for name in names if not any(example[name] for example in learned)]:
        raise AssertionError(f"parameter(s) {', '.join(map(repr, silent))} received no gradient "
                             f"from the output or the final state in any of the {len(learned)} "
                             f"drawn examples: the step does not use them (or uses a detached "
                             f"copy), so training never changes them")


@_check("parameters", conclude=_every_parameter_learns)
def check_parameters(subject: _Subject, case: Case) -> dict:
    """Every tensor the step trains with is a registered parameter (a tensor that requires
    grad outside ``parameters()``, or a NumPy array multiplied as a weight, is named), and
    every parameter receives a gradient from the output or the final state in some example."""
    cell = subject.layer(case).cells[0]
    x = Tensor(case.x, requires_grad=True)
    state = _tensors((s[0] for s in case.state), requires_grad=True)
    output, final = run_cell(cell, x, state, case.maybe_lengths, fused=False)
    outputs = (output, *_parts(final))
    if problems := diagnosis.unregistered(cell, diagnosis.graph_nodes(outputs), [x, *state]):
        raise AssertionError("; ".join(problems))
    rng = np.random.default_rng(case.seed)
    sum((t * rng.standard_normal(t.shape)).sum() for t in outputs).backward()
    # NOTE: a gradient of zeros still counts (a relu unit may be dead in one example);
    # None means the parameter is not in the graph at all.
    return {name: p.grad is not None for name, p in cell.named_parameters()}


@_check("gradients")
def check_gradients(subject: _Subject, case: Case) -> None:
    """The step-by-step path's gradients of (output, final state) with respect to the input,
    the initial state and every parameter equal central finite differences (``gradcheck``).
    An example whose graph passes within KINK_MARGIN of the kink of relu, abs or maximum
    is drawn again; a failure near one, or in a step that picks values by a mask (``where``,
    ``clamp``), says the point may be non-differentiable."""
    from hypothesis import assume

    layer = subject.layer(case, fused=False)
    x = Tensor(case.x, requires_grad=True)
    state = _tensors((s[:1] for s in case.state), requires_grad=True)
    names = dict(layer.named_parameters())
    inputs = [x, *state, *names.values()]
    legend = ["input x", *(f"initial {n}" for n in layer.cells[0].state_names), *names]
    # NOTE: a padded step reads x = 0; with lengths it changes nothing, without it may sit
    # exactly on a relu cell's kink (a dead unit, no bias).
    padded = bool(np.any(case.lengths < case.x.shape[0]))
    lengths = case.lengths if padded else case.maybe_lengths

    def outputs(x, *rest):
        output, final = layer(x, _one(rest[:len(state)]), lengths)
        return (output, *_parts(final))

    nodes = diagnosis.graph_nodes(outputs(*inputs))
    kink = diagnosis.nearest_kink(nodes)
    assume(kink is None or kink[0] >= KINK_MARGIN)
    try:
        gradcheck(outputs, inputs)
    except GradcheckError as error:
        key = ", ".join(f"{k} = {name}" for k, name in enumerate(legend))
        hint = "" if kink is None else (
            f"\nThe step uses {kink[1]}, whose derivative jumps at a kink; the nearest input "
            f"came {kink[0]:.3g} from it: the point may be non-differentiable")
        if diagnosis.selects_by_mask(nodes):
            hint += ("\nThe step picks values by a mask (where, clamp or clip), whose derivative "
                     "jumps where the mask changes: the point may be non-differentiable")
        raise AssertionError(f"{error}\n(inputs: {key}; outputs: 0 = output, then the final "
                             f"state){hint}") from None


@_check("stacking")
def check_stacking(subject: _Subject, case: Case) -> None:
    """A 2-layer stack equals two 1-layer runs with the same weights, the second reading the
    first's output: output and final state (layer-major) agree."""
    stack = subject.layer(case, num_layers=2)
    weights = stack.state_dict()
    first = subject.layer(case)
    first.load_state_dict(_layer_weights(weights, 0))
    second = subject.layer(case, input_size=first.cells[0].output_size)
    second.load_state_dict(_layer_weights(weights, 1))
    lengths = case.maybe_lengths
    with no_grad():
        output, final = stack(Tensor(case.x), _one(_tensors(case.state)), lengths)
        middle, final_1 = first(Tensor(case.x), _one(_tensors(s[:1] for s in case.state)), lengths)
        expected, final_2 = second(middle, _one(_tensors(s[1:] for s in case.state)), lengths)
    _assert_close("stacked output vs layer 1 fed into layer 2", output, expected)
    for name, got, one, two in zip(stack.cells[0].state_names, _parts(final),
                                   _parts(final_1), _parts(final_2)):
        _assert_close(f"stacked final {name} vs the two layers' final {name}", got,
                      np.concatenate([one.array, two.array]))


@_check("batch_first")
def check_batch_first(subject: _Subject, case: Case) -> None:
    """With ``batch_first=True`` the layer maps x transposed to (N, T, I) to its usual output
    transposed to (N, T, H); the final state (never batch-first) is the same."""
    layer = subject.layer(case)
    batch_first = subject.layer(case, batch_first=True)
    batch_first.load_state_dict(layer.state_dict())
    state, lengths = _one(_tensors(s[:1] for s in case.state)), case.maybe_lengths
    with no_grad():
        output, final = layer(Tensor(case.x), state, lengths)
        output_bf, final_bf = batch_first(Tensor(case.x.swapaxes(0, 1)), state, lengths)
    _assert_close("batch_first output vs the time-first output transposed", output_bf,
                  output.array.swapaxes(0, 1))
    for name, got, expected in zip(layer.cells[0].state_names, _parts(final_bf), _parts(final)):
        _assert_close(f"batch_first final {name}", got, expected)


@_check("lengths")
def check_lengths(subject: _Subject, case: Case) -> None:
    """A padded batch with ``lengths`` equals running each sequence alone, unbatched, over its
    own length: the same outputs up to the length, exact zeros past it, the same final state."""
    layer = subject.layer(case)
    names = layer.cells[0].state_names
    with no_grad():
        output, final = layer(Tensor(case.x), _one(_tensors(s[:1] for s in case.state)),
                              case.lengths)
        for n, length in enumerate(case.lengths):
            alone, alone_final = layer(Tensor(case.x[:length, n]),
                                       _one(_tensors(s[:1, n] for s in case.state)))
            _assert_close(f"sequence {n} (length {length}) in the batch vs alone: output",
                          output.array[:length, n], alone)
            if np.any(output.array[length:, n] != 0):
                raise AssertionError(f"sequence {n} (length {length}): output past its length is "
                                     f"not zero: {output.array[length:, n].tolist()}")
            for name, got, expected in zip(names, _parts(final), _parts(alone_final)):
                _assert_close(f"sequence {n} (length {length}) in the batch vs alone: final "
                              f"{name}", got.array[:, n], expected)


# NOTE: the moves of the state check. A relu unit whose pre-activation is negative for both
# moved states is dead: for that example its state truly changes nothing. Moving by 100 as
# well as by 5, both ways, revives it unless its recurrent weights are tiny against the rest
# of its input; and the check fails only if no drawn example at all shows an effect.
STATE_MOVES = (5.0, -5.0, 100.0, -100.0)


def _state_matters_somewhere(subject: _Subject, effects: list) -> None:
    names = subject.cell_class.state_names
    seen = set().union(*effects)
    for name in names:
        if name not in seen:
            raise AssertionError(f"the initial {name!r} changes neither the output nor the "
                                 f"final state in any of the {len(effects)} drawn examples "
                                 f"(moved by {', '.join(f'{m:+g}' for m in STATE_MOVES)}): "
                                 f"step ignores that part of its state")


@_check("state", conclude=_state_matters_somewhere)
def check_state(subject: _Subject, case: Case) -> set:
    """The state carries the whole past: in every example, running x[:k] and then x[k:] from
    the first part's final state equals one run over x; and each initial state tensor,
    moved both ways, changes the output or the final state in at least one example (a step
    that ignores part of its state fails; a unit dead in one example cannot fake that)."""
    layer = subject.layer(case)
    names, x = layer.cells[0].state_names, case.x
    initial = [s[:1] for s in case.state]
    effects = set()
    with no_grad():
        output, final = layer(Tensor(x), _one(_tensors(initial)))
        if x.shape[0] > 1:
            k = case.split
            head, middle = layer(Tensor(x[:k]), _one(_tensors(initial)))
            tail, end = layer(Tensor(x[k:]), middle)
            _assert_close(f"output of x[:{k}] then x[{k}:] vs one run", np.concatenate(
                [head.array, tail.array]), output)
            for name, got, expected in zip(names, _parts(end), _parts(final)):
                _assert_close(f"final {name} of x[:{k}] then x[{k}:] vs one run", got, expected)
        rng = np.random.default_rng(case.seed)
        for j, name in enumerate(names):
            for move in STATE_MOVES:
                moved = list(initial)
                moved[j] = initial[j] + move * rng.uniform(0.5, 1.0, initial[j].shape)
                output_moved, final_moved = layer(Tensor(x), _one(_tensors(moved)))
                change = max(relative_error(output_moved, output), *(
                    relative_error(a, b) for a, b in zip(_parts(final_moved), _parts(final))))
                if change > EXACT_TOL:
                    effects.add(name)
                    break
    return effects


def _skip_bidirectional(subject: _Subject) -> str | None:
    rows = [row for row in plugins.available("wrapper") if row.name == "bidirectional"]
    if not rows:
        return "bidirectional wrapper not installed"
    if all(row.status == "disabled" for row in rows):
        return f"bidirectional wrapper {rows[0].error}"
    return None


@_check("bidirectional", skip=_skip_bidirectional)
def check_bidirectional(subject: _Subject, case: Case) -> None:
    """With ``bidirectional=True`` the output is [forward half | reverse half]: the forward
    half is the forward cell run over each sequence; the reverse half is the reverse cell run
    over the sequence reversed in time (from its own last valid step), reversed back; the
    final state holds both directions. Checked with and without ``lengths``, the references
    taking the layer's own path (fused or not), so that only the wrapper is under test."""
    layer = subject.layer(case, bidirectional=True)
    if layer.num_directions != 2 or len(layer.cells) != 2:
        raise AssertionError(f"the bidirectional wrapper gives {len(layer.cells)} cells, "
                             f"num_directions={layer.num_directions}; expected 2")
    cells, names = layer.cells, layer.cells[0].state_names
    size, full = cells[0].output_size, np.full(case.x.shape[1], case.x.shape[0])
    for lengths in (None, case.lengths):
        with no_grad():
            output, final = layer(Tensor(case.x), _one(_tensors(case.state)), lengths)
            for n, length in enumerate(full if lengths is None else lengths):
                for d, (cell, half) in enumerate(zip(cells, ("forward", "reverse"))):
                    x = case.x[:length, n:n + 1]
                    x = x[::-1] if d else x
                    expected, expected_final = run_cell(
                        cell, Tensor(np.ascontiguousarray(x)),
                        _tensors(s[d, n:n + 1] for s in case.state))
                    expected = expected.array[::-1] if d else expected.array
                    where = f"{half} half, sequence {n} (length {length}, lengths={lengths})"
                    got = output.array[:, n:n + 1, d * size:(d + 1) * size]
                    _assert_close(f"{where}: output vs the {half} cell run on the sequence"
                                  + (" reversed in time, reversed back" if d else ""),
                                  got[:length], expected)
                    if np.any(got[length:] != 0):
                        raise AssertionError(f"{where}: output past the length is not zero")
                    for name, got_final, want in zip(names, _parts(final), expected_final):
                        _assert_close(f"{where}: final {name}", got_final.array[d, n], want.array[0])


@_check("state_dict")
def check_state_dict(subject: _Subject, case: Case) -> None:
    """``load_state_dict(state_dict())`` into a fresh layer (built from another seed) gives
    identical outputs and final states: the state dict holds everything the cell computes with."""
    layer = subject.layer(case, num_layers=2)
    fresh = subject.layer(case, num_layers=2, seed=case.seed + 1)
    fresh.load_state_dict(layer.state_dict())
    state, lengths = _one(_tensors(case.state)), case.maybe_lengths
    with no_grad():
        for what, a, b in zip(("output", "final state"), _results(layer(Tensor(case.x), state,
                                                                          lengths)),
                              _results(fresh(Tensor(case.x), state, lengths))):
            if not np.array_equal(a, b):
                raise AssertionError(f"{what} of a fresh layer loaded with state_dict() differs "
                                     f"(relative error {relative_error(a, b):.3g}): the cell "
                                     f"computes with something its state dict lacks")


def _results(result) -> tuple:
    output, final = result
    return output.array, np.concatenate([s.array.ravel() for s in _parts(final)])


@_check("reproducibility")
def check_reproducibility(subject: _Subject, case: Case) -> None:
    """``tinygrad_rnn.manual_seed(s)`` before construction gives identical parameters (same
    names, same arrays) and identical outputs, twice."""
    one, two = subject.layer(case, num_layers=2), subject.layer(case, num_layers=2)
    a, b = one.state_dict(), two.state_dict()
    if list(a) != list(b):
        raise AssertionError(f"parameter names differ between two builds: {list(a)} vs {list(b)}")
    for name in a:
        if not np.array_equal(a[name], b[name]):
            raise AssertionError(f"{name} differs between two builds after manual_seed"
                                 f"({case.seed}): the cell draws from another generator than "
                                 f"tinygrad_rnn's (use create_parameters or default_generator())")
    with no_grad():
        state = _one(_tensors(case.state))
        for what, x, y in zip(("output", "final state"), _results(one(Tensor(case.x), state)),
                              _results(two(Tensor(case.x), state))):
            if not np.array_equal(x, y):
                raise AssertionError(f"{what} differs between two builds after manual_seed")


@_check("input_size")
def check_input_size(subject: _Subject, case: Case) -> None:
    """An input with input_size + 1 features raises a ValueError that mentions
    ``input_size`` or the expected feature count, from the layer and from the cell's
    single-step call."""
    layer = subject.layer(case)
    size, (steps, batch, _) = case.input_size, case.x.shape
    calls = [("the layer", lambda: layer(Tensor(np.ones((steps, batch, size + 1)))))]
    cell = layer.cells[0]
    if callable(cell):
        calls.append(("the cell's single-step call",
                      lambda: cell(Tensor(np.ones((batch, size + 1))))))
    for who, call in calls:
        try:
            with no_grad():
                call()
        except ValueError as error:
            if "input_size" not in str(error) and not re.search(rf"\b{size}\b", str(error)):
                raise AssertionError(f"{who}: the ValueError for {size + 1} features instead "
                                     f"of {size} names neither input_size nor {size}: "
                                     f"{error}") from None
        else:
            raise AssertionError(f"{who} accepted {size + 1} input features; input_size is "
                                 f"{size}")


def _skip_sequence(subject: _Subject) -> str | None:
    # NOTE: ask an instance built with the options, not the class: a cell may have a
    # whole-sequence path for some options only (the LSTM has none with proj_size).
    try:
        with _random.seeded(0):
            cell = subject.cell_class(1, 8, dtype=np.float64, **subject.options)
    except ValueError:
        cell = subject.cell_class
    if getattr(cell, "sequence", None) is None and isinstance(cell, type):
        return "no whole-sequence path (cell.sequence is None)"
    if getattr(cell, "sequence", None) is None and compiler.why_not(cell) is not None:
        return f"no whole-sequence path: no sequence, and {compiler.why_not(cell)}"
    return None


@_check("sequence", skip=_skip_sequence)
def check_sequence(subject: _Subject, case: Case) -> None:
    """The whole-sequence path (``fused=True``: the cell's own ``sequence``, else the one
    the compiler generates from its step) equals the step-by-step one (``fused=False``):
    output, final state and the gradients of a random projection of both with respect to the
    input, the initial state and every parameter, in both directions, with and without
    ``lengths``, to a relative error of FUSED_TOL."""
    cell = subject.layer(case).cells[0]
    rng = np.random.default_rng(case.seed)
    upstream = None
    for reverse in (False, True):
        for lengths in (None, case.lengths):
            results = {}
            for fused in (False, True):
                x = Tensor(case.x, requires_grad=True)
                state = _tensors((s[0] for s in case.state), requires_grad=True)
                cell.zero_grad()
                output, final = run_cell(cell, x, state, lengths, reverse, fused)
                final = _parts(final)
                if upstream is None:
                    upstream = [rng.standard_normal(t.shape) for t in (output, *final)]
                loss = sum((t * g).sum() for t, g in zip((output, *final), upstream))
                loss.backward()
                names = cell.state_names
                results[fused] = {
                    "output": output.array, "grad x": _grad(x),
                    **{f"final {n}": t.array for n, t in zip(names, final)},
                    **{f"grad initial {n}": _grad(t) for n, t in zip(names, state)},
                    **{f"grad {n}": _grad(p) for n, p in cell.named_parameters()},
                }
            for key, expected in results[False].items():
                _assert_close(f"fused=True vs step-by-step (reverse={reverse}, lengths="
                              f"{None if lengths is None else lengths.tolist()}): {key}",
                              results[True][key], expected, FUSED_TOL)


# ---------------------------------------------------------------- the runner

def _failure(error: BaseException) -> tuple[str, BaseException | None]:
    """The message of a check's exception (the inner ones of a Hypothesis exception group),
    and the exception the cell raised, if any: a check's own AssertionError is not one."""
    if isinstance(error, BaseExceptionGroup):
        parts = [_failure(inner) for inner in error.exceptions]
        raised = [cause for _, cause in parts if cause is not None]
        return "\n".join(text for text, _ in parts), (raised[0] if raised else None)
    if isinstance(error, AssertionError) and str(error):
        return str(error), None
    return diagnosis.describe(error), error


@contextlib.contextmanager
def _pinned_draws():
    """Hypothesis's draws as a function of its seed alone, while the kit runs.

    NOTE: derandomized Hypothesis is not enough. Since 6.131 it also draws, now and then,
    literals found in the source of every "local" module in ``sys.modules``, so the examples
    (and a verdict) changed with what the process had imported before. Here that pool of
    literals is empty, and the cache of values it fed is cleared on the way in and out.
    Hypothesis versions without the pool need nothing.
    """
    from unittest import mock

    try:
        from hypothesis.internal.conjecture import providers
        empty, cache = providers.Constants(), providers.CONSTANTS_CACHE.cache
        getattr(providers, "_get_local_constants")
    except (ImportError, AttributeError):
        yield
        return
    cache.clear()
    try:
        with mock.patch.object(providers, "_get_local_constants", lambda: empty):
            yield
    finally:
        cache.clear()


def _run(name: str, subject: _Subject, max_examples: int, shrink: bool) -> CheckResult:
    """Run one check under Hypothesis; the last example seen is the falsifying one (after
    shrinking, Hypothesis replays the smallest)."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    check = CHECKS[name]
    if check.skip is not None and (reason := check.skip(subject)):
        return CheckResult(name, "skipped", reason)
    seen: list[Case] = []
    results: list = []

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              phases=[Phase.explicit, Phase.generate] + [Phase.shrink] * shrink)
    @given(_cases(subject))
    def holds(case):
        seen[:] = [case]
        results.append(check.function(subject, case))

    try:
        with _pinned_draws(), np.errstate(all="ignore"):   # the checks name NaN themselves
            holds()
            if check.conclude is not None:
                seen.clear()
                check.conclude(subject, results)
    except Exception as error:  # a cell may fail in any way; the report names it
        text, raised = _failure(error)
        example = f"\nFalsifying example: {seen[-1]}" if seen else ""
        return CheckResult(name, "failed", text + example, raised)
    return CheckResult(name, "passed")


def _build_error(cell_class, options: dict) -> Exception | None:
    """None when the cell builds, in a float64 layer, for some drawable size (I, H); else the
    error it raised for the last size tried."""
    error = None
    for input_size in range(1, MAX_INPUT + 1):
        for hidden_size in range(1, MAX_HIDDEN + 1):
            try:
                Recurrent(cell_class, input_size, hidden_size, dtype=np.float64, **options)
            except Exception as caught:  # a cell may fail in any way; the report names it
                error = caught
            else:
                return None
    return error


def _preflight(cell_class, label: str, options: dict) -> CheckResult | None:
    """The failed ``contract`` result when no check can run on the cell (it builds for no
    drawable size), or None when it builds for some.

    Raises TypeError at once for options its constructor's signature does not take, and
    :class:`CellOptionError` (with the cell's own message) for options the cell rejects at
    every size while it builds without them (its bias setting kept): the options are
    wrong, not the cell.
    """
    try:
        signature = inspect.signature(cell_class)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            signature.bind(1, 1, **{"bias": True, "dtype": np.float64, **options})
        except TypeError as error:
            raise TypeError(f"check_cell: {label} does not take the options {options}: "
                            f"{error}") from None
    if (error := _build_error(cell_class, options)) is None:
        return None
    failure = f"{type(error).__name__}: {error}"
    bias_only = {key: value for key, value in options.items() if key == "bias"}
    if options != bias_only and not isinstance(error, CellContractError) and \
            _build_error(cell_class, bias_only) is None:
        raise CellOptionError(f"check_cell: {label} rejects the options {options}: "
                              f"{failure}") from error
    return CheckResult("contract", "failed", (
        f"the cell cannot be built for any input_size ≤ {MAX_INPUT} and hidden_size ≤ "
        f"{MAX_HIDDEN} with options {options}: {diagnosis.describe(error)}"), error)


def variants(options: dict) -> list[tuple[str, dict]]:
    """The option sets a cell is checked with, each with the suffix of its results' names:
    ``options`` as given, and with ``bias=False`` too unless ``options`` sets ``bias``
    (``bias=False`` is part of the contract)."""
    if "bias" in options:
        return [("", options)]
    return [("", options), (" (bias=False)", {**options, "bias": False})]


def run_checks(cell_class, label: str, options: dict, names, max_examples: int | None = None,
               seed: int = 0, shrink: bool = False, gates: bool = True) -> list[CheckResult]:
    """The results of the checks ``names`` on ``cell_class`` with ``options`` (one variant).

    With ``gates``, the checks of GATES run first, whether asked for or not: when one fails,
    it is reported (once) and every other check is skipped; a gate that passed is reported
    only when asked for. Raises as :func:`check_cell` does for options the cell rejects.
    """
    with _random.seeded(seed):
        subject = _Subject(cell_class, options, seed)
        if (breach := _preflight(cell_class, label, options)) is not None:
            results = {"contract": breach}
        else:
            results = {}
            for name in [gate for gate in GATES if gates or gate in names] + list(names):
                if name not in results:
                    results[name] = _run(name, subject, max_examples or DEFAULT_EXAMPLES, shrink)
                    if name in GATES and results[name].status == "failed":
                        break
    failed = next((name for name in GATES
                   if name in results and results[name].status == "failed"), None)
    if failed is None:
        return [results[name] for name in names]
    reason = f"not run: the cell fails the {failed!r} check"
    shown = [] if failed in names else [results[failed]]
    return shown + [results[name] if name in results else CheckResult(name, "skipped", reason)
                    for name in names]


def check_cell(cell, *, options: dict | None = None, max_examples: int | None = None,
               seed: int = 0, checks=None, raise_on_failure: bool = True,
               shrink: bool = False) -> CellReport:
    r"""Certify that a recurrent cell meets the cell contract, by property-based testing.

    Each check draws ``max_examples`` examples (sizes T ≤ 4, N ≤ 3, I ≤ 3, H ≤ 3, inputs in
    [-2, 2] and initial states in [-1, 1], both at least 1e-3 from 0, float64, lengths in
    [1, T]) and states a property; ``layer`` below is a float64
    :class:`~tinygrad_rnn.nn.recurrent.Recurrent` of the cell and :math:`e` the relative
    error of the module docstring. Every check runs with ``options`` and again with
    ``bias=False`` (results named ``"lengths (bias=False)"``…), unless ``options`` sets
    ``bias``. The first three are gates: when one fails, it alone is reported as failed
    (asked for or not) and the other checks as skipped.

    CHECKS_LISTED_HERE

    Args:
        cell: a registered cell name (``"lstm"``, ``"dist:name"``) or a cell class.
        options: the cell's own constructor options, as a dict (``{"proj_size": 2}``);
            sizes the cell rejects with a ValueError (e.g. ``proj_size`` ≥ H) are not drawn.
        max_examples: examples per check (default 10).
        seed: added to every drawn parameter seed. Hypothesis itself is derandomized (the
            same examples every run, no example database) and does not read the literals of
            the modules this process imported (see ``_pinned_draws``): the same call gives
            the same verdict in any process, from the command line or from CI.
        checks: names of the checks to run (default: all, in the order above).
        raise_on_failure: raise :class:`CellCheckError` if a check fails (else just report).
        shrink: let Hypothesis shrink a falsifying example to a minimal one. Off by default:
            every example is already small, and shrinking a failing ``gradients`` check
            costs tens of seconds; the first falsifying example found is reported.

    Returns:
        A :class:`CellReport` of ``(name, status, detail)``, status ``"passed"``,
        ``"failed"`` or ``"skipped"``.

    Raises:
        CellCheckError: a check failed; the message lists each failing check with its
            falsifying example, and the author's file and line where the cell raised (the
            first such exception is the error's ``__cause__``). A cell that cannot be built
            at any drawn size (its constructor raises, or it breaks the contract's
            declarations) fails ``contract``, and the other checks are skipped.
        PluginError: ``cell`` is a name that no plugin provides.
        TypeError: ``options`` holds an argument that the cell's constructor does not take.
        CellOptionError: the cell rejects ``options`` (its own ValueError, say, for
            ``nonlinearity="swish"``) for every size, while it builds without them.

    ``tinygrad_rnn``'s random generator is left as it was.

    Example, an Elman cell :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`:

    >>> import numpy as np
    >>> from tinygrad_rnn import ops
    >>> from tinygrad_rnn.nn.cell import RecurrentCell
    >>> class Elman(RecurrentCell):
    ...     def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
    ...         super().__init__(input_size, hidden_size, bias, dtype)
    ...         self.create_parameters(1)
    ...     def step(self, x, state):
    ...         a = x @ self.weight_ih.T + state[0] @ self.weight_hh.T
    ...         h = ops.tanh(a + self.bias_ih + self.bias_hh if self.bias else a)
    ...         return h, (h,)
    >>> report = check_cell(Elman, max_examples=3)
    >>> report.passed
    True
    >>> report["sequence"].status     # Elman's step compiles: its generated path is checked
    'passed'
    >>> print(report)  # doctest: +ELLIPSIS
    passed   contract
    passed   finite
    passed   parameters
    passed   gradients
    ...
    passed   gradients (bias=False)
    ...
    """
    options = dict(options or {})
    if "dtype" in options:
        raise ValueError("check_cell: the checks run in float64; do not pass a dtype option")
    names = list(CHECKS) if checks is None else list(checks)
    if unknown := [name for name in names if name not in CHECKS]:
        raise ValueError(f"check_cell: unknown check(s) {unknown}; checks: {', '.join(CHECKS)}")
    cell_class = resolve_cell(cell)
    label = cell if isinstance(cell, str) else cell_class.__qualname__
    report = CellReport(label, options)
    for suffix, variant in variants(options):
        report.results += [result.renamed(result.name + suffix) for result in run_checks(
            cell_class, label, variant, names, max_examples, seed, shrink)]
    if raise_on_failure and not report.passed:
        raise CellCheckError(report) from next(
            (result.error for result in report.failed if result.error is not None), None)
    return report


def _listing_of_checks() -> str:
    """Each check's name and docstring, in the order they run: the list in
    :func:`check_cell`'s docstring, made from :data:`CHECKS` so that it cannot drift."""
    entries = []
    for name, check in CHECKS.items():
        text = inspect.getdoc(check.function)
        entries.append(f"``{name}``\n" + textwrap.indent(text, "    "))
    return textwrap.indent("\n".join(entries), "    ").lstrip()


check_cell.__doc__ = check_cell.__doc__.replace("CHECKS_LISTED_HERE", _listing_of_checks())
