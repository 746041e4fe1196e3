"""Tensor: the dtype rule, operators (reflected ones included) and the attribute API."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


# ---------------------------------------------------------------- dtype rule: what is accepted

@pytest.mark.parametrize("data, shape", [
    (2.5, ()), (3, ()), ([1, 2, 3], (3,)), ([[1.0, 2.0], [3.0, 4.0]], (2, 2)), ([], (0,)),
])
def test_python_scalars_and_lists_become_float32(data, shape):
    t = Tensor(data)
    assert t.dtype == F32
    assert t.shape == shape
    np.testing.assert_array_equal(t.array, np.asarray(data, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_and_numpy_scalars_keep_their_dtype(dtype):
    assert Tensor(np.ones((2, 3), dtype)).dtype == dtype
    assert Tensor(dtype(1.5)).dtype == dtype


@pytest.mark.parametrize("data", [2.0, [1.0, 2.0], np.ones(2, np.float32), np.ones(2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float64", F32])
def test_dtype_argument_converts(data, dtype):
    t = Tensor(data, dtype=dtype)
    assert t.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(t.array, np.asarray(data, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.int32, np.float16, bool, np.complex128])
def test_dtype_argument_rejects_non_float32_64(dtype):
    with pytest.raises(TypeError, match=np.dtype(dtype).name):
        Tensor([1.0], dtype=dtype)


# ---------------------------------------------------------------- dtype rule: what is refused

@pytest.mark.parametrize("data, named", [
    (np.arange(3), "int64"),
    (np.arange(3, dtype=np.int32), "int32"),
    (np.int64(3), "int64"),
    (np.array([True, False]), "bool"),
    (np.bool_(True), "bool"),
    (True, "bool"),
    (np.ones(2, np.float16), "float16"),
    (np.float16(1.0), "float16"),
    (np.array([1.0, None], dtype=object), "object"),
    (np.array(["a"]), "<U1"),
    ("abc", "str"),
    ([1.0, "a"], "list"),
    (object(), "object"),
    (1 + 2j, "complex"),
])
def test_unsupported_data_is_a_type_error_naming_what_was_given(data, named):
    with pytest.raises(TypeError, match=named):
        Tensor(data)


def test_none_is_a_type_error_not_a_nan():
    # BUG (reported): np.array(None, dtype=float32) is nan, so Tensor(None) is accepted.
    with pytest.raises(TypeError, match="None"):
        Tensor(None)
    with pytest.raises(TypeError, match="None"):
        Tensor([1.0, None])


def test_a_list_of_bools_is_refused_like_a_bool():
    # BUG (reported): Tensor(True) and Tensor(np.array([True])) are refused, but a list of
    # bools silently becomes [1.0, 0.0].
    with pytest.raises(TypeError, match="bool"):
        Tensor([True, False])


# ---------------------------------------------------------------- dtype rule: in operations

@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, lambda a, b: tg.maximum(a, b), lambda a, b: a @ b,
])
@pytest.mark.parametrize("float32_first", [True, False])
def test_float32_meeting_float64_gives_float64(op, float32_first):
    a = Tensor(np.full((2, 2), 1.5, np.float32), requires_grad=True)
    b = Tensor(np.full((2, 2), 0.5, np.float64), requires_grad=True)
    y = op(a, b) if float32_first else op(b, a)
    assert y.dtype == F64
    y.sum().backward()
    assert a.grad.dtype == F32 and b.grad.dtype == F64  # each leaf's grad keeps its dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", [
    lambda t: t * 2.0, lambda t: 2.0 * t, lambda t: t + 1, lambda t: 1 - t, lambda t: t / 3.0,
    lambda t: 3.0 / t, lambda t: t ** 2, lambda t: 2.0 ** t, lambda t: t * np.float64(2.0),
])
def test_a_python_scalar_takes_the_tensor_dtype(dtype, op):
    t = Tensor(np.array([1.0, 2.0], dtype))
    assert op(t).dtype == dtype


def test_python_scalar_arithmetic_values():
    t = Tensor(np.array([1.0, 2.0, 4.0]))
    np.testing.assert_allclose((10.0 - t).array, [9.0, 8.0, 6.0])
    np.testing.assert_allclose((8.0 / t).array, [8.0, 4.0, 2.0])
    np.testing.assert_allclose((2.0 ** t).array, [2.0, 4.0, 16.0])


# ---------------------------------------------------------------- reflected operators

@pytest.mark.parametrize("op, expected, expected_grad", [
    (lambda a, t: a + t, [3.0, 4.0, 5.0], [1.0, 1.0, 1.0]),
    (lambda a, t: a - t, [1.0, 0.0, -1.0], [-1.0, -1.0, -1.0]),
    (lambda a, t: a * t, [2.0, 4.0, 6.0], [2.0, 2.0, 2.0]),
    (lambda a, t: a / t, [2.0, 1.0, 2.0 / 3.0], [-2.0, -0.5, -2.0 / 9.0]),
])
def test_numpy_array_on_the_left_returns_a_tensor_with_gradient(op, expected, expected_grad):
    t = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = op(np.full(3, 2.0), t)
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(y.array, expected)
    y.sum().backward()
    np.testing.assert_allclose(t.grad, expected_grad)


def test_numpy_ones_plus_and_times_tensor_return_tensors():
    t = Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    assert isinstance(np.ones(3) + t, Tensor)
    assert isinstance(np.ones(3) * t, Tensor)
    assert (np.ones(3) * t).dtype == F64  # the array is float64: NumPy's promotion


def test_numpy_array_matmul_tensor_returns_a_tensor():
    t = Tensor(np.eye(2))
    y = np.array([[1.0, 2.0], [3.0, 4.0]]) @ t
    assert isinstance(y, Tensor)
    np.testing.assert_array_equal(y.array, [[1.0, 2.0], [3.0, 4.0]])


# ---------------------------------------------------------------- attributes

def test_shape_dtype_ndim_size_dim_numel():
    t = Tensor(np.zeros((2, 3, 4)))
    assert (t.shape, t.dtype, t.ndim, t.size(), t.size(1), t.size(-1), t.dim(), t.numel()) == (
        (2, 3, 4), F64, 3, (2, 3, 4), 3, 4, 3, 24)
    s = Tensor(1.0)
    assert (s.shape, s.ndim, s.size(), s.numel()) == ((), 0, (), 1)
    with pytest.raises(IndexError, match="out of range"):
        t.size(3)


def test_new_tensor_has_no_grad_and_requires_none_by_default():
    t = Tensor([1.0])
    assert t.grad is None and t.requires_grad is False
    assert Tensor([1.0], requires_grad=True).requires_grad is True


def test_constructor_copies_its_input_array():
    source = np.array([1.0, 2.0, 3.0])
    t = Tensor(source)
    assert not np.shares_memory(t.array, source)
    source[0] = 99.0
    assert t.array[0] == 1.0


def test_numpy_returns_a_copy():
    t = Tensor(np.array([1.0, 2.0]))
    values = t.numpy()
    assert isinstance(values, np.ndarray) and values.dtype == F64
    values[0] = 99.0
    assert t.array[0] == 1.0


@pytest.mark.parametrize("data", [3.5, [3.5], [[3.5]]])
def test_item_of_a_single_element_is_a_python_float(data):
    value = Tensor(data, dtype=np.float64).item()
    assert type(value) is float and value == 3.5


@pytest.mark.parametrize("data", [[1.0, 2.0], np.zeros((0,)), np.zeros((2, 2))])
def test_item_of_more_or_fewer_than_one_element_raises(data):
    with pytest.raises(ValueError, match="one element"):
        Tensor(data).item()


def test_detach_cuts_the_graph_and_shares_values():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert d.requires_grad is False and d.op is None and d.grad is None
    assert np.shares_memory(d.array, y.array)
    assert y.op == "Mul"  # the original keeps its graph
    z = d * 2.0
    assert z.requires_grad is False and z.op is None


def test_requires_grad_underscore_sets_the_flag_in_place_and_returns_self():
    t = Tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad is True
    (t * 2.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 2.0])
    assert t.requires_grad_(False) is t and t.requires_grad is False


def test_requires_grad_false_on_a_non_leaf_raises():
    y = Tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_op_names_the_operation_or_is_none_for_a_leaf():
    x = Tensor([1.0], requires_grad=True)
    assert x.op is None
    assert (x * 2.0).op == "Mul"
    assert x.exp().op == "Exp"


def test_repr_shows_shape_dtype_and_op():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    text = repr(x.tanh())
    assert "(2, 3)" in text and "float32" in text and "Tanh" in text
    leaf = repr(x)
    assert "(2, 3)" in leaf and "float32" in leaf and "requires_grad=True" in leaf
    assert "float64" in repr(Tensor(np.zeros(4)))


def test_len_is_the_first_dimension_and_refused_for_0d():
    assert len(Tensor(np.zeros((5, 2)))) == 5
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_a_tensor_keeps_attributes_of_the_users_own():
    t = tg.Tensor([1.0, 2.0])
    t.label = "weights"
    assert t.label == "weights" and (t * 2).requires_grad is False


def test_comparisons_return_boolean_tensors_without_graph():
    t = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    mask = t > 1.5
    assert isinstance(mask, Tensor) and mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal(mask, [False, True, True])
    assert {t: 1}[t] == 1  # still hashable despite elementwise ==
