"""How tensors print: PyTorch's ``print(t)`` (committed strings, and PyTorch's own output
when it is installed), and a repr that names dtype, shape and the op that made it."""

import re

import numpy as np
import pytest

import tinygrad_rnn as tg

# (expression run under both names, what PyTorch prints): the committed golden strings.
CASES = [
    ("lib.tensor([1.0, 2.0, 3.0])", "tensor([1., 2., 3.])"),
    ("lib.tensor([[1.0, 2.5], [-3.0, 0.125]])",
     "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  0.1250]])"),
    ("lib.tensor(2.5)", "tensor(2.5000)"),
    ("lib.tensor([1, 2, 3])", "tensor([1, 2, 3])"),
    ("lib.tensor([True, False])", "tensor([ True, False])"),
    ("lib.tensor([[True], [True]])", "tensor([[True],\n        [True]])"),
    ("lib.tensor([False])", "tensor([False])"),
    ("lib.tensor([0.5], dtype=lib.float64)", "tensor([0.5000], dtype=float64)"),
    ("lib.tensor([1, 2], dtype=lib.int32)", "tensor([1, 2], dtype=int32)"),
    ("lib.tensor([1.0, 2.0], requires_grad=True)", "tensor([1., 2.], requires_grad=True)"),
    ("lib.zeros(2, 0)", "tensor([], size=(2, 0))"),
    ("lib.zeros(0)", "tensor([])"),
    ("lib.tensor([1e-5, 1.0])", "tensor([1.0000e-05, 1.0000e+00])"),
    ("lib.tensor([4327858.5])", "tensor([4327858.5000])"),
    ("lib.tensor([2e9, -3.0])", "tensor([ 2.0000e+09, -3.0000e+00])"),
    ("lib.tensor([123456.0, 7.0])", "tensor([1.2346e+05, 7.0000e+00])"),
    ("lib.tensor([float('nan'), 2.0, -float('inf')])", "tensor([nan, 2., -inf])"),
    ("lib.tensor([[1.0, 2.0], [3.0, 4.0]]) * 1e5",
     "tensor([[100000., 200000.],\n        [300000., 400000.]])"),
    ("lib.tensor([0.0, -0.0, 1.5])", "tensor([0.0000, -0.0000, 1.5000])"),
    ("lib.tensor([-0.3591, -0.3388, -2.4185, -0.0762], dtype=lib.float64, requires_grad=True)",
     "tensor([-0.3591, -0.3388, -2.4185, -0.0762], dtype=float64, requires_grad=True)"),
    ("lib.tensor([-3591.5, -3388.25, -24185.0, -762.0, 2500.0], requires_grad=True) * 1.0",
     "tensor([ -3591.5000,  -3388.2500, -24185.0000,   -762.0000,   2500.0000],\n"
     "       grad_fn=<MulBackward>)"),
    # The values of max, min, sort and topk along a dim are recorded under the op's name.
    ("lib.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True).max(1)[0]",
     "tensor([5., 7.], grad_fn=<MaxBackward>)"),
    ("lib.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True).min(1)[0]",
     "tensor([1., 0.], grad_fn=<MinBackward>)"),
    ("lib.tensor([3.0, 1.0, 2.0], requires_grad=True).sort()[0]",
     "tensor([1., 2., 3.], grad_fn=<SortBackward>)"),
    ("lib.tensor([3.0, 1.0, 2.0], requires_grad=True).topk(2)[0]",
     "tensor([3., 2.], grad_fn=<TopkBackward>)"),
    ("lib.tensor([[1.0, 5.0], [7.0, 0.0]], requires_grad=True).amax(1)",
     "tensor([5., 7.], grad_fn=<AmaxBackward>)"),
]


def ours(torch_text: str) -> str:
    """Our spelling of PyTorch's strings: ``dtype=float64``, ``<MulBackward>``."""
    return re.sub(r"Backward\d+>", "Backward>", torch_text.replace("dtype=torch.", "dtype="))


@pytest.mark.parametrize("expression, expected", CASES)
def test_str_prints_values_as_pytorch(expression, expected):
    assert str(eval(expression, {"lib": tg})) == expected


@pytest.mark.parametrize("expression, expected", CASES)
def test_golden_strings_are_what_pytorch_prints(expression, expected):
    torch = pytest.importorskip("torch")
    printed = str(eval(expression, {"lib": torch}))
    if "dtype=" not in expected:   # "dtype=torch.float64" is longer and may wrap elsewhere
        assert ours(printed) == expected


def test_random_tensors_print_as_pytorch_prints_them():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(300):
        shape = tuple(rng.integers(1, 5, rng.integers(0, 4)))   # rows short enough not to wrap
        a = (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 10)).astype(np.float32)
        if rng.random() < 0.3:
            a = np.round(a)
        a.flat[0] = rng.choice([a.flat[0], np.nan, -np.inf, 0.0])
        requires_grad = bool(rng.random() < 0.3)
        assert str(tg.tensor(a, requires_grad=requires_grad)) == ours(
            str(torch.tensor(a, requires_grad=requires_grad))), a


def test_large_tensors_are_summarised_with_three_items_at_each_end():
    assert str(tg.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    assert str(tg.zeros(1000)).count("...") == 0 and str(tg.zeros(1001)).count("...") == 1
    rows = str(tg.zeros(100, 100)).splitlines()
    assert rows[0] == "tensor([[0., 0., 0.,  ..., 0., 0., 0.],"
    assert len(rows) == 7 and rows[3] == "        ...,"   # 3 rows, ..., 3 rows


def test_summarised_tensors_print_as_pytorch_prints_them():
    torch = pytest.importorskip("torch")
    for expression in ("lib.arange(2000)", "lib.zeros(100, 100)",
                       "lib.arange(3000).view(3, 1000) / 7"):
        assert str(eval(expression, {"lib": tg})) == str(eval(expression, {"lib": torch}))


def test_a_made_tensor_names_its_op_and_a_leaf_says_requires_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert str(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert str(x.sum()) == "tensor(3., grad_fn=<SumBackward>)"
    with tg.no_grad():
        assert str(x * 2) == "tensor([2., 4.])"


def test_repr_names_dtype_and_shape_and_the_op():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    assert repr(x) == "tensor([[1., 2.]], dtype=float32, shape=(1, 2), requires_grad=True)"
    assert repr(x.T) == ("tensor([[1.],\n        [2.]], dtype=float32, shape=(2, 1), "
                         "grad_fn=<PermuteBackward>)")
    assert repr(tg.tensor([1])) == "tensor([1], dtype=int64, shape=(1,))"


def test_non_finite_values_print_like_numbers():
    assert str(tg.tensor([np.nan, np.inf, 1.5])) == "tensor([   nan,    inf, 1.5000])"


def test_a_0d_tensor_formats_as_its_number_and_others_only_without_a_spec():
    assert f"{tg.tensor(1.5):.2f}" == "1.50" and f"{tg.tensor(7):>3}" == "  7"
    t = tg.tensor([1.0, 2.0])
    assert f"{t}" == str(t)
    with pytest.raises(TypeError, match=r"the spec '\.2f' needs a 0-d tensor, got shape \(2,\)"):
        f"{t:.2f}"
