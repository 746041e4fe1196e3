"""The ops that PyTorch's recurrent programs reach for beyond the core set, each declared
once through ``op_property_test`` (forward against a NumPy reference, gradcheck in float64,
no mutation, graph freed, no aliasing, float32 in / float32 out); below them the cases a
property test does not reach (zeros in a product, diagonals in einsum, boundaries)."""

import math

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import Tensor
from tinygrad_rnn.testing.ops import op_property_test
from tinygrad_rnn.testing.strategies import floats_arrays, shapes, valid_axes

import naive

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def one_dim(s):
    return {"dim": st.integers(-len(s[0]), len(s[0]) - 1)}


@st.composite
def narrow_args(draw, s):
    dim = draw(st.integers(0, len(s[0]) - 1))
    start = draw(st.integers(0, s[0][dim]))
    return {"dim": dim, "start": start, "length": draw(st.integers(0, s[0][dim] - start))}


@st.composite
def index_select_args(draw, s):
    dim = draw(st.integers(-len(s[0]), len(s[0]) - 1))
    return {"dim": dim, "index": draw(hnp.arrays(np.int64, st.integers(0, 5),
                                                 elements=st.integers(0, s[0][dim] - 1)))}


def positive_distinct(s):
    """Values 0.1 to 5.0 apart by at least 0.1: no ties in |x|, far from 0."""
    return st.tuples(hnp.arrays(np.float64, s[0], elements=st.integers(1, 50).map(
        lambda i: i / 10), unique=True))


def spread_first(s):
    """The first array of distinct values 0.1 apart (a float32 normalisation of values that
    differ by rounding only divides rounding error by sqrt(eps)); the others any floats."""
    return st.tuples(hnp.arrays(np.float64, s[0], elements=st.integers(-50, 50).map(
        lambda i: i / 10), unique=True), *(floats_arrays(shape, np.float64, -3, 3) for shape in s[1:]))


@st.composite
def baddbmm_shapes(draw):
    b, n, m, p = (draw(st.integers(1, 3)) for _ in range(4))
    bias = draw(st.sampled_from([(b, n, p), (n, p), (p,), (1, 1, 1)]))
    return bias, (b, n, m), (b, m, p)


def stats_shapes():
    """Every side at least 2, so that any reduced dims hold two or more elements."""
    return shapes(min_dims=1, min_side=2).map(lambda s: (s,))


def fixed(*shape_list):
    return st.just(tuple(shape_list))


def np_prod(x, dim=None, keepdim=False):
    return np.prod(x) if dim is None else np.prod(x, axis=dim, keepdims=keepdim)


def np_kl_div(input, target, reduction, log_target):  # noqa: A002
    if log_target:
        loss = np.exp(target) * (target - input)
    else:
        loss = target * (np.log(target) - input)
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean(),
            "batchmean": loss.sum() / (input.shape[0] if input.ndim else 1)}[reduction]


def np_smooth_l1(input, target, reduction, beta):  # noqa: A002
    d = np.abs(input - target)
    loss = np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def np_layer_norm(x, w=None, b=None, dims=1, eps=1e-5):
    axes = tuple(range(x.ndim - dims, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y if w is None else y * w + b


# ---------------------------------------------------------------- shape

test_narrow = op_property_test(tg.narrow, lambda x, dim, start, length: np.take(
    x, np.arange(start, start + length), axis=dim), min_dims=1, kwargs=narrow_args)
test_unbind = op_property_test(tg.unbind, lambda x, dim: tuple(np.moveaxis(x, dim, 0)),
                               min_dims=1, kwargs=one_dim)
test_index_select = op_property_test(
    lambda x, dim, index: tg.index_select(x, dim, tg.tensor(index)),
    lambda x, dim, index: np.take(x, index, axis=dim), min_dims=1, kwargs=index_select_args)
test_masked_select = op_property_test(
    lambda x, mask: tg.masked_select(x, tg.tensor(mask)),
    lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
        np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))],
    kwargs=lambda s: {"mask": hnp.broadcastable_shapes(s[0], max_side=4).flatmap(
        lambda m: hnp.arrays(np.bool_, m))})

# ---------------------------------------------------------------- reductions and statistics

