"""The generated whole-sequence path equals the step path it was generated from, and the
built-ins' generated paths equal their hand-written kernels.

Outputs, final states and every gradient, to 1e-10 relative in float64 (float32 to its
rounding), over Hypothesis-drawn sizes, lengths, layers, directions, ``batch_first``,
dropout between layers and retained graphs; random cells drawn as programs of the supported
ops (``random_cells.py``); and the cells a stranger writes (``step_only_cells.py``).
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from random_cells import make_cell, random_cells
from step_only_cells import IndRNNCell, LinearGatedCell, PeepholeLSTMCell

from tinygrad_rnn import Tensor, get_num_threads, manual_seed, plugins, set_num_threads
from tinygrad_rnn._kernels.chunks import CHUNK_MIN, batch_chunks
from tinygrad_rnn.nn import Recurrent
from tinygrad_rnn.testing import gradcheck
from tinygrad_rnn.testing.strategies import padded_sequences

# (cell, options); every one of them compiles. The hidden size is at least 3 (proj_size 2).
STEP_CASES = [("mgu", {}), ("mgu", {"bias": False}), ("lstm", {}), ("lstm", {"proj_size": 2}),
              ("gru", {}), ("gru", {"reset": "before"}), ("rnn", {}),
              ("rnn", {"nonlinearity": "relu", "bias": False}), (PeepholeLSTMCell, {}),
              (IndRNNCell, {}), (LinearGatedCell, {}), (LinearGatedCell, {"bias": False})]
KERNEL_CASES = [("lstm", {}), ("lstm", {"bias": False}), ("gru", {}),
                ("gru", {"reset": "before"}), ("rnn", {}), ("rnn", {"nonlinearity": "relu"})]


def case_id(case):
    cell, options = case
    name = cell if isinstance(cell, str) else cell.__name__
    return name + "".join(f"-{k}={v}" for k, v in options.items())


def relative_error(a, b):
    return np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(b), initial=0.0), 1e-300)


def run(layer, fused, x, states, lengths, upstream, seed, backwards=1):
    """Output, final states and every gradient of sum(output · upstream) + sum(final²),
    backpropagated ``backwards`` times through a retained graph."""
    layer.fused = fused
    for tensor in (x, *states, *layer.parameters()):
        tensor.grad = None
    manual_seed(seed)   # the same dropout masks on both paths
    output, final = layer(x, states[0] if len(states) == 1 else tuple(states), lengths)
    finals = (final,) if len(states) == 1 else final
    loss = (output * upstream).sum() + sum((f * f).sum() for f in finals)
    for k in range(backwards):
        loss.backward(retain_graph=k < backwards - 1)
    # NOTE: a parameter the step never uses has no gradient on the step path, zeros on the
    # generated one (a Function gives every input that requires a gradient one).
    grads = [np.zeros(t.shape) if t.grad is None else t.grad.array
             for t in (x, *states, *layer.parameters())]
    return [output.array, *(f.array for f in finals), *grads]


def assert_paths_agree(layer, x, states, lengths, upstream, seed, tolerance, paths=(False, "generated"),
                       backwards=1):
    expected, got = (run(layer, fused, x, states, lengths, upstream, seed, backwards)
                     for fused in paths)
    for a, b in zip(got, expected):
        assert a.shape == b.shape
        assert relative_error(a, b) <= tolerance


def drawn_layer(cell, options, hidden, layers, bidirectional, batch_first, dropout, dtype, x,
                seed):
    manual_seed(seed)
    layer = Recurrent(cell, x.shape[2], hidden, num_layers=layers, bidirectional=bidirectional,
                      batch_first=batch_first, dropout=dropout, dtype=dtype, **options)
    return layer


def tensors_for(layer, x, lengths, batch_first, seed, dtype):
    rng = np.random.default_rng(seed)
    cell = layer.cells[0]
    T, N = x.shape[:2]
    states = [Tensor(rng.standard_normal((len(layer.cells), N, size)).astype(dtype),
                     requires_grad=True) for size in cell.state_sizes]
    upstream = rng.standard_normal((T, N, layer.num_directions * cell.output_size)).astype(dtype)
    if batch_first:
        x, upstream = x.swapaxes(0, 1), upstream.swapaxes(0, 1)
    return Tensor(np.ascontiguousarray(x, dtype), requires_grad=True), states, upstream


@pytest.mark.parametrize("case", STEP_CASES, ids=case_id)
@settings(deadline=None, max_examples=8)
@given(batch=padded_sequences(max_time=5, max_batch=3, input_size=3),
       hidden=st.integers(3, 4), layers=st.integers(1, 2), bidirectional=st.booleans(),
       batch_first=st.booleans(), dropout=st.sampled_from([0.0, 0.5]),
       with_lengths=st.booleans(), seed=st.integers(0, 2**16))
def test_generated_path_equals_step_path(case, batch, hidden, layers, bidirectional,
                                         batch_first, dropout, with_lengths, seed):
    x, lengths = batch
    layer = drawn_layer(*case, hidden, layers, bidirectional, batch_first, dropout, np.float64,
                        x, seed)
    x, states, upstream = tensors_for(layer, x, lengths, batch_first, seed, np.float64)
    assert_paths_agree(layer, x, states, lengths if with_lengths else None, upstream, seed,
                       1e-10)


@pytest.mark.parametrize("case", STEP_CASES, ids=case_id)
def test_generated_path_in_float32_equals_step_path_to_float32_rounding(case):
    x, lengths = np.random.default_rng(5).standard_normal((6, 4, 3)), np.array([6, 2, 5, 1])
    layer = drawn_layer(*case, 4, 2, True, False, 0.0, np.float32, x, 0)
    x, states, upstream = tensors_for(layer, x, lengths, False, 0, np.float32)
    assert_paths_agree(layer, x, states, lengths, upstream, 0, 2e-5)


@pytest.mark.parametrize("case", STEP_CASES, ids=case_id)
def test_a_retained_graph_gives_the_same_gradients_twice(case):
    x, lengths = np.random.default_rng(6).standard_normal((5, 3, 3)), np.array([5, 3, 4])
    layer = drawn_layer(*case, 4, 1, False, False, 0.0, np.float64, x, 1)
    x, states, upstream = tensors_for(layer, x, lengths, False, 1, np.float64)
    once = run(layer, "generated", x, states, lengths, upstream, 1)
    twice = run(layer, "generated", x, states, lengths, upstream, 1, backwards=2)
    for a, b in zip(once[len(states) + 1:], twice[len(states) + 1:]):
        assert relative_error(b, 2 * a) <= 1e-12


@pytest.mark.parametrize("case", [("gru", {"reset": "before"}), (PeepholeLSTMCell, {})],
                         ids=case_id)
def test_an_input_and_a_weight_that_need_no_gradient_get_none(case):
    # NOTE: the prelude then skips what only they need (x's gradient through x W_ihᵀ).
    x, lengths = np.random.default_rng(9).standard_normal((4, 3, 3)), np.array([4, 2, 3])
    layer = drawn_layer(*case, 4, 1, False, False, 0.0, np.float64, x, 4)
    x, states, upstream = tensors_for(layer, x, lengths, False, 4, np.float64)
    x.requires_grad = False
    frozen = layer.cells[0].weight_hh
    frozen.requires_grad = False
    expected, got = (run(layer, fused, x, states, lengths, upstream, 4)
                     for fused in (False, "generated"))
    assert x.grad is None and frozen.grad is None
    for a, b in zip(got, expected):
        assert relative_error(a, b) <= 1e-10


@pytest.mark.parametrize("case", KERNEL_CASES, ids=case_id)
@settings(deadline=None, max_examples=8)
@given(batch=padded_sequences(max_time=6, max_batch=4, input_size=3),
       hidden=st.integers(3, 4), layers=st.integers(1, 2), bidirectional=st.booleans(),
       seed=st.integers(0, 2**16))
def test_generated_builtins_equal_their_hand_written_kernels(case, batch, hidden, layers,
                                                            bidirectional, seed):
    x, lengths = batch
    layer = drawn_layer(*case, hidden, layers, bidirectional, False, 0.0, np.float64, x, seed)
    x, states, upstream = tensors_for(layer, x, lengths, False, seed, np.float64)
    assert_paths_agree(layer, x, states, lengths, upstream, seed, 1e-10,
                       paths=(True, "generated"))


@pytest.mark.parametrize("case", KERNEL_CASES[:1], ids=case_id)
def test_generated_builtin_with_a_thin_batch_and_wide_weights_equals_its_kernel(case):
    # NOTE: 8 sequences and 512 units take the transposed per-step products.
    x, lengths = np.random.default_rng(7).standard_normal((3, 8, 3)), np.array([3, 1, 2, 3, 3, 2, 1, 3])
    layer = drawn_layer(*case, 512, 1, False, False, 0.0, np.float64, x, 2)
    x, states, upstream = tensors_for(layer, x, lengths, False, 2, np.float64)
    assert_paths_agree(layer, x, states, lengths, upstream, 2, 1e-10, paths=(True, "generated"))


@pytest.mark.parametrize("case", STEP_CASES, ids=case_id)
@pytest.mark.parametrize("threads", [1, 2])
def test_a_batch_run_in_two_chunks_equals_the_step_path_at_any_thread_count(case, threads):
    # NOTE: from 2 * CHUNK_MIN sequences the generated loops run on two halves of the batch;
    # each half must see only its own sequences, and the halves' shares of the weights'
    # gradients must add up.
    batch = 2 * CHUNK_MIN + 1
    assert len(batch_chunks(batch)) == 2
    rng = np.random.default_rng(8)
    x, lengths = rng.standard_normal((4, batch, 3)), rng.integers(1, 5, batch)
    previous = get_num_threads()
    set_num_threads(threads)
    try:
        layer = drawn_layer(*case, 4, 2, True, False, 0.0, np.float64, x, 3)
        x, states, upstream = tensors_for(layer, x, lengths, False, 3, np.float64)
        assert_paths_agree(layer, x, states, lengths, upstream, 3, 1e-10)
    finally:
        set_num_threads(previous)


# Regression (plain Python, NUMBA_DISABLE_JIT=1): relu(0) gave a float32 zero in a float64
# loop, exp kept it float32, and tanh took its float32 approximation.
RELU_THEN_EXP_TANH = make_cell(2, (("product", 1, 2), ("unary", "exp_tanh", 0),
                                   ("unary", "relu", 1), ("unary", "exp_tanh", 0),
                                   ("unary", "exp_tanh", 0), ("unary", "exp_tanh", 1),
                                   ("unary", "exp_tanh", 5)), (1, 9))


@settings(deadline=None, max_examples=25)
@given(cell=random_cells(), batch=padded_sequences(max_time=4, max_batch=3, input_size=2),
       bidirectional=st.booleans(), seed=st.integers(0, 2**16))
@example(cell=RELU_THEN_EXP_TANH, batch=(np.zeros((1, 1, 2)), np.array([1])),
         bidirectional=False, seed=0)
def test_random_cells_compile_and_equal_their_step_path(cell, batch, bidirectional, seed):
    x, lengths = batch
    layer = drawn_layer(cell, {}, 3, 1, bidirectional, False, 0.0, np.float64, x, seed)
    x, states, upstream = tensors_for(layer, x, lengths, False, seed, np.float64)
    assert_paths_agree(layer, x, states, lengths, upstream, seed, 1e-10)


@pytest.mark.parametrize("cell_class", ["mgu", LinearGatedCell])
@pytest.mark.parametrize("reverse", [False, True])
def test_generated_path_passes_gradcheck(cell_class, reverse):
    manual_seed(0)
    cell_class = plugins.get(cell_class) if isinstance(cell_class, str) else cell_class
    cell = cell_class(2, 3, dtype=np.float64)
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    h = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    from tinygrad_rnn import compiler

    def loss(x, h, *parameters):
        output, (final,) = compiler.run(cell, x, (h,), np.array([4, 2]), reverse)
        return (output * output).sum() + (final * final).sum()

    assert gradcheck(loss, [x, h, *cell.parameters()])


@pytest.mark.parametrize("case", [("mgu", {}), ("lstm", {"proj_size": 2})], ids=case_id)
def test_nan_in_the_input_spreads_as_on_the_step_path(case):
    x, lengths = np.random.default_rng(8).standard_normal((5, 3, 3)), np.array([5, 2, 4])
    x[1, 0, 1] = np.nan
    layer = drawn_layer(*case, 4, 1, False, False, 0.0, np.float64, x, 3)
    x, states, upstream = tensors_for(layer, x, lengths, False, 3, np.float64)
    expected, got = (run(layer, fused, x, states, lengths, upstream, 3)
                     for fused in (False, "generated"))
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    assert np.isnan(got[0]).any()
