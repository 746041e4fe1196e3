"""PyTorch's tensor API: the same small programs under ``torch`` and ``tinygrad_rnn`` agree
(with PyTorch's results committed in ``golden.json``, and live when PyTorch is installed),
and each deliberate difference or misuse raises a clear error."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from torch_api_cases import CASES

GOLDEN = json.loads((Path(__file__).with_name("golden.json")).read_text())


def assert_same(ours: dict, theirs: dict):
    assert set(ours) == set(theirs)
    for name, expected in theirs.items():
        assert ours[name].dtype == expected.dtype, name
        assert ours[name].shape == expected.shape, name
        np.testing.assert_allclose(ours[name], expected, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_program_matches_pytorch_golden_values(case):
    golden = {name: np.array(v["values"], dtype=v["dtype"]).reshape(v["shape"])
              for name, v in GOLDEN[case].items()}
    assert_same(CASES[case](tg), golden)


@pytest.mark.parametrize("case", sorted(CASES))
def test_program_matches_pytorch_live(case):
    torch = pytest.importorskip("torch")
    assert_same(CASES[case](tg), CASES[case](torch))


# ---------------------------------------------------------------- gradients as PyTorch

def test_grad_is_a_leaf_tensor_and_manual_sgd_works_under_no_grad():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, tg.Tensor) and w.grad.is_leaf and not w.grad.requires_grad
    with tg.no_grad():
        w -= 0.25 * w.grad
        w *= 2.0
        w /= 4.0
        w += 1.0
    np.testing.assert_array_equal(w.array, [1.25, 0.5])   # ((w - 0.25 * 2w) * 2) / 4 + 1
    assert w.requires_grad and w.is_leaf
    w.grad.zero_()
    np.testing.assert_array_equal(w.grad.array, [0.0, 0.0])


def test_in_place_on_a_leaf_requiring_grad_raises_pytorchs_error():
    w = tg.tensor([1.0], requires_grad=True)
    for update in (lambda: w.__iadd__(1.0), lambda: w.__isub__(1.0), lambda: w.__imul__(2.0),
                   lambda: w.__itruediv__(2.0), w.zero_):
        with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being "
                                               r"used in an in-place operation\.$"):
            update()
    np.testing.assert_array_equal(w.array, [1.0])


def test_in_place_inside_a_graph_raises_saying_what_to_write():
    w = tg.tensor([1.0], requires_grad=True)
    h = w * 2
    with pytest.raises(RuntimeError, match="write x = x \\+ y"):
        h += 1.0
    total = tg.zeros(1)
    with pytest.raises(RuntimeError, match="in-place arithmetic on a tensor in a graph"):
        total += h


def test_in_place_on_a_constant_changes_it_and_keeps_its_dtype():
    count = tg.tensor(0)
    count += (tg.tensor([1.0, 2.0]) > 1.5).sum()
    assert count.item() == 1 and count.dtype == np.int64
    with pytest.raises(TypeError):   # as PyTorch: a float result cannot go into an int tensor
        count += 0.5


def test_item_assignment_fills_a_constant_as_in_the_name_classifier_tutorial():
    line = tg.zeros(3, 1, 4)
    for position, letter in enumerate([2, 0, 3]):
        line[position][0][letter] = 1   # chained indexing writes through, as in PyTorch
    line[tg.tensor([0])] += 0.5
    expected = np.zeros((3, 1, 4), np.float32)
    expected[[0, 1, 2], 0, [2, 0, 3]] = 1
    expected[0] += 0.5
    np.testing.assert_array_equal(line.array, expected)
    w = tg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w[0] = 1.0
    with tg.no_grad():
        w[tg.tensor([True, False])] = 2.0
    np.testing.assert_array_equal(w.array, [2.0, 0.0])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_sets_none_or_zeros(set_to_none):
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = tg.optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    grad = w.grad
    optimizer.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert w.grad is None
    else:
        assert w.grad is grad
        np.testing.assert_array_equal(w.grad.array, [0.0, 0.0])
    optimizer.zero_grad()   # PyTorch's default: set_to_none=True
    assert w.grad is None


def test_set_grad_enabled_as_a_function_and_as_a_context_manager():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    tg.set_grad_enabled(False)
    try:
        assert not tg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    with tg.no_grad(), tg.set_grad_enabled(True):
        assert (x * 2).requires_grad
    assert tg.is_grad_enabled()


def test_grad_assignment_checks_the_shape():
    w = tg.tensor([1.0, 2.0])
    w.grad = np.array([0.5, 0.5], np.float32)
    assert isinstance(w.grad, tg.Tensor)
    with pytest.raises(ValueError, match="gradient of shape \\(3,\\) to a tensor of shape \\(2,\\)"):
        w.grad = tg.zeros(3)


def test_float_cast_is_differentiable_and_returns_the_gradient_in_the_input_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * tg.tensor([3.0, 4.0], dtype=tg.float64)
    assert y.dtype == np.float64 and y.op == "Mul"
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array, [3.0, 4.0])
    assert not x.long().requires_grad and x.to(tg.float32) is x


# ---------------------------------------------------------------- dtypes and devices

def test_integer_and_boolean_tensors_never_require_grad():
    for make in (lambda: tg.tensor([1, 2], requires_grad=True),
                 lambda: tg.zeros(2, dtype=tg.long, requires_grad=True),
                 lambda: tg.tensor([True]).requires_grad_()):
        with pytest.raises(RuntimeError, match="only float tensors can require gradients.*"
                                               "\\.float\\(\\)"):
            make()


@pytest.mark.parametrize("call", [
    lambda: tg.zeros(2, device="cuda"), lambda: tg.tensor([1.0], device="cuda:0"),
    lambda: tg.ones(1).to("cuda"), lambda: tg.randn(2, device="mps"), lambda: tg.device("cuda"),
])
def test_a_device_other_than_the_cpu_says_the_project_runs_on_the_cpu(call):
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        call()


def test_cpu_device_is_accepted_everywhere():
    device = tg.device("cpu")
    x = tg.zeros(2, device=device).to(device)
    assert x.device == "cpu" and x.cpu() is x and x.to("cpu") is x
    assert tg.tensor([1], device="cpu").to(device="cpu", dtype=tg.float32).dtype == np.float32


def test_bad_dtype_is_a_clear_error():
    with pytest.raises(TypeError, match="dtype must be one of float32, float64, int64, int32, "
                                        "bool; got 'complex64'"):
        tg.zeros(2, dtype="complex64")


def test_type_names_and_legacy_types():
    assert tg.zeros(1).type() == "tinygrad_rnn.FloatTensor"
    assert tg.tensor([1]).type() == "tinygrad_rnn.LongTensor"
    assert tg.zeros(1).type(tg.LongTensor).dtype == np.int64
    assert tg.LongTensor(2, 3).shape == (2, 3) and tg.LongTensor(2, 3).dtype == np.int64


# ---------------------------------------------------------------- shapes and names

def test_T_is_for_at_most_two_dims_and_names_the_alternatives():
    with pytest.raises(ValueError, match="use .mT .* or .permute"):
        tg.zeros(2, 3, 4).T
    with pytest.raises(ValueError, match="at least 2 dims"):
        tg.zeros(3).mT


def test_transpose_needs_both_dims():
    with pytest.raises(TypeError):
        tg.zeros(2, 3).transpose()


def test_max_with_dim_unpacks_values_and_argmax_indices():
    # The silent wrong answer of the issue: unpacking must give (values, indices) along dim 1.
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(1)
    np.testing.assert_array_equal(values.array, [5.0, 7.0])
    np.testing.assert_array_equal(indices.array, [1, 0])
    assert indices.dtype == np.int64 and x.max().shape == ()


def test_max_with_dim_sends_the_gradient_to_the_first_maximum_amax_shares_it():
    x = tg.tensor([[2.0, 2.0, 1.0]], requires_grad=True)
    x.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[1.0, 0.0, 0.0]])
    x.grad = None
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[0.5, 0.5, 0.0]])


def test_max_over_several_dims_points_to_amax():
    with pytest.raises(TypeError, match="for the maximum over several dims use amax"):
        tg.zeros(2, 3).max(dim=(0, 1))
    with pytest.raises(TypeError, match="for the minimum over several dims use amin"):
        tg.zeros(2, 3).min(axis=(0, 1))


def test_numpy_names_stay_as_aliases():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).array, [[3.0], [12.0]])
    np.testing.assert_array_equal(tg.amax(x, axis=0).array, [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(tg.cat([x, x], axis=1).shape, (2, 6))
    with pytest.raises(TypeError, match="dim= or its alias axis=, not both"):
        x.sum(dim=0, axis=0)


def test_gather_and_topk_errors_name_what_was_expected():
    x = tg.zeros(2, 3)
    with pytest.raises(ValueError, match="gather: index must be an integer tensor with 2 dims"):
        x.gather(1, tg.tensor([0, 1]))
    with pytest.raises(IndexError, match="gather: index out of range for dim 1 of size 3"):
        x.gather(1, tg.tensor([[3]]))
    with pytest.raises(ValueError, match="topk: k=4 is out of range"):
        x.topk(4)


def test_multinomial_is_seeded_by_manual_seed_and_respects_replacement():
    probs = tg.tensor([[0.0, 1.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    tg.manual_seed(5)
    first = tg.multinomial(probs, 2)
    tg.manual_seed(5)
    again = probs.multinomial(2)
    np.testing.assert_array_equal(first.array, again.array)
    assert first.shape == (2, 2) and first.dtype == np.int64
    assert set(first.array[0]) == {1, 2}   # without replacement: the two nonzero categories
    assert all(len(set(row)) == 2 for row in first.array)
    draws = tg.multinomial(tg.tensor([1.0, 3.0]), 4000, replacement=True).array
    assert abs(draws.mean() - 0.75) < 0.03   # P(1) = 3/4; the standard error is 0.007
    with pytest.raises(ValueError, match="without replacement"):
        tg.multinomial(tg.tensor([1.0, 0.0]), 2)


# ---------------------------------------------------------------- checkpoints the PyTorch way

def test_save_state_dict_then_load_state_dict_of_load(tmp_path):
    model = tg.nn.Linear(3, 2)
    path = tmp_path / "model.safetensors"
    tg.save(model.state_dict(), path)
    other = tg.nn.Linear(3, 2)
    other.load_state_dict(tg.load(path))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(other.state_dict()[name]), np.asarray(value))
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]   # atomic: no leftovers


def test_save_with_a_state_dict_first_needs_a_path_second(tmp_path):
    with pytest.raises(TypeError, match="the second argument must be the path"):
        tg.save({"w": np.zeros(1)}, None)
    # a nested dict is an object, saved whole (as PyTorch does)
    tg.save({"model": {"w": np.zeros(1)}, "epoch": 3}, tmp_path / "nested.safetensors")
    assert tg.load(tmp_path / "nested.safetensors")["epoch"] == 3


# ---------------------------------------------------------------- clear errors

@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.zeros(2, 3).flatten(1, 0), ValueError, "flatten: start_dim 1 comes after end_dim 0"),
    (lambda: tg.zeros(2, 3).expand(3), ValueError, "expand: 1 sizes for a tensor of 2 dims"),
    (lambda: tg.zeros(2, 3).repeat(2), ValueError, "repeat: 1 repeats for a tensor of 2 dims"),
    (lambda: tg.zeros(2, 3).unsqueeze(), TypeError, "unsqueeze: missing the dim"),
    (lambda: tg.zeros(2, 3).squeeze(dim=0, axis=0), TypeError, "dim= or its alias axis="),
    (lambda: tg.zeros(2, 3)[tg.tensor([0.5])], TypeError, "must hold integers or bools"),
    (lambda: tg.zeros(2, 3).gather(1, tg.tensor([[0], [1], [2]])), ValueError,
     "index of shape \\(3, 1\\) is larger than the input \\(2, 3\\) outside dim 1"),
    (lambda: tg.zeros(2, 0).sort(dim=1), ValueError, "sort: dim 1 has length 0"),
    (lambda: tg.zeros(2, 3).topk(1, dim=(0, 1)), TypeError, "topk: dim must be an int"),
    (lambda: tg.zeros(0).argmax(), ValueError, "argmax: cannot reduce an empty tensor"),
    (lambda: tg.zeros(2).masked_fill(tg.ones(2, 2).bool(), 0.0), ValueError,
     "masked_fill: mask of shape \\(2, 2\\) does not broadcast to the input's shape \\(2,\\)"),
    (lambda: tg.zeros(2) & tg.tensor([True, False]), TypeError, "expects boolean or integer"),
    (lambda: tg.multinomial(tg.zeros(2, 2, 2), 1), ValueError, "expected 1-D or 2-D weights"),
    (lambda: tg.multinomial(tg.tensor([1.0, -1.0]), 1), ValueError, "non-negative"),
    (lambda: tg.from_numpy([1.0]), TypeError, "from_numpy: expected an np.ndarray, got list"),
    (lambda: tg.zeros_like(np.zeros(2)), TypeError, "zeros_like: expected a Tensor, got ndarray"),
    (lambda: bool(tg.zeros(2)), RuntimeError, "truth value of a tensor of shape \\(2,\\)"),
    (lambda: [0, 1][tg.tensor([0.0])], TypeError, "only an integer tensor with one element"),
    (lambda: tg.Tensor(tg.tensor([1])), TypeError, "expected a float32 or float64 array"),
])
def test_misuse_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_python_number_conversions_and_numpy_interop():
    x = tg.tensor([2.5])
    assert float(x) == 2.5 and int(x) == 2 and bool(x) and [10, 20, 30][tg.tensor(1)] == 20
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(x, copy=True), x.array)
    assert x.to(copy=True) is not x and x.to(tg.zeros(1, dtype=tg.float64)).dtype == np.float64
    sorted_scalar = tg.tensor(3.0).sort()
    assert sorted_scalar.values.item() == 3.0 and sorted_scalar.indices.item() == 0
    assert tg.zeros(2, 3).flatten().shape == (6,) and tg.tensor(1.0).flatten().shape == (1,)