test_prod_all = op_property_test(tg.prod, np_prod, min_value=-2.0, max_value=2.0)
test_prod_dim = op_property_test(
    tg.prod, np_prod, min_value=-2.0, max_value=2.0, min_dims=1,
    kwargs=lambda s: {**one_dim(s), "keepdim": st.booleans()})
test_cumsum = op_property_test(tg.cumsum, lambda x, dim: np.cumsum(x, dim), min_dims=1,
                               kwargs=one_dim)
test_var = op_property_test(
    lambda x, dim, keepdim, correction: tg.var(x, dim, keepdim=keepdim, correction=correction),
    lambda x, dim, keepdim, correction: np.var(x, dim, ddof=correction, keepdims=keepdim),
    shapes=stats_shapes(), kwargs=lambda s: {"dim": valid_axes(len(s[0])).filter(
        lambda d: d != ()), "keepdim": st.booleans(), "correction": st.sampled_from([0, 1])})
test_std = op_property_test(
    lambda x, dim, unbiased: x.std(dim, unbiased),
    lambda x, dim, unbiased: np.std(x, dim, ddof=int(unbiased)),
    shapes=stats_shapes(), inputs=positive_distinct,
    kwargs=lambda s: {**one_dim(s), "unbiased": st.booleans()})
test_norm = op_property_test(
    lambda x, p, dim, keepdim: tg.norm(x, p, dim, keepdim),
    lambda x, p, dim, keepdim: np.sum(np.abs(x) ** (2 if p == "fro" else p), axis=dim,
                                      keepdims=keepdim) ** (1 / (2 if p == "fro" else p)),
    away_from=[0.0], margin=0.1,
    kwargs=lambda s: {"p": st.sampled_from([1, 2, 3, 1.5, "fro"]),
                      "dim": valid_axes(len(s[0])), "keepdim": st.booleans()})
test_norm_inf = op_property_test(
    lambda x, p, dim: x.norm(p, dim),
    lambda x, p, dim: np.max(np.abs(x), axis=dim) if p > 0 else np.min(np.abs(x), axis=dim),
    inputs=positive_distinct,
    kwargs=lambda s: {"p": st.sampled_from([math.inf, -math.inf]), "dim": valid_axes(len(s[0]))})

# ---------------------------------------------------------------- products

test_bmm = op_property_test(tg.bmm, np.matmul, arity=2, shapes=st.tuples(*[
    st.integers(1, 3)] * 4).map(lambda bnmp: ((bnmp[0], bnmp[1], bnmp[2]),
                                              (bnmp[0], bnmp[2], bnmp[3]))))
test_baddbmm = op_property_test(
    lambda c, a, b, beta, alpha: tg.baddbmm(c, a, b, beta=beta, alpha=alpha),
    lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b), arity=3, shapes=baddbmm_shapes(),
    kwargs={"beta": st.sampled_from([1, 0.5]), "alpha": st.sampled_from([1, -2.0])})

EINSUM_CASES = {
    "ij,jk->ik": ((2, 3), (3, 4)), "bij,bjk->bik": ((2, 3, 4), (2, 4, 2)),
    "ij,jk": ((3, 2), (2, 4)), "i,j->ij": ((3,), (2,)), "ij->j": ((3, 2),),
    "ii": ((3, 3),), "iij->ji": ((3, 3, 2),), "ij,j->": ((2, 3), (3,)),
    "...ij,...jk->...ik": ((2, 1, 2, 3), (3, 3, 2)), "bn,bnd->bd": ((2, 3), (2, 3, 4)),
    "ab,cb->abc": ((1, 3), (2, 3)), "ij,kj->ik": ((2, 3), (1, 3)),
    "i,i,i->i": ((2,), (2,), (2,)),
}


@pytest.mark.parametrize("equation", sorted(EINSUM_CASES))
def test_einsum(equation):
    operand_shapes = EINSUM_CASES[equation]
    op_property_test(lambda *xs: tg.einsum(equation, *xs),
                     lambda *xs: np.einsum(equation, *xs), arity=len(operand_shapes),
                     shapes=fixed(*operand_shapes))()


# ---------------------------------------------------------------- activations

test_erf = op_property_test(tg.erf, naive.erf)
test_gelu = op_property_test(lambda x: F.gelu(x), lambda x: 0.5 * x * (1 + naive.erf(
    x / math.sqrt(2))))
