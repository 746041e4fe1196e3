"""The engine: backward's contract, graph lifetime, grad mode and the Function extension API."""

import sys

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Function, Tensor, enable_grad, is_grad_enabled, no_grad

from helpers import Square


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class TwoAndThree(Function):
    """Two outputs, (2x, 3x); records the upstream gradients it receives."""

    received = []

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, gy0, gy1):
        TwoAndThree.received.append((gy0.copy(), gy1.copy()))
        return 2 * gy0 + 3 * gy1


# ---------------------------------------------------------------- the upstream gradient

@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_implicit_gradient_of_one_for_a_single_element_tensor(shape):
    x = leaf(np.full(shape, 3.0))
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, np.full(shape, 6.0))


def test_implicit_gradient_refused_for_several_elements():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"single-element.*\(2,\).*grad="):
        (x * 2.0).backward()
    assert x.grad is None


def test_explicit_gradient_is_the_vector_in_the_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(grad=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 40.0, 600.0])


def test_explicit_gradient_may_be_a_tensor():
    x = leaf([1.0, 2.0])
    (x * 3.0).backward(Tensor(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])


@pytest.mark.parametrize("bad_shape", [(3,), (2, 1), (1, 2), ()])
def test_explicit_gradient_of_the_wrong_shape_raises(bad_shape):
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape"):
        (x * 2.0).backward(np.ones(bad_shape))
    assert x.grad is None


def test_backward_of_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


# ---------------------------------------------------------------- deep graphs

def test_10000_step_chain_backpropagates_iteratively_with_the_right_gradient():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(500)  # a recursive backward would fail far sooner than 20,000 nodes
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    np.testing.assert_allclose(x.grad, [1.0001 ** 10_000], rtol=1e-10)


def test_10000_step_tanh_chain_gives_the_product_of_derivatives():
    x = leaf([0.5])
    y, expected, value = x, 1.0, 0.5
    for _ in range(10_000):
        y = y.tanh()
        value = np.tanh(value)
        expected *= 1.0 - value * value
    y.backward()
    np.testing.assert_allclose(x.grad, [expected], rtol=1e-9)


# ---------------------------------------------------------------- accumulation and graph lifetime

def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    assert x.grad is None


def test_second_backward_through_a_freed_graph_names_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # the failed call added nothing


def test_retain_graph_allows_a_second_backward_that_doubles_the_gradient():
    x = leaf([1.0, 2.0])
    y = (x * x).tanh().sum()
    y.backward(retain_graph=True)
    first = x.grad.array.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_a_shared_subgraph_is_freed_by_the_first_loss():
    x = leaf([1.0])
    h = x.exp()
    first, second = h * 2.0, h * 3.0
    first.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        second.backward()


# ---------------------------------------------------------------- graph shapes

def test_tensor_used_twice_in_one_op_sums_both_gradients():
    x = leaf([3.0])
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [6.0])


def test_diamond_graph_sums_the_gradients_of_both_paths():
    x = leaf([0.3, -0.7])
    h = x * x           # dh/dx = 2x
    y = (h.tanh() + h.exp() * h).sum()
    y.backward()
    hv = x.array ** 2
    expected = ((1 - np.tanh(hv) ** 2) + np.exp(hv) * hv + np.exp(hv)) * 2 * x.array
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_broadcast_input_gets_a_gradient_of_its_own_shape():
    a = leaf(np.ones((3, 1)))
    b = leaf(np.ones((1, 4)))
    (a * b + a).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0 + 4.0))
    np.testing.assert_array_equal(b.grad, np.full((1, 4), 3.0))


def test_multi_output_function_gives_zeros_to_the_unused_output():
    TwoAndThree.received.clear()
    x = leaf([1.0, 2.0])
    doubled, tripled = TwoAndThree.apply(x)
    doubled.sum().backward()
    ((gy0, gy1),) = TwoAndThree.received
    np.testing.assert_array_equal(gy0, [1.0, 1.0])
    np.testing.assert_array_equal(gy1, [0.0, 0.0])
    assert gy1.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_multi_output_function_sums_both_outputs_when_both_are_used():
    x = leaf([1.0, 2.0])
    doubled, tripled = TwoAndThree.apply(x)
    (doubled * tripled).sum().backward()  # 6 x^2
    np.testing.assert_array_equal(x.grad, 12 * x.array)


