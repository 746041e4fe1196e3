"""Run as a script by ``test_fuzz_hostile.py``, in a child process: the kernel wrappers and
the cells' fused ``sequence`` fed arguments with one thing wrong (a dtype, a size, an index
far out of range, a state of another batch). Each call must return the slow reference's
result when nothing is wrong and otherwise raise a documented error naming the wrong
argument; a compiled loop that wrote past an array's end would kill this process, which the
parent test sees in its exit status."""

import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
if __name__ == "__main__":   # (pytest's --doctest-modules imports this file too)
    sys.modules["torch"] = None   # the references here are NumPy's: skip PyTorch's slow import

from tinygrad_rnn import Tensor, nn  # noqa: E402
from tinygrad_rnn._kernels import activations, losses, scatter, softmax  # noqa: E402
from tinygrad_rnn.nn.recurrent import scan  # noqa: E402
from tinygrad_rnn.ops import unstack  # noqa: E402

import naive  # noqa: E402
from contract import DOCUMENTED, FUZZ, assert_same_values, outcome  # noqa: E402

FAR = st.sampled_from([10**9, -10**9, -1])
BAD_DTYPES = st.sampled_from([np.int64, np.bool_, np.float16, object])


def with_dtype(array, dtype):
    return array.astype(dtype)


@st.composite
def kernel_calls(draw):
    """(wrapper, arguments, reference or None, the name the error must contain)."""
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x = draw(st.sampled_from([0.5, -1.5, 2.0])) * np.arange(rows * cols, dtype=dtype).reshape(rows, cols) / 7
    targets = np.arange(rows) % cols
    wrong = draw(st.sampled_from(["nothing", "dtype", "size", "index"]))
    kind = draw(st.sampled_from(["tanh_backward", "relu_backward", "softmax_backward_rows",
                                 "log_softmax_backward_rows", "cross_entropy_rows",
                                 "cross_entropy_backward_rows", "scatter_add_rows", "tanh",
                                 "logsumexp_rows"]))
    gy = np.ones_like(x) if "rows" not in kind or "backward" in kind else None
    if kind.startswith("cross_entropy"):
        gy = np.ones(rows, dtype)
        if wrong == "index":
            targets[draw(st.integers(0, rows - 1))] = draw(FAR)
        args, name = [x, targets, -100] + ([gy] if "backward" in kind else []), "targets"
        if wrong == "dtype":
            args[0], name = with_dtype(x, draw(BAD_DTYPES)), "x"
        if wrong == "size":
            args[1] = targets[:-1] if rows > 1 else np.append(targets, 0)
        return getattr(losses, kind), args, getattr(naive, kind), name if wrong != "nothing" else None
    if kind == "scatter_add_rows":
        indices, shape = targets, (cols + 1, 2)
        values = np.ones((rows, 2), dtype)
        name = {"dtype": "values", "size": "values", "index": "indices", "nothing": None}[wrong]
        if wrong == "index":
            indices = indices.copy()
            indices[0] = draw(FAR)
        if wrong == "dtype":
            values = with_dtype(values, draw(BAD_DTYPES))
        if wrong == "size":
            values = np.ones((rows + 1, 2), dtype)
        return scatter.scatter_add_rows, [indices, values, shape], naive.scatter_add_rows, name
    module = activations if kind in ("tanh", "tanh_backward", "relu_backward") else softmax
    args = [x] if gy is None or kind in ("tanh", "logsumexp_rows") else [x, gy]
    name = None
    if wrong == "dtype":
        position = draw(st.integers(0, len(args) - 1))
        args[position] = with_dtype(args[position], draw(BAD_DTYPES))
        name = "gy" if position else ("x" if kind in ("tanh", "logsumexp_rows", "relu_backward") else "y")
    if wrong in ("size", "index"):
        args[-1], name = np.ones((rows * cols + 1,), dtype), "gy" if len(args) == 2 else "x"
        if len(args) == 1 and kind == "tanh":
            name = None   # any shape is fine for an elementwise kernel
    return getattr(module, kind), args, getattr(naive, kind), name


@settings(FUZZ, max_examples=200)   # each call takes microseconds
@given(call=kernel_calls())
def test_kernel_wrappers(call):
    wrapper, args, reference, name = call
    got = outcome(lambda: wrapper(*args))
    if name is None:
        assert_same_values(got, reference(*args), 1e-5)
    else:
        assert isinstance(got, DOCUMENTED) and name in str(got), f"{wrapper.__name__}: {got!r}"


CELLS = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}


@settings(FUZZ, max_examples=60)
@given(cell=st.sampled_from(sorted(CELLS)), T=st.integers(1, 3), N=st.integers(1, 3),
       wrong=st.sampled_from(["nothing", "batch", "features", "lengths", "dtype", "count"]),
       far=st.sampled_from([1, 1000, 100_000]))
def test_fused_sequences(cell, T, N, wrong, far):
    layer = CELLS[cell](2, 3, dtype=np.float64)
    x = Tensor(np.linspace(-1, 1, T * N * 2).reshape(T, N, 2))
    state, lengths, name = layer.initial_state(N), None, None
    if wrong == "batch":
        state, name = layer.initial_state(N + far), "state"
    if wrong == "features":
        x, name = Tensor(np.zeros((T, N, 2 + far))), "x"
    if wrong == "lengths":
        lengths, name = np.full(N, T + far), "lengths"
    if wrong == "dtype":
        state, name = tuple(Tensor(s.array.astype(np.float32)) for s in state), "dtype"
    if wrong == "count":
        state, name = state + state, "state"
    got = outcome(lambda: layer.sequence(x, state, lengths))
    if name is None:
        expected, final = scan(layer.step, unstack(x), state)
        assert_same_values(got[0].array, expected.array, 1e-12)
    else:
        assert isinstance(got, DOCUMENTED) and name in str(got), repr(got)


if __name__ == "__main__":
    test_kernel_wrappers()
    test_fused_sequences()
    print("no crash, every call as documented")
