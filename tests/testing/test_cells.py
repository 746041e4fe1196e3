"""The conformance kit: a correct cell passes every check, and each deliberately broken cell
is caught by the check that names its defect."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tinygrad_rnn import ops, plugins
from tinygrad_rnn.nn.cell import RecurrentCell
from tinygrad_rnn.nn.module import Module, ModuleList, Parameter
from tinygrad_rnn.nn.recurrent import run_cell
from tinygrad_rnn.random import default_generator, manual_seed
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.testing.diagnosis import graph_nodes, nearest_kink, selects_by_mask
from tinygrad_rnn.testing.cells import (CHECKS, CellCheckError, CellOptionError, CellReport,
                                        check_cell)

from helpers import Elman, WrongGradient

EXAMPLES = 6


# ---------------------------------------------------------------- a correct cell

class FusedElman(Elman):
    """Elman with a whole-sequence path that multiplies every step's input at once."""

    hh_factor = 1.0

    def sequence(self, x, state, lengths, reverse):
        (h,) = state
        xw = ops.unstack(x @ self.weight_ih.T)
        weight_hh = self.weight_hh * self.hh_factor
        outputs = [None] * len(xw)
        for t in (reversed(range(len(xw))) if reverse else range(len(xw))):
            a = xw[t] + h @ weight_hh.T
            new = ops.tanh((a + self.bias_ih + self.bias_hh if self.bias else a) * self.scale)
            active = np.ones((x.shape[1], 1), bool) if lengths is None else (t < lengths)[:, None]
            outputs[t], h = ops.where(active, new, 0.0), ops.where(active, new, h)
        return ops.stack(outputs), (h,)


class Uncompiled(Elman):
    """Elman through a ``clip`` (whose mask comes from the values, so the compiler refuses
    the step; tanh lies inside the bounds, so the values are Elman's): no whole-sequence
    path at all."""

    def step(self, x, state):
        h, _ = super().step(x, state)
        h = ops.clip(h, -2.0, 2.0)
        return h, (h,)


# ---------------------------------------------------------------- broken cells

class SequenceOff(FusedElman):
    """Its whole-sequence path uses W_hh·(1 + 1e-8): close to step, but not within 1e-10."""

    hh_factor = 1.0 + 1e-8


class BatchCoupled(Elman):
    """Each sequence's step reads the batch mean: sequences are not independent."""

    def step(self, x, state):
        a = self.preactivation(x, state[0])
        h = ops.tanh(a - 0.5 * ops.mean(a, axis=0, keepdims=True))
        return h, (h,)


class IgnoresC(Elman):
    """A two-state cell whose step never reads c: c' depends on x alone."""

    state_names = ("h", "c")

    def step(self, x, state):
        h = ops.tanh(self.preactivation(x, state[0]))
        return h, (h, ops.tanh(x @ self.weight_ih.T))


class Stateful(Elman):
    """Keeps h on itself and ignores the state passed in after its first step."""

    remembered = None

    def step(self, x, state):
        h = self.remembered if self.remembered is not None and \
            self.remembered.shape == state[0].shape else state[0]
        h = ops.tanh(self.preactivation(x, h))
        self.__dict__["remembered"] = h.detach()
        return h, (h,)


class Unseeded(Elman):
    """Draws its weights from NumPy's own generator, not tinygrad_rnn's."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.weight_hh.array[...] = np.random.default_rng().uniform(-1, 1, self.weight_hh.shape)


class HiddenWeight(Elman):
    """Computes with a random array that is not a parameter, so not in the state dict."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.gain = default_generator().uniform(0.5, 2.0, hidden_size)

    def step(self, x, state):
        h = ops.tanh(self.preactivation(x, state[0]) * self.gain)
        return h, (h,)


class Lenient(Elman):
    """Its single-step call silently drops extra input features."""

    def forward(self, x, hx=None):
        x = x[:, :self.input_size]
        return self.step(x, (hx if hx is not None else self.initial_state(x.shape[0])[0],))[0]


class AlwaysInvalid(Elman):
    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        raise ValueError("no size suits this cell")