# ---------------------------------------------------------------- grad mode

def test_no_grad_context_records_nothing():
    x = leaf([1.0])
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2.0
    assert y.requires_grad is False and y.op is None
    assert is_grad_enabled()
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_decorator_records_nothing():
    @no_grad()
    def double(t):
        assert not is_grad_enabled()
        return t * 2.0

    y = double(leaf([1.0]))
    assert y.requires_grad is False and y.op is None
    assert is_grad_enabled()


def test_enable_grad_inside_no_grad_records_again():
    x = leaf([1.0])
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * 2.0
        assert not is_grad_enabled()
        z = x * 2.0
    assert y.requires_grad and y.op == "Mul"
    assert not z.requires_grad
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0])


def test_enable_grad_as_decorator_inside_no_grad():
    @enable_grad()
    def double(t):
        return t * 2.0

    with no_grad():
        y = double(leaf([1.0]))
    assert y.op == "Mul"


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("inside")
    assert is_grad_enabled()

    @no_grad()
    def fails():
        raise ValueError("inside")

    with pytest.raises(ValueError):
        fails()
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(KeyError):
            with enable_grad():
                raise KeyError("inside")
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_decorator_on_a_recursive_function_restores_grad_mode():
    # BUG (reported): the decorator reuses one context object, whose single `previous`
    # slot is overwritten by the inner call; leaving the outer call then restores
    # "disabled" and grad mode stays off for the rest of the program.
    @no_grad()
    def depth(n):
        return 0 if n == 0 else 1 + depth(n - 1)

    try:
        assert depth(3) == 3
        assert is_grad_enabled()
    finally:
        tg.autograd._state.grad_enabled = True  # keep the failure from leaking into other tests


def test_no_grad_backward_still_works_for_a_graph_built_outside():
    x = leaf([2.0])
    y = x * x
    with no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad, [4.0])


# ---------------------------------------------------------------- the Function API

def test_needs_input_grad_marks_the_inputs_that_require_grad():
    seen = []

    class Record(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx, gy):
            seen.append(ctx.needs_input_grad)
            return (gy if ctx.needs_input_grad[0] else None,
                    gy if ctx.needs_input_grad[1] else None)

    x, c = leaf([1.0]), Tensor(np.array([2.0]))
    Record.apply(x, c).backward()
    Record.apply(c, x).backward()
    Record.apply(x, 5.0).backward()  # a non-tensor input is a constant
    with no_grad():
        Record.apply(x, x)
    assert seen == [(True, False), (True, False), (False, True), (False, True),
                    (True, False), (True, False), (True, True)]
    np.testing.assert_array_equal(x.grad, [3.0])


def test_custom_function_works_end_to_end():
    x = leaf([1.0, -2.0, 3.0])
    y = Square.apply(x)
    assert y.op == "Square" and y.requires_grad
    np.testing.assert_array_equal(y.array, [1.0, 4.0, 9.0])
    (Square.apply(y) * 1.0).sum().backward()  # x^4
    np.testing.assert_array_equal(x.grad, 4 * x.array ** 3)


def test_custom_function_mixes_with_built_in_ops():
    x = leaf([0.5, 1.5])
    (Square.apply(x.tanh()) + x).sum().backward()
    t = np.tanh(x.array)
    np.testing.assert_allclose(x.grad, 2 * t * (1 - t * t) + 1, rtol=1e-12)


def test_backward_of_the_wrong_shape_is_a_runtime_error_naming_the_op():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, gy):
            return gy  # should be broadcast back to the input's shape

    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"BadShape.*\(\).*\(2,\)"):
        BadShape.apply(x).backward()


