"""Every registered cell with a whole-sequence path, through the full recurrent layer: the
fused path equals the step-by-step one in outputs and every gradient, over drawn sizes,
lengths, layers and directions, and passes gradcheck on its own.

The cells come from the registry, so a new cell with a fused path adds no test here. With
``NUMBA_DISABLE_JIT=1`` the same tests run the kernels as plain Python.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import Tensor, get_num_threads, manual_seed, plugins, set_num_threads
from tinygrad_rnn.nn import Recurrent
from tinygrad_rnn._kernels.chunks import CHUNK_MIN, batch_chunks
from tinygrad_rnn.testing import gradcheck
from tinygrad_rnn.testing.strategies import padded_sequences

FUSED_CELLS = [info.name for info in plugins.available("cell")
               if info.status != "disabled" and info.distribution != plugins.IN_PROCESS
               and plugins.get(info.name).sequence is not None]
# Options that select a different kernel inside one cell.
VARIANTS = {"rnn": [{}, {"nonlinearity": "relu"}], "gru": [{}, {"reset": "before"}]}
CASES = [(name, options) for name in FUSED_CELLS for options in VARIANTS.get(name, [{}])]
IDS = [name + "".join(f"-{v}" for v in options.values()) for name, options in CASES]


def run(layer, x, states, lengths, upstream):
    """Outputs, final states and every gradient of sum(output · upstream) + sum(final²)."""
    for tensor in (x, *states, *layer.parameters()):
        tensor.grad = None
    output, final = layer(x, states[0] if len(states) == 1 else tuple(states), lengths)
    finals = (final,) if len(states) == 1 else final
    loss = (output * upstream).sum()
    for f in finals:
        loss = loss + (f * f).sum()
    loss.backward()
    return ([output.array, *(f.array for f in finals), x.grad.array, *(s.grad.array for s in states)]
            + [p.grad.array for p in layer.parameters()])


def assert_fused_equals_stepwise(layer, x, states, lengths, upstream):
    layer.fused = True
    fused = run(layer, x, states, lengths, upstream)
    layer.fused = False
    stepwise = run(layer, x, states, lengths, upstream)
    for a, b in zip(fused, stepwise):
        assert relative_error(a, b) <= 1e-10


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
@settings(deadline=None, max_examples=15)
@given(batch=padded_sequences(max_time=5, max_batch=3, input_size=3),
       hidden=st.integers(1, 4), layers=st.integers(1, 2), bidirectional=st.booleans(),
       with_lengths=st.booleans(), seed=st.integers(0, 2**16))
def test_fused_path_equals_step_by_step(name, options, batch, hidden, layers, bidirectional,
                                        with_lengths, seed):
    x, lengths = batch
    manual_seed(seed)
    layer = Recurrent(name, 3, hidden, num_layers=layers, bidirectional=bidirectional,
                      dtype=np.float64, **options)
    cell = layer.cells[0]
    rng = np.random.default_rng(seed)
    states = [Tensor(rng.standard_normal((len(layer.cells), x.shape[1], size)), requires_grad=True)
              for size in cell.state_sizes]
    upstream = rng.standard_normal((x.shape[0], x.shape[1], layer.num_directions * cell.output_size))
    x = Tensor(x, requires_grad=True)
    lengths = lengths if with_lengths else None
    assert_fused_equals_stepwise(layer, x, states, lengths, upstream)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
@pytest.mark.parametrize("reverse", [False, True])
def test_fused_path_passes_gradcheck(name, options, reverse):
    manual_seed(0)
    cell = plugins.get(name)(2, 3, dtype=np.float64, **options)
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    states = [Tensor(rng.standard_normal((2, size)), requires_grad=True) for size in cell.state_sizes]
    lengths = np.array([4, 2])

    def loss(x, *tensors):
        output, final = cell.sequence(x, tuple(tensors[:len(states)]), lengths, reverse)
        return (output * output).sum() + sum((f * f).sum() for f in final)

    assert gradcheck(loss, [x, *states, *cell.parameters()])


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_fused_path_in_float32_agrees_with_float64(name, options):
    manual_seed(0)
    layer64 = Recurrent(name, 3, 5, dtype=np.float64, **options)
    layer32 = Recurrent(name, 3, 5, dtype=np.float32, **options)
    layer32.load_state_dict({k: v.astype(np.float32) for k, v in layer64.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((6, 4, 3))
    out64, _ = layer64(Tensor(x))
    out32, _ = layer32(Tensor(x.astype(np.float32)))
    assert out32.dtype == np.float32
    assert relative_error(out32.array, out64.array) <= 1e-5


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_a_retained_graph_gives_the_same_gradients_twice(name, options):
    # NOTE: a fused backward may write its results over its saved arrays; it must not when
    # the graph is kept for another backward.
    manual_seed(0)
    layer = Recurrent(name, 3, 4, dtype=np.float64, **options)
    x = Tensor(np.random.default_rng(3).standard_normal((5, 2, 3)), requires_grad=True)
    output, _ = layer(x, lengths=np.array([5, 3]))
    loss = (output * output).sum()
    loss.backward(retain_graph=True)
    first = [x.grad.numpy(), *(p.grad.numpy() for p in layer.parameters())]
    loss.backward()
    second = [x.grad.array, *(p.grad.array for p in layer.parameters())]
    for a, b in zip(first, second):
        assert relative_error(b, 2 * a) <= 1e-12


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_fused_path_with_a_thin_batch_and_large_weights_equals_step_by_step(name, options):
    # NOTE: 8 sequences and 512 units send the per-step products down their transposed
    # branch (``_kernels.products``), which the small drawn sizes above never reach.
    manual_seed(0)
    layer = Recurrent(name, 3, 512, dtype=np.float64, **options)
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((3, 8, 3)), requires_grad=True)
    states = [Tensor(rng.standard_normal((1, 8, size)), requires_grad=True)
              for size in layer.cells[0].state_sizes]
    upstream = rng.standard_normal((3, 8, layer.cells[0].output_size))
    lengths = np.array([3, 1, 2, 3, 3, 2, 1, 3])
    assert_fused_equals_stepwise(layer, x, states, lengths, upstream)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
@pytest.mark.parametrize("threads", [1, 2])
def test_a_batch_run_in_two_chunks_equals_step_by_step_at_any_thread_count(name, options,
                                                                          threads):
    # NOTE: from 2 * CHUNK_MIN sequences the time loops run on two halves of the batch, side
    # by side on two threads; each half's loop must see only its own sequences, and the
    # halves' shares of dW_hh and db_hh must add up.
    previous = get_num_threads()
    set_num_threads(threads)
    try:
        manual_seed(0)
        batch = 2 * CHUNK_MIN + 1
        assert len(batch_chunks(batch)) == 2
        layer = Recurrent(name, 3, 4, num_layers=2, bidirectional=True, dtype=np.float64,
                          **options)
        rng = np.random.default_rng(5)
        x = Tensor(rng.standard_normal((4, batch, 3)), requires_grad=True)
        states = [Tensor(rng.standard_normal((4, batch, size)), requires_grad=True)
                  for size in layer.cells[0].state_sizes]
        upstream = rng.standard_normal((4, batch, 2 * layer.cells[0].output_size))
        lengths = rng.integers(1, 5, batch)
        assert_fused_equals_stepwise(layer, x, states, lengths, upstream)
    finally:
        set_num_threads(previous)


# ---------------------------------------------------------------- memory layouts

LAYOUT_CASES = CASES + [("lstm", {"proj_size": 2})]   # the projection: the layer's own loop
LAYOUT_IDS = IDS + ["lstm-proj_size"]


def fortran(array):
    return np.asfortranarray(array)


def strided(array):
    """The same values as a view every other element of a larger array, on every axis."""
    big = np.zeros(tuple(2 * n for n in array.shape), array.dtype)
    view = big[tuple(slice(None, None, 2) for _ in array.shape)]
    view[...] = array
    return view


def layer_results(layer, x, states, upstream, batch_first):
    """Output, final states and every gradient of sum(output · upstream) + sum(final²),
    each as an array (the arguments' layouts as given)."""
    x = Tensor(x, requires_grad=True)
    states = [Tensor(s, requires_grad=True) for s in states]
    layer.zero_grad()
    output, final = layer(x, states[0] if len(states) == 1 else tuple(states))
    finals = (final,) if len(states) == 1 else final
    loss = (output * Tensor(upstream)).sum()
    for f in finals:
        loss = loss + (f * f).sum()
    loss.backward()
    return {"output": output.array, **{f"final {k}": f.array for k, f in enumerate(finals)},
            "grad x": x.grad.array, **{f"grad state {k}": s.grad.array for k, s in enumerate(states)},
            **{f"grad {n}": p.grad.array for n, p in layer.named_parameters()}}


@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, options", LAYOUT_CASES, ids=LAYOUT_IDS)
def test_any_memory_layout_of_any_argument_gives_the_contiguous_result(name, options, dtype,
                                                                       batch_first):
    # Regression: a Fortran-ordered or strided state crashed every fused kernel (a Numba
    # TypingError). Each argument in turn (input, each initial state, each weight, the
    # upstream gradient) is given Fortran-ordered, then strided; bit for bit the same.
    manual_seed(0)
    layer = Recurrent(name, 3, 4, batch_first=batch_first, dtype=dtype, **options)
    # NOTE: the step-by-step path (the projection's) multiplies with NumPy's matmul, which
    # picks its BLAS kernel by layout: the same values to rounding, not bit for bit.
    tolerance = 0 if layer.cells[0].sequence is not None else 10 * np.finfo(dtype).eps
    rng = np.random.default_rng(5)
    T, N = 3, 2
    x = rng.standard_normal((N, T, 3) if batch_first else (T, N, 3)).astype(dtype)
    states = [rng.standard_normal((1, N, size)).astype(dtype)
              for size in layer.cells[0].state_sizes]
    upstream = rng.standard_normal(x.shape[:2] + (layer.cells[0].output_size,)).astype(dtype)
    weights = {n: p.array.copy() for n, p in layer.named_parameters()}
    expected = layer_results(layer, x, states, upstream, batch_first)
    arguments = ["x", *(f"state {k}" for k in range(len(states))), *weights, "upstream"]
    for argument in arguments:
        for relayout in (fortran, strided):
            def given(what, array):
                return relayout(array) if what == argument else array
            for n, p in layer.named_parameters():
                p.array = given(n, weights[n])
            got = layer_results(layer, given("x", x),
                                [given(f"state {k}", s) for k, s in enumerate(states)],
                                given("upstream", upstream), batch_first)
            for key, value in expected.items():
                scale = tolerance * np.max(np.abs(value))   # norm-wise: 0 means bit for bit
                np.testing.assert_allclose(got[key], value, rtol=0, atol=scale, err_msg=(
                    f"{argument} {relayout.__name__}: {key} differs from the contiguous result"))
    for n, p in layer.named_parameters():
        p.array = weights[n]