test_gelu_tanh = op_property_test(
    lambda x: tg.nn.GELU("tanh")(x),
    lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))))
test_softplus = op_property_test(
    lambda x, beta, threshold: F.softplus(x, beta, threshold),
    lambda x, beta, threshold: np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta),
    away_from=[1.0], kwargs=st.sampled_from([{"beta": 1.0, "threshold": 20.0},
                                            {"beta": 2.0, "threshold": 20.0},
                                            {"beta": 1.0, "threshold": 1.0}]))
test_leaky_relu = op_property_test(
    lambda x, slope: F.leaky_relu(x, slope), lambda x, slope: np.where(x > 0, x, slope * x),
    away_from=[0.0], kwargs={"slope": st.sampled_from([0.01, 0.2, -0.5])})

# ---------------------------------------------------------------- normalisation and losses

test_layer_norm = op_property_test(
    lambda x: F.layer_norm(x, x.shape[-1:]), np_layer_norm, min_dims=1, inputs=spread_first)
test_layer_norm_affine_two_dims = op_property_test(
    lambda x, w, b: F.layer_norm(x, w.shape, w, b), lambda x, w, b: np_layer_norm(x, w, b, 2),
    arity=3, shapes=shapes(min_dims=2).map(lambda s: (s, s[-2:], s[-2:])), inputs=spread_first)
test_smooth_l1_loss = op_property_test(
    F.smooth_l1_loss, np_smooth_l1, arity=2, shapes="same",
    kwargs={"reduction": REDUCTIONS, "beta": st.sampled_from([1.0, 0.5, 2.0])})
test_huber_loss = op_property_test(
    F.huber_loss, lambda a, b, reduction, delta: delta * np_smooth_l1(a, b, reduction, delta),
    arity=2, shapes="same", kwargs={"reduction": REDUCTIONS, "delta": st.sampled_from([1.0, 0.5])})
test_kl_div = op_property_test(
    F.kl_div, np_kl_div, arity=2, shapes="same", min_value=(-3.0, 0.1), max_value=(1.0, 2.0),
    kwargs={"reduction": st.sampled_from(["mean", "sum", "none", "batchmean"]),
            "log_target": st.booleans()})


# ---------------------------------------------------------------- beyond the properties