def test_a_gradient_of_another_type_or_dtype_becomes_an_array_of_the_input_dtype():
    class Loose(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, gy):
            return (gy * 3).astype(np.float64).tolist()  # a list, of float64 values

    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    Loose.apply(Loose.apply(x)).sum().backward()
    assert type(x.grad.array) is np.ndarray and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])


def test_backward_returning_too_few_gradients_names_the_op():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, gy):
            return gy

    with pytest.raises(RuntimeError, match="TooFew.*1 gradients for 2 inputs"):
        TooFew.apply(leaf([1.0]), leaf([2.0])).backward()


def test_backward_runs_without_recording_a_graph():
    modes = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, gy):
            modes.append(is_grad_enabled())
            return gy

    Spy.apply(leaf([1.0])).backward()
    assert modes == [False]
    assert is_grad_enabled()


# ---------------------------------------------------------------- invariants

@pytest.mark.parametrize("make", [
    lambda x: x + 0.0,
    lambda x: x * 1.0,
    lambda x: x.reshape(2, 3),
    lambda x: x.T,
    lambda x: x[:, :],
    lambda x: x.sum(axis=0, keepdims=True).broadcast_to((3, 2)).reshape(3, 2),
    lambda x: x.tanh(),
    lambda x: tg.stack([x, x], 1),
], ids=["add", "mul", "reshape", "transpose", "getitem", "sum-broadcast", "tanh", "stack"])
def test_gradients_do_not_alias_upstream_grad_or_data_and_nothing_is_mutated(make):
    data = np.arange(6.0).reshape(3, 2) / 10
    x = Tensor(data, requires_grad=True)
    y = make(x)
    upstream = np.linspace(1.0, 2.0, y.numel()).reshape(y.shape)
    kept = upstream.copy()
    y.backward(upstream)
    assert not np.shares_memory(x.grad.array, upstream)
    assert not np.shares_memory(x.grad.array, x.array)
    assert not np.shares_memory(x.grad.array, y.array)
    np.testing.assert_array_equal(upstream, kept)    # upstream gradient not mutated
    np.testing.assert_array_equal(x.array, data)      # input not mutated
    before = y.array.copy()
    x.grad += 1.0  # .grad is the caller's own, writable array
    np.testing.assert_array_equal(upstream, kept)
    np.testing.assert_array_equal(y.array, before)


def test_leaf_backward_copies_the_upstream_gradient():
    x = leaf([1.0, 2.0])
    upstream = np.array([5.0, 6.0])
    x.backward(upstream)
    assert not np.shares_memory(x.grad.array, upstream)
    x.backward(upstream)
    np.testing.assert_array_equal(upstream, [5.0, 6.0])
    np.testing.assert_array_equal(x.grad, [10.0, 12.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaf_grad_has_the_dtype_and_shape_of_its_data(dtype):
    w = Tensor(np.ones((2, 3), dtype), requires_grad=True)
    b = Tensor(np.ones((3,), dtype), requires_grad=True)
    other = Tensor(np.ones((2, 3)))  # float64, promotes the forward
    ((w * other + b).sum() * 2.0).backward()
    assert w.grad.shape == w.shape and w.grad.dtype == dtype
    assert b.grad.shape == b.shape and b.grad.dtype == dtype
    np.testing.assert_array_equal(b.grad, np.full(3, 4.0))


def test_gradient_reaches_only_leaves_that_require_it():
    x, c = leaf([1.0]), Tensor(np.array([2.0]))
    y = x * c
    (y * y).backward()
    assert c.grad is None and y.grad is None
    np.testing.assert_array_equal(x.grad, [8.0])


def test_a_result_used_at_two_depths_gets_every_contribution_first():
    # f feeds the root directly and through f * h: backward must finish both paths into f
    # before applying f's own backward (a topological order that marks nodes visited when
    # they are pushed, not expanded, gets this wrong).
    a = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    h = np.array([1.5, 2.0])
    f = tg.sigmoid(a)
    (f * (f * h)).sum().backward()
    s = 1 / (1 + np.exp(-a.array))
    np.testing.assert_allclose(a.grad, 2 * s * h * s * (1 - s), rtol=1e-12)
