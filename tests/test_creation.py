"""Creating tensors: PyTorch's dtype inference, shapes given either way, sharing or copying,
random draws seeded by ``manual_seed``. Each against NumPy (PyTorch's own results are in
tests/torch_api)."""

import numpy as np
import pytest

import tinygrad_rnn as tg


@pytest.mark.parametrize("data, dtype", [
    (3, np.int64), (2.5, np.float32), (True, np.bool_), ([1, 2], np.int64),
    ([1, 2.5], np.float32), ([[True, False]], np.bool_), (np.zeros(2, np.int32), np.int32),
    (np.zeros(2), np.float64), (np.float64(1.0), np.float64),
])
def test_tensor_infers_the_dtype_as_pytorch(data, dtype):
    t = tg.tensor(data)
    assert t.dtype == dtype and t.shape == np.shape(data) and not t.requires_grad
    np.testing.assert_array_equal(t.array, np.asarray(data))


def test_tensor_copies_from_numpy_shares_as_tensor_shares():
    array = np.zeros(3)
    copied, shared, viewed = tg.tensor(array), tg.from_numpy(array), tg.as_tensor(array)
    array[0] = 1.0
    assert copied.array[0] == 0.0 and shared.array[0] == 1.0 and viewed.array[0] == 1.0
    assert tg.as_tensor(shared) is shared and tg.as_tensor(shared, dtype=tg.float32) is not shared


def test_tensor_dtype_argument_converts_and_requires_grad_makes_a_leaf():
    t = tg.tensor([1, 2], dtype=tg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf


def test_python_floats_with_a_float64_dtype_are_not_rounded_through_float32():
    # NumPy's float64 parse of 0.1 and -1.2 is the reference (as torch.tensor(..., dtype=double))
    for make in (tg.tensor, tg.as_tensor):
        t = make([[0.1, -1.2]], dtype=tg.float64)
        assert t.dtype == np.float64
        np.testing.assert_array_equal(t.array, np.array([[0.1, -1.2]], dtype=np.float64))
    assert tg.tensor([0.1]).dtype == np.float32   # without dtype, PyTorch's default


def test_tensor_refuses_what_is_not_numbers():
    with pytest.raises(TypeError, match="expected numbers, bools or \\(nested\\) lists"):
        tg.tensor(["a"])
    with pytest.raises(TypeError, match="tensors hold float32, float64, int64, int32 or bool; "
                                        "got float16"):
        tg.tensor(np.zeros(2, np.float16))


@pytest.mark.parametrize("make, expected", [
    (lambda: tg.zeros(2, 3), np.zeros((2, 3), np.float32)),
    (lambda: tg.zeros((2, 3)), np.zeros((2, 3), np.float32)),
    (lambda: tg.ones([2], dtype=tg.long), np.ones(2, np.int64)),
    (lambda: tg.empty(0, 2), np.zeros((0, 2), np.float32)),
    (lambda: tg.full((2,), 7), np.full(2, 7, np.int64)),
    (lambda: tg.full((2,), 0.5), np.full(2, 0.5, np.float32)),
    (lambda: tg.full((1,), True), np.ones(1, np.bool_)),
    (lambda: tg.arange(4), np.arange(4, dtype=np.int64)),
    (lambda: tg.arange(1, 2, 0.25), np.arange(1, 2, 0.25, dtype=np.float32)),
    (lambda: tg.arange(5, dtype=tg.float64), np.arange(5, dtype=np.float64)),
    (lambda: tg.linspace(0, 1, 3), np.array([0.0, 0.5, 1.0], np.float32)),
    (lambda: tg.eye(2), np.eye(2, dtype=np.float32)),
    (lambda: tg.eye(2, 3, dtype=tg.int32), np.eye(2, 3, dtype=np.int32)),
    (lambda: tg.zeros_like(tg.tensor([1, 2])), np.zeros(2, np.int64)),
    (lambda: tg.ones_like(tg.zeros(2), dtype=tg.bool), np.ones(2, np.bool_)),
    (lambda: tg.full_like(tg.zeros(2, dtype=tg.float64), 3), np.full(2, 3.0)),
    (lambda: tg.FloatTensor([1, 2]), np.array([1.0, 2.0], np.float32)),
    (lambda: tg.DoubleTensor(2), np.zeros(2, np.float64)),
    (lambda: tg.LongTensor([[1], [2]]), np.array([[1], [2]], np.int64)),
])
def test_filled_and_ranged_tensors_match_numpy(make, expected):
    t = make()
    assert t.dtype == expected.dtype and t.shape == expected.shape
    np.testing.assert_array_equal(t.array, expected)


def test_requires_grad_on_creation_is_a_float_leaf():
    for t in (tg.zeros(2, requires_grad=True), tg.randn(2, requires_grad=True),
              tg.arange(3.0, requires_grad=True), tg.ones_like(tg.zeros(1), requires_grad=True)):
        assert t.requires_grad and t.is_leaf


def test_bad_sizes_are_a_clear_error():
    with pytest.raises(ValueError, match="zeros: sizes must be non-negative ints, got \\(2, -1\\)"):
        tg.zeros(2, -1)
    with pytest.raises(TypeError, match="randint: missing the size"):
        tg.randint(5)


def test_random_tensors_are_reproducible_after_manual_seed_and_in_range():
    def draw():
        tg.manual_seed(3)
        return (tg.rand(1000), tg.randn(1000, dtype=tg.float64), tg.randint(2, 5, (1000,)),
                tg.randint(3, size=(4,)), tg.randn_like(tg.zeros(2, 2)))
    first, second = draw(), draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.array, b.array)
    rand, randn, randint, low_default, like = first
    assert rand.dtype == np.float32 and 0 <= rand.array.min() and rand.array.max() < 1
    assert randn.dtype == np.float64 and abs(randn.array.mean()) < 0.15   # 5 standard errors
    assert 0.85 < randn.array.std() < 1.15
    assert randint.dtype == np.int64 and set(np.unique(randint.array)) == {2, 3, 4}
    assert low_default.array.min() >= 0 and low_default.array.max() < 3
    assert like.shape == (2, 2) and like.dtype == np.float32


def test_a_generator_argument_is_used_instead_of_the_global_one():
    a = tg.rand(3, generator=np.random.default_rng(0))
    b = tg.rand(3, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(a.array, b.array)


def test_creation_functions_are_exported_at_the_top_level():
    names = ["tensor", "from_numpy", "as_tensor", "zeros", "ones", "full", "empty", "arange",
             "linspace", "eye", "rand", "randn", "randint", "zeros_like", "ones_like",
             "randn_like", "full_like", "FloatTensor", "DoubleTensor", "LongTensor", "float32",
             "float", "float64", "double", "int64", "long", "int32", "int", "bool"]
    assert all(name in tg.__all__ for name in names)
    assert (tg.float, tg.double, tg.long, tg.int, tg.bool) == (
        np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.int32),
        np.dtype(np.bool_))