def grad_of(f, values):
    x = Tensor(np.array(values, np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.array


def test_prod_gradient_is_exact_where_the_input_holds_zeros():
    # d/dx_i prod = the product of the others; with one zero only that place gets a gradient
    np.testing.assert_array_equal(grad_of(tg.prod, [2.0, 0.0, 3.0]), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(grad_of(tg.prod, [0.0, 0.0, 3.0]), [0.0, 0.0, 0.0])
    assert tg.prod(tg.tensor([2, 3])).dtype == np.int64


def test_norm_gradient_at_zero_is_zero_as_pytorchs():
    np.testing.assert_array_equal(grad_of(tg.norm, [0.0, 0.0]), [0.0, 0.0])


def test_norm_zero_counts_nonzeros_and_nuclear_is_refused():
    assert tg.norm(tg.tensor([0.0, 2.0, -1.0]), 0).item() == 2.0
    with pytest.raises(ValueError, match="nuclear norm is not supported"):
        tg.norm(tg.zeros(2, 2), "nuc")


def test_var_with_no_spread_left_is_nan_and_takes_the_old_unbiased_argument():
    assert math.isnan(tg.var(tg.tensor([1.0])).item())
    x = tg.tensor([1.0, 2.0, 4.0])
    assert x.var(False).item() == pytest.approx(np.var([1.0, 2.0, 4.0]))


def test_smooth_l1_with_beta_zero_is_the_l1_loss():
    a, b = tg.tensor([1.0, -2.0]), tg.tensor([0.5, 0.5])
    assert F.smooth_l1_loss(a, b, beta=0.0).item() == F.l1_loss(a, b).item()


def test_kl_div_of_a_zero_target_adds_nothing():
    loss = F.kl_div(tg.tensor([-1.0, -0.5]), tg.tensor([0.0, 1.0]), reduction="sum")
    assert loss.item() == pytest.approx(0.5)


def test_softplus_and_leaky_relu_at_their_kinks_match_pytorch():
    np.testing.assert_allclose(grad_of(F.softplus, [0.0]), [0.5])
    np.testing.assert_allclose(grad_of(lambda x: F.leaky_relu(x, 0.1), [0.0]), [0.1])


def test_einsum_errors_name_the_equation():
    with pytest.raises(ValueError, match="has 2 operands, got 1 tensors"):
        tg.einsum("ij,jk->ik", tg.zeros(2, 2))
    with pytest.raises(ValueError, match="index 'j' has sizes 3 and 4"):
        tg.einsum("ij,jk->ik", tg.zeros(2, 3), tg.zeros(4, 2))
    with pytest.raises(ValueError, match="do not fit an operand of shape"):
        tg.einsum("ijk->i", tg.zeros(2, 3))
    with pytest.raises(TypeError, match="the sublist form .* is not supported"):
        tg.einsum(tg.ones(2), [0], tg.ones(2), [0])
    assert tg.einsum("ij,jk->ik", [tg.ones(2, 3), tg.ones(3, 1)]).shape == (2, 1)


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.narrow(tg.zeros(3), 0, 2, 2), ValueError, "start 2 \\+ length 2 exceeds"),
    (lambda: tg.narrow(tg.zeros(3), 0, -4, 1), IndexError, "start -4 is out of range"),
    (lambda: tg.index_select(tg.zeros(3), 0, tg.tensor([3])), IndexError, "out of range"),
    (lambda: tg.index_select(tg.zeros(3), 0, tg.tensor([[0]])), ValueError, "1-D integer"),
    (lambda: tg.masked_select(tg.zeros(3), tg.tensor([1, 0, 1])), TypeError, "boolean"),
    (lambda: tg.bmm(tg.zeros(2, 3), tg.zeros(3, 2)), ValueError, "expected \\(b, n, m\\)"),
    (lambda: tg.prod(tg.zeros(2, 2), (0, 1)), TypeError, "dim must be an int"),
    (lambda: tg.gelu(tg.zeros(1), "fast"), ValueError, "'none' or 'tanh'"),
    (lambda: F.layer_norm(tg.zeros(2, 3), (2,)), ValueError, "normalized_shape \\(2,\\)"),
    (lambda: tg.randperm(-1), ValueError, "non-negative"),
])
def test_misuse_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_zero_dim_and_empty_inputs_follow_pytorch():
    x = tg.tensor(3.0)
    assert tg.prod(x, 0, keepdim=True).shape == () and tg.cumsum(x, 0).shape == ()
    assert tg.index_select(x, 0, tg.tensor([0])).shape == ()
    assert tg.prod(tg.zeros(0)).item() == 1.0 and tg.unbind(tg.zeros(0, 2)) == ()
    np.testing.assert_array_equal(grad_of(lambda t: tg.prod(t, 0), np.zeros((0, 2))),
                                  np.zeros((0, 2)))
    assert tg.narrow(tg.arange(5), 0, -2, 2).tolist() == [3, 4]
    assert tg.einsum("ij->", tg.ones(2, 2)).item() == 4.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.einsum("i1->i", tg.ones(2)), ValueError, "subscripts must be letters"),
    (lambda: tg.einsum("ij->ii", tg.ones(2, 2)), ValueError, "must be distinct indices"),
    (lambda: tg.einsum("ij->k", tg.ones(2, 2)), ValueError, "must be distinct indices"),
    (lambda: F.smooth_l1_loss(tg.ones(1), tg.ones(1), beta=-1.0), ValueError, "beta must be >= 0"),
    (lambda: F.huber_loss(tg.ones(1), tg.ones(1), delta=0.0), ValueError, "delta must be > 0"),
    (lambda: tg.norm(tg.tensor([1, 2])), TypeError, "expected a float tensor"),
    (lambda: tg.ones(2).normal_(std=-1.0), ValueError, "std must be >= 0"),
    (lambda: tg.ones(2).uniform_(0, 1, low=2), TypeError, "unexpected keyword arguments"),
    (lambda: tg.Generator().manual_seed(1.5), TypeError, "expected an int seed"),
    (lambda: tg.nn.GELU("fast"), ValueError, "'none' or 'tanh'"),
    (lambda: tg.nn.ParameterList([tg.zeros(1)])[3], IndexError, "index 3 is out of range"),
])
def test_more_misuse_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