class Explodes(Elman):
    """A constructor with a bug: it raises, whatever the sizes."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        raise ZeroDivisionError("the author divided by zero")


class StateSizesShort(Elman):
    """Declares two state tensors but gives one size."""

    state_names = ("h", "c")

    @property
    def state_sizes(self):
        return (self.hidden_size,)


class DropsC(IgnoresC):
    """Declares (h, c) but returns only h from step."""

    def step(self, x, state):
        h, _ = super().step(x, state)
        return h, (h,)


# ---------------------------------------------------------------- wrappers

class Reversing(Module):
    """A correct bidirectional wrapper (``reverse_from_end`` False ignores lengths)."""

    num_directions = 2
    reverse_from_end = True
    reverses = True

    def __init__(self, make_cell):
        super().__init__()
        self.cells = ModuleList([make_cell(), make_cell()])

    def forward(self, x, states, lengths=None, fused=None):
        forward, forward_final = run_cell(self.cells[0], x, states[0], lengths, fused=fused)
        reverse_lengths = lengths if self.reverse_from_end else None
        reverse, reverse_final = run_cell(self.cells[1], x, states[1], reverse_lengths,
                                          reverse=self.reverses, fused=fused)
        if lengths is not None and not self.reverse_from_end:
            reverse = ops.where((np.arange(x.shape[0])[:, None] < lengths)[..., None], reverse, 0.0)
        return ops.concatenate([forward, reverse], axis=-1), [forward_final, reverse_final]


class NotReversing(Reversing):
    reverses = False


class ReversingFromPadding(Reversing):
    reverse_from_end = False


@pytest.fixture
def wrapper():
    """Register a wrapper in-process as ``bidirectional`` for one test."""
    def register(obj):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # it may shadow the installed wrapper
            plugins.register("bidirectional", obj, kind="wrapper")
    yield register
    if ("wrapper", "bidirectional") in plugins._registered:
        plugins.unregister("bidirectional", kind="wrapper")


def failed(report: CellReport) -> set:
    return {result.name for result in report.failed}


def with_and_without_bias(*names) -> list:
    """The result names of ``names`` checked with the default options, then with bias=False."""
    return [*names, *(f"{name} (bias=False)" for name in names)]


# ---------------------------------------------------------------- tests

def test_correct_cell_passes_every_check(wrapper):
    wrapper(Reversing)
    report = check_cell(FusedElman, max_examples=EXAMPLES)
    assert [(name, status) for name, status, _ in report] == [
        (name, "passed") for name in with_and_without_bias(*CHECKS)]


def test_cell_without_sequence_path_skips_only_the_sequence_check(wrapper):
    wrapper(Reversing)
    report = check_cell(Uncompiled, max_examples=EXAMPLES)
    assert report.passed
    assert [result.name for result in report.skipped] == with_and_without_bias("sequence")
    assert "no whole-sequence path" in report["sequence"].detail
    assert "depends on the values" in report["sequence"].detail   # why it does not compile


def test_a_step_only_cell_has_its_generated_path_checked(wrapper):
    wrapper(Reversing)
    report = check_cell(Elman, checks=["sequence"], max_examples=EXAMPLES)
    assert [(r.name, r.status) for r in report] == [("sequence", "passed"),
                                                     ("sequence (bias=False)", "passed")]


class FusedUnlessScaled(FusedElman):
    """Has a whole-sequence path only with the default scale (as the LSTM has no kernel with
    proj_size): the instance, not the class, says whether the path exists. Without it the
    step goes through a ``clip`` (see ``Uncompiled``), so none is generated either."""

    def __init__(self, *args, **options):
        super().__init__(*args, **options)
        if self.scale != 1.0:
            self.sequence = None

    def step(self, x, state):
        h, _ = super().step(x, state)
        h = ops.clip(h, -2.0, 2.0) if self.sequence is None else h
        return h, (h,)


def test_sequence_check_asks_an_instance_built_with_the_options(wrapper):
    wrapper(Reversing)
    with_path = check_cell(FusedUnlessScaled, checks=["sequence"], max_examples=EXAMPLES)
    without = check_cell(FusedUnlessScaled, options={"scale": 0.5}, checks=["sequence"],
                         max_examples=EXAMPLES)
    assert [r.status for r in with_path] == ["passed", "passed"]
    assert [r.status for r in without] == ["skipped", "skipped"]


@pytest.mark.parametrize("cell, caught_by", [
    (WrongGradient, "gradients"),
    (SequenceOff, "sequence"),
    (IgnoresC, "state"),
    (Unseeded, "reproducibility"),
    (Lenient, "input_size"),
])
def test_broken_cell_is_caught_by_exactly_its_check(cell, caught_by, wrapper):
    wrapper(Reversing)
    report = check_cell(cell, max_examples=EXAMPLES, raise_on_failure=False)
    assert failed(report) == set(with_and_without_bias(caught_by))


@pytest.mark.parametrize("cell, caught_by", [
    (BatchCoupled, "lengths"),
    (Stateful, "state"),
    (HiddenWeight, "state_dict"),
])
def test_broken_cell_is_caught_by_its_check(cell, caught_by):
    report = check_cell(cell, max_examples=EXAMPLES, raise_on_failure=False,
                        checks=("gradients", "lengths", "state", "state_dict"))
    assert caught_by in failed(report)


def test_failure_detail_names_the_property_and_the_falsifying_example():
    report = check_cell(WrongGradient, checks=["gradients"], max_examples=EXAMPLES,
                        raise_on_failure=False)
    detail = report["gradients"].detail
    assert "wrong gradient" in detail and "Falsifying example: T=" in detail
    assert "weight_hh_l0" in detail   # the legend maps gradcheck's input numbers to names


def test_sequence_failure_names_what_differs():
    report = check_cell(SequenceOff, checks=["sequence"], max_examples=EXAMPLES,
                        raise_on_failure=False)
    assert "fused=True vs step-by-step" in report["sequence"].detail
    assert "exceeds 1e-10" in report["sequence"].detail


def test_check_cell_raises_listing_every_failing_check():
    with pytest.raises(CellCheckError) as caught:
        check_cell(IgnoresC, checks=("state", "lengths"), max_examples=EXAMPLES)
    assert isinstance(caught.value, AssertionError)
    assert "- state: the initial 'c' changes neither" in str(caught.value)
    assert "- lengths" not in str(caught.value)
    assert [result.name for result in caught.value.report.failed] == with_and_without_bias("state")


@pytest.mark.parametrize("wrapper_class", [NotReversing, ReversingFromPadding])
def test_bidirectional_catches_a_wrapper_that_does_not_reverse_properly(wrapper_class, wrapper):
    wrapper(wrapper_class)
    report = check_cell(Elman, checks=["bidirectional"], max_examples=EXAMPLES,
                        raise_on_failure=False)
    assert failed(report) == set(with_and_without_bias("bidirectional"))
    assert "reverse half" in report["bidirectional"].detail


def test_bidirectional_is_skipped_when_the_wrapper_is_not_installed(monkeypatch):
    everything = plugins.available

    def without_wrappers(kind=None):
        return [row for row in everything(kind) if row.kind != "wrapper"]

    monkeypatch.setattr(plugins, "available", without_wrappers)
    report = check_cell(Elman, checks=["bidirectional"], max_examples=EXAMPLES)
    assert report["bidirectional"] == ("bidirectional", "skipped",
                                       "bidirectional wrapper not installed")


def test_cell_options_reach_the_cell(wrapper):
    wrapper(Reversing)
    assert check_cell(FusedElman, options={"scale": 0.5}, max_examples=3).passed
    with pytest.raises(TypeError, match="unexpected keyword"):
        check_cell(Elman, options={"no_such_option": 1})


@pytest.mark.parametrize("cell, message", [
    (AlwaysInvalid, "ValueError: no size suits this cell"),
    (Explodes, "ZeroDivisionError: the author divided by zero"),
])
def test_a_cell_that_cannot_be_built_fails_the_contract_once_and_skips_the_rest(cell, message):
    report = check_cell(cell, checks=["lengths", "state"], options={"bias": True},
                        raise_on_failure=False)
    assert [(result.name, result.status) for result in report] == [
        ("contract", "failed"), ("lengths", "skipped"), ("state", "skipped")]
    assert report["contract"].detail.startswith(
        f"the cell cannot be built for any input_size ≤ 3 and hidden_size ≤ 3 with options "
        f"{{'bias': True}}: {message}\n  File ")
    assert report["lengths"].detail == "not run: the cell fails the 'contract' check"


def test_a_bad_option_value_raises_the_cells_own_message_at_once():
    with pytest.raises(CellOptionError, match=r"check_cell: rnn rejects the options "
                       r"\{'nonlinearity': 'swish'\}: ValueError: ElmanCell: unknown "
                       r"nonlinearity 'swish'; expected one of 'tanh', 'relu'"):
        check_cell("rnn", options={"nonlinearity": "swish"})


@pytest.mark.parametrize("cell, message", [
    (StateSizesShort, "state_sizes (3,) has 1 entry, state_names ('h', 'c') has 2"),
    (DropsC, "step returned a state of 1 tensor(s); state_names ('h', 'c') declares 2"),
])
def test_a_cell_breaking_its_declared_state_is_blamed_by_name(cell, message):
    report = check_cell(cell, checks=["lengths"], max_examples=2, raise_on_failure=False)
    assert report["lengths"].status == "skipped"
    detail = report["contract"].detail
    assert f"cell {cell.__qualname__} ({__name__}) breaks the cell contract" in detail
    assert message in detail
    assert "Recurrent: expected a state" not in detail


def test_state_check_passes_a_relu_cell_whose_units_die_in_some_examples():
    # The call: it failed on an example where x = 0 and the one relu unit was dead
    # for both moves of h, though h matters for other draws.
    report = check_cell("rnn", options={"nonlinearity": "relu"}, checks=["state"],
                        max_examples=50)
    assert report.passed


def test_state_check_fails_only_when_no_example_shows_an_effect():
    report = check_cell(IgnoresC, checks=["state"], max_examples=EXAMPLES,
                        raise_on_failure=False)
    assert report["state"].detail == (
        f"the initial 'c' changes neither the output nor the final state in any of the "
        f"{EXAMPLES} drawn examples (moved by +5, -5, +100, -100): step ignores that part "
        f"of its state")


VERDICT_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
for module in sys.argv[2:]:
    __import__(module)
from tinygrad_rnn.testing import cells

drawn = []
check = cells.CHECKS["state"]
cells.CHECKS["state"] = check._replace(
    function=lambda subject, case: drawn.append(str(case)) or check.function(subject, case))
report = cells.check_cell("mgu", checks=["state"], max_examples=15, raise_on_failure=False)
print(json.dumps({"verdict": str(report), "drawn": drawn}))
"""


def test_the_same_call_draws_the_same_examples_in_any_process(tmp_path):
    # Hypothesis mixes the literals of every local module in sys.modules into its draws: a
    # module of numbers imported first must change nothing.
    numbers = np.random.default_rng(0)
    (tmp_path / "literals.py").write_text(
        f"FLOATS = {numbers.uniform(-2, 2, 300).round(6).tolist()}\n"
        f"INTS = {numbers.integers(0, 2**16, 300).tolist()}\n")
    processes = [subprocess.Popen([sys.executable, "-c", VERDICT_SCRIPT, str(tmp_path), *modules],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for modules in ([], ["literals", "tinygrad_rnn.viz", "tinygrad_rnn.tasks"])]
    runs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        runs.append(json.loads(out))
    assert len(runs[0]["drawn"]) >= 15
    assert runs[0] == runs[1]


def test_registered_name_and_unknown_names():
    plugins.register("test_cells_elman", Elman)
    try:
        report = check_cell("test_cells_elman", checks=["lengths"], max_examples=3)
        assert report.cell == "test_cells_elman" and report.passed
    finally:
        plugins.unregister("test_cells_elman")
    with pytest.raises(plugins.PluginError, match="no cell named 'test_cells_nothing'"):
        check_cell("test_cells_nothing")
    with pytest.raises(ValueError, match="unknown check"):
        check_cell(Elman, checks=["gradient"])


def test_check_cell_leaves_the_package_generator_as_it_was():
    manual_seed(123)
    expected = np.random.default_rng(123).uniform(size=3)
    check_cell(Elman, checks=["reproducibility"], max_examples=2)
    assert np.array_equal(default_generator().uniform(size=3), expected)


def test_report_prints_one_line_per_check_and_a_count():
    report = check_cell(Uncompiled, checks=["lengths", "sequence"], max_examples=2)
    lines = str(report).splitlines()
    assert lines[0] == "passed   lengths"
    assert lines[1].startswith("skipped  sequence: no whole-sequence path: no sequence, and "
                               "cannot compile Uncompiled.step")
    assert lines[2] == "passed   lengths (bias=False)"
    assert lines[3].startswith("skipped  sequence (bias=False): no whole-sequence path: no "
                               "sequence, and cannot compile Uncompiled.step")
    assert lines[4:] == ["2 passed, 2 skipped, 0 failed"]


# ---------------------------------------------------------------- the author's own words

class AuthorCell(RecurrentCell):
    """An Elman cell to break in one place per subclass."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1)

    def pre_activation(self, x, h):
        a = x @ self.weight_ih.T + h @ self.weight_hh.T
        return a + self.bias_ih + self.bias_hh if self.bias else a

    def step(self, x, state):
        h = ops.tanh(self.pre_activation(x, state[0]))
        return h, (h,)


class AlwaysBias(AuthorCell):
    def pre_activation(self, x, h):
        return x @ self.weight_ih.T + h @ self.weight_hh.T + self.bias_ih + self.bias_hh


class Typo(AuthorCell):
    def step(self, x, state):
        h = ops.tanh(self.pre_activation(x, state[0]) + self.gatess)
        return h, (h,)


class ListedWeight(AuthorCell):
    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.gains = [Parameter(np.ones(hidden_size, dtype))]

    def step(self, x, state):
        h = ops.tanh(self.pre_activation(x, state[0]) * self.gains[0])
        return h, (h,)


class NumpyWeight(AuthorCell):
    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super().__init__(input_size, hidden_size, bias, dtype)
        self.mix = np.eye(hidden_size, dtype=dtype)

    def step(self, x, state):
        h = ops.tanh(self.pre_activation(x, state[0]) @ self.mix)
        return h, (h,)


class UnusedParameter(AuthorCell):
    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super(AuthorCell, self).__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1, weight_peep=(hidden_size,))


class LogOfNegative(AuthorCell):
    def step(self, x, state):
        h = ops.log(ops.tanh(self.pre_activation(x, state[0])) - 2.0)
        return h, (h,)


def test_the_builtin_relu_rnn_passes_gradients_with_and_without_bias():
    # Regression: with bias=False, a drawn x = 0 put a pre-activation exactly on relu's kink.
    report = check_cell("rnn", options={"nonlinearity": "relu"}, checks=["gradients"],
                        max_examples=30, raise_on_failure=False)
    assert [(r.name, r.status) for r in report] == [
        ("gradients", "passed"), ("gradients (bias=False)", "passed")], str(report)


def test_the_kit_sees_how_near_a_graph_comes_to_a_kink():
    x = Tensor(np.array([0.5, -1e-5, 2.0]), requires_grad=True)
    nodes = graph_nodes([ops.tanh(ops.relu(x)) + ops.abs(x * 3.0)])
    assert nearest_kink(nodes) == (1e-5, "relu")
    assert nearest_kink(graph_nodes([ops.tanh(x)])) is None


class ClampedWrongGradient(WrongGradient):
    """WrongGradient's step through a clamp: a gradient failure in a step that picks values
    by a mask, whose kinks the kit cannot measure."""

    def step(self, x, state):
        h, _ = super().step(x, state)
        h = ops.clip(h, -0.99, 0.99)
        return h, (h,)


def test_a_gradient_failure_in_a_step_with_a_clamp_says_the_point_may_be_a_kink():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    assert selects_by_mask(graph_nodes([ops.clip(x, -0.9, 0.9)]))
    assert not selects_by_mask(graph_nodes([ops.tanh(x)]))
    report = check_cell(ClampedWrongGradient, options={"bias": True}, checks=["gradients"],
                        max_examples=3, raise_on_failure=False)
    assert report["gradients"].status == "failed"
    assert "picks values by a mask (where, clamp or clip)" in report["gradients"].detail
    assert "may be non-differentiable" in report["gradients"].detail
    plain = check_cell(WrongGradient, options={"bias": True}, checks=["gradients"],
                       max_examples=3, raise_on_failure=False)
    assert "non-differentiable" not in plain["gradients"].detail


def test_bias_false_is_checked_and_its_breach_shows_the_authors_line():
    report = check_cell(AlwaysBias, checks=["lengths"], max_examples=3, raise_on_failure=False)
    assert [(r.name, r.status) for r in report] == [
        ("lengths", "passed"), ("contract (bias=False)", "failed"),
        ("lengths (bias=False)", "skipped")]
    detail = report["contract (bias=False)"].detail
    assert "TypeError" in detail
    assert f'File "{__file__}", line' in detail and "in pre_activation" in detail
    assert "self.bias_ih + self.bias_hh" in detail


def test_a_step_that_raises_is_reported_once_with_the_authors_file_and_line_as_cause():
    with pytest.raises(CellCheckError) as caught:
        check_cell(Typo, max_examples=3)
    report = caught.value.report
    assert [r.name for r in report.failed] == ["contract", "contract (bias=False)"]
    assert {r.status for r in report if not r.name.startswith("contract")} == {"skipped"}
    assert isinstance(caught.value.__cause__, AttributeError)
    assert "gatess" in str(caught.value.__cause__)
    assert f'File "{__file__}", line' in report["contract"].detail and "in step" in \
        report["contract"].detail


@pytest.mark.parametrize("cell, message", [
    (ListedWeight, "the step trains with attribute 'gains[0]', which requires grad but is not "
                   "a registered parameter"),
    (NumpyWeight, "the step multiplies by attribute 'mix', a NumPy array, which is never "
                  "trained"),
    (UnusedParameter, "parameter(s) 'weight_peep' received no gradient from the output or the "
                      "final state in any of the 3 drawn examples"),
    (LogOfNegative, "step produced NaN from finite inputs at time step 0 (in the output h, "
                    "state 'h')"),
])
def test_silent_non_training_and_nan_are_named_directly(cell, message):
    report = check_cell(cell, checks=["gradients", "stacking"], options={"bias": True},
                        max_examples=3, raise_on_failure=False)
    (failure,) = report.failed
    assert failure.name in ("finite", "parameters")
    assert message in failure.detail
    assert [(r.name, r.status) for r in report][1:] == [("gradients", "skipped"),
                                                        ("stacking", "skipped")]


class ReluIndRNN(AuthorCell):
    """h' = relu(x W_ihᵀ + b_ih + u ⊙ h + b_hh): a recurrent weight per unit."""

    def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
        super(AuthorCell, self).__init__(input_size, hidden_size, bias, dtype)
        self.create_parameters(1, weight_hh=(hidden_size,))

    def step(self, x, state):
        a = x @ self.weight_ih.T + self.weight_hh * state[0]
        h = ops.relu(a + self.bias_ih + self.bias_hh if self.bias else a)
        return h, (h,)


def test_a_relu_indrnn_passes_gradients_with_and_without_bias():
    # Regression: with bias=False the shrunk example x = 0, h0 = -1 put the next
    # pre-activation exactly on relu's kink, and the central difference averaged two slopes.
    report = check_cell(ReluIndRNN, checks=["gradients"], max_examples=30, raise_on_failure=False)
    assert [(r.name, r.status) for r in report] == [
        ("gradients", "passed"), ("gradients (bias=False)", "passed")], str(report)
