"""Every op as one declaration: the op, its NumPy reference and its input bounds.

``op_property_test`` checks forward against the reference, gradcheck, no mutation, graph
freed after backward, no aliased gradients and float32 in / float32 out. Below the
declarations: the cases a property test does not reach (ties, stability at extreme inputs,
dropout's randomness, comparisons, error messages).
"""

import operator
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import Tensor
from tinygrad_rnn.testing.ops import op_property_test
from tinygrad_rnn.testing.strategies import (floats_arrays, index_expressions, matmul_shapes,
                                             shapes, valid_axes)

import naive

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


# ---------------------------------------------------------------- strategies for arguments

def right(f):
    """tensor ⊕ constant."""
    return lambda x, c: f(x, c)


def left(f):
    """constant ⊕ tensor (the constant's reflected operator hands over to Tensor)."""
    return lambda x, c: f(c, x)


def scalars(low=-3.0, high=3.0):
    return {"c": st.floats(low, high).filter(lambda c: abs(c) >= 0.1)}


def array_constant(low=-3.0, high=3.0):
    """A float64 NumPy array whose shape broadcasts with the tensor's."""
    return lambda s: {"c": hnp.broadcastable_shapes(s[0], max_dims=3, max_side=4).flatmap(
        lambda shape: floats_arrays(shape, np.float64, low, high, away_from=[0.0], margin=0.1))}


def grid(offset):
    """Multiples of 0.1 shifted by offset / 10: two grids with different offsets never tie."""
    return st.integers(-50, 50).map(lambda i: (i + offset) / 10)


def distinct(s):
    """One array of pairwise distinct values (at least 0.1 apart)."""
    return st.tuples(hnp.arrays(np.float64, s[0], elements=grid(0), unique=True))


def untied(s):
    """Arrays of which no element of one equals an element of another."""
    return st.tuples(*(hnp.arrays(np.float64, shape, elements=grid(k / len(s)))
                       for k, shape in enumerate(s)))


def reduce_axes(s):
    return {"axis": valid_axes(len(s[0])), "keepdims": st.booleans()}


def one_axis(s, extra=0):
    """An int axis of the first input (of the result, with ``extra`` new axes)."""
    n = len(s[0]) + extra
    return {"axis": st.integers(-n, n - 1)}


def reduce_dims(s):
    """PyTorch's names for the reduced dims."""
    return {"dim": valid_axes(len(s[0])), "keepdim": st.booleans()}


def one_dim(s):
    return {"dim": st.integers(-len(s[0]), len(s[0]) - 1)}


@st.composite
def topk_args(draw, s):
    dim = draw(st.integers(-len(s[0]), len(s[0]) - 1))
    return {"k": draw(st.integers(0, s[0][dim])), "dim": dim, "largest": draw(st.booleans())}


@st.composite
def flatten_dims(draw, s):
    start = draw(st.integers(0, len(s[0]) - 1))
    return {"start_dim": start, "end_dim": draw(st.integers(start, len(s[0]) - 1))}


@st.composite
def expand_sizes(draw, shape):
    """A shape ``shape`` broadcasts to, with some of ``shape``'s own sides given as -1."""
    target = np.broadcast_shapes(shape, draw(hnp.broadcastable_shapes(shape, max_side=3)))
    lead = len(target) - len(shape)
    return tuple(-1 if i >= lead and n == shape[i - lead] and draw(st.booleans()) else n
                 for i, n in enumerate(target))


def expanded(shape, sizes):
    """The shape ``expand(*sizes)`` gives, -1 keeping the matching side of ``shape``."""
    lead = len(sizes) - len(shape)
    return tuple(shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))


def naive_gather(x, dim, index):
    """torch.gather's definition, element by element."""
    out = np.empty(index.shape, x.dtype)
    for where in np.ndindex(*index.shape):
        source = list(where)
        source[dim] = index[where]
        out[where] = x[tuple(source)]
    return out


@st.composite
def gather_args(draw, s):
    """A dim and an index no larger than the input outside it, with values in range."""
    shape = s[0]
    dim = draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(draw(st.integers(0, 4 if shape[dim] else 0)) if d == dim
                        else draw(st.integers(0, n)) for d, n in enumerate(shape))
    index = draw(hnp.arrays(np.int64, index_shape,
                            elements=st.integers(0, max(shape[dim] - 1, 0))))
    return {"dim": dim, "index": index}


@st.composite
def reshape_targets(draw, shape):
    """Shapes with the elements of ``shape``: its prime factors shuffled and grouped, size-1
    sides inserted, and sometimes one side given as -1."""
    n, p, factors = int(np.prod(shape)), 2, []
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    sides = []
    for f in draw(st.permutations(factors)):
        if sides and draw(st.booleans()):
            sides[-1] *= f
        else:
            sides.append(f)
    for _ in range(draw(st.integers(0, 2))):
        sides.insert(draw(st.integers(0, len(sides))), 1)
    if sides and draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    return tuple(sides)


def squeeze_axes(s):
    ones = [a for a, side in enumerate(s[0]) if side == 1]
    return {"axis": st.sampled_from([None, tuple(ones)] + ones + [a - len(s[0]) for a in ones])}


@st.composite
def concatenable_shapes(draw, count=3):
    """``count`` shapes that agree on every axis but one."""
    base = draw(shapes(min_dims=1))
    axis = draw(st.integers(0, len(base) - 1))
    return tuple(base[:axis] + (draw(st.integers(1, 3)),) + base[axis + 1:] for _ in range(count))


def concatenation_axis(s):
    ndim = len(s[0])
    fits = [d for d in range(ndim)
            if all(shape[:d] + shape[d + 1:] == s[0][:d] + s[0][d + 1:] for shape in s)]
    return {"axis": st.sampled_from(fits + [d - ndim for d in fits])}


@st.composite
def split_sections(draw, shape):
    axis = draw(st.integers(0, len(shape) - 1))
    cuts = draw(st.sets(st.integers(1, shape[axis] - 1))) if shape[axis] > 1 else set()
    bounds = [0, *sorted(cuts), shape[axis]]
    return {"sections": [b - a for a, b in zip(bounds, bounds[1:])], "axis": axis}


def np_split_by_size(x, split_size_or_sections, axis):
    """torch.split semantics: pieces of the given size along ``axis``, the last may be shorter."""
    size = split_size_or_sections
    return tuple(np.split(x, range(size, x.shape[axis], size), axis))


def classes_on_axis_1(x):
    """(N, d1, ..., C) logits as PyTorch's cross_entropy wants them: (N, C, d1, ...)."""
    return x if x.ndim <= 2 else x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


@st.composite
def cross_entropy_args(draw, s):
    *batch, classes = s[0]
    ignore_index = draw(st.sampled_from([-100, -1]))
    labels = st.integers(0, classes - 1)
    target = draw(hnp.arrays(np.int64, tuple(batch), elements=labels | st.just(ignore_index)))
    target.flat[0] = draw(labels)   # at least one counted target: a mean over none is NaN
    return {"target": target, "ignore_index": ignore_index, "reduction": draw(REDUCTIONS)}


def embedding_indices(s):
    rows = s[0][0]
    return {"indices": hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=5),
                                  elements=st.integers(0, rows - 1))}


# ---------------------------------------------------------------- arithmetic

test_add = op_property_test(operator.add, np.add, arity=2)
test_sub = op_property_test(operator.sub, np.subtract, arity=2)
test_mul = op_property_test(operator.mul, np.multiply, arity=2)
test_div = op_property_test(operator.truediv, np.divide, arity=2, away_from=[0.0], margin=0.1)
test_pow_tensor_exponent = op_property_test(operator.pow, np.power, arity=2,
                                            min_value=(0.5, -2.0), max_value=(3.0, 2.0))
test_neg = op_property_test(operator.neg, np.negative)

test_add_scalar = op_property_test(right(operator.add), right(operator.add), kwargs=scalars())
test_sub_scalar = op_property_test(right(operator.sub), right(operator.sub), kwargs=scalars())
test_mul_scalar = op_property_test(right(operator.mul), right(operator.mul), kwargs=scalars())
test_div_scalar = op_property_test(right(operator.truediv), right(operator.truediv),
                                   kwargs=scalars())
test_pow_scalar_exponent = op_property_test(
    right(operator.pow), right(operator.pow), away_from=[0.0], margin=0.1,
    kwargs={"c": st.sampled_from([0.0, 1.0, 2.0, 3.0, -1.0, -2.0])})
test_pow_scalar_exponent_positive_base = op_property_test(
    right(operator.pow), right(operator.pow), min_value=0.1, kwargs={"c": st.floats(-2, 2)})

test_add_scalar_left = op_property_test(left(operator.add), left(operator.add), kwargs=scalars())
test_sub_scalar_left = op_property_test(left(operator.sub), left(operator.sub), kwargs=scalars())
test_mul_scalar_left = op_property_test(left(operator.mul), left(operator.mul), kwargs=scalars())
test_div_scalar_left = op_property_test(left(operator.truediv), left(operator.truediv),
                                        away_from=[0.0], margin=0.1, kwargs=scalars())
test_pow_scalar_base = op_property_test(left(operator.pow), left(operator.pow),
                                        kwargs=scalars(0.1, 3.0))

test_add_array_left = op_property_test(left(operator.add), left(operator.add),
                                       kwargs=array_constant())
test_sub_array_left = op_property_test(left(operator.sub), left(operator.sub),
                                       kwargs=array_constant())
test_mul_array_left = op_property_test(left(operator.mul), left(operator.mul),
                                       kwargs=array_constant())
test_div_array_left = op_property_test(left(operator.truediv), left(operator.truediv),
                                       away_from=[0.0], margin=0.1, kwargs=array_constant())
test_pow_array_base = op_property_test(left(operator.pow), left(operator.pow),
                                       kwargs=array_constant(0.1, 3.0))

test_matmul = op_property_test(operator.matmul, np.matmul, arity=2, shapes=matmul_shapes())


@st.composite
def linear_shapes(draw):
    """(input (..., in), weight (out, in), bias (out,)) with 0 to 3 leading axes."""
    leading = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    features, out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return leading + (features,), (out, features), (out,)


test_linear = op_property_test(
    F.linear, lambda x, w, b: np.einsum("...i,oi->...o", x, w) + b, arity=3,
    shapes=linear_shapes())
test_linear_without_bias = op_property_test(
    F.linear, lambda x, w: np.einsum("...i,oi->...o", x, w), arity=2,
    shapes=linear_shapes().map(lambda s: s[:2]))


@pytest.mark.parametrize("product", [lambda x, w: x @ w.T, F.linear], ids=["matmul", "linear"])
def test_a_product_with_leading_axes_never_builds_a_weight_gradient_per_batch(product):
    # x (64, 1, 64) by W (256, 64): a weight gradient per step would be (64, 256, 64), 8 MB;
    # folded, the backward needs arrays of about W's size (131 kB) and x's (32 kB).
    import tracemalloc
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 1, 64)), requires_grad=True)
    w = Tensor(rng.standard_normal((256, 64)), requires_grad=True)
    y = product(x, w)
    g = rng.standard_normal(y.shape)
    tracemalloc.start()
    try:
        y.backward(g)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"the backward held {peak} bytes at its peak"
    np.testing.assert_allclose(w.grad, g.reshape(64, 256).T @ x.array.reshape(64, 64), rtol=1e-10)


@pytest.mark.parametrize("shape, view", [((5, 4), lambda w: w.T), ((4, 10), lambda w: w[:, ::2])],
                         ids=["transposed", "strided"])
def test_matmul_by_a_view_of_a_weight_gives_both_gradients(shape, view):
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal(shape), requires_grad=True)
    w_view = view(w)
    g = rng.standard_normal((3, w_view.shape[1]))
    (x @ w_view).backward(g)
    expected_w = np.zeros_like(w.array)
    view(expected_w)[...] = x.array.T @ g   # the view's gradient, placed where the view reads
    np.testing.assert_allclose(w.grad, expected_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad, g @ view(w.array).T, rtol=1e-12)

# ---------------------------------------------------------------- elementwise functions

test_exp = op_property_test(tg.exp, np.exp)
test_log = op_property_test(tg.log, np.log, min_value=0.1)
test_sqrt = op_property_test(tg.sqrt, np.sqrt, min_value=0.1)
test_abs = op_property_test(tg.abs, np.abs, away_from=[0.0])
test_tanh = op_property_test(tg.tanh, naive.tanh)
test_sigmoid = op_property_test(tg.sigmoid, naive.sigmoid)
test_relu = op_property_test(tg.relu, naive.relu, away_from=[0.0])
test_clip = op_property_test(
    lambda x, **bounds: x.clip(**bounds),
    lambda x, **bounds: np.clip(x, bounds.get("min"), bounds.get("max")),
    away_from=[-1.0, 1.0],
    kwargs=st.sampled_from([{"min": -1.0, "max": 1.0}, {"min": -1.0}, {"max": 1.0}]))
test_maximum = op_property_test(tg.maximum, np.maximum, arity=2, inputs=untied)
test_minimum = op_property_test(tg.minimum, np.minimum, arity=2, inputs=untied)
test_where = op_property_test(
    lambda a, b, condition: tg.where(condition, a, b),
    lambda a, b, condition: np.where(condition, a, b), arity=2,
    kwargs=lambda s: {"condition": hnp.arrays(np.bool_, np.broadcast_shapes(*s))})

# ---------------------------------------------------------------- reductions

test_sum = op_property_test(tg.sum, np.sum, kwargs=reduce_axes)
test_mean = op_property_test(tg.mean, np.mean, kwargs=reduce_axes)
test_sum_dim = op_property_test(lambda x, dim, keepdim: x.sum(dim, keepdim),
                                lambda x, dim, keepdim: np.sum(x, dim, keepdims=keepdim),
                                kwargs=reduce_dims)
test_mean_dim = op_property_test(lambda x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
                                 lambda x, dim, keepdim: np.mean(x, dim, keepdims=keepdim),
                                 kwargs=reduce_dims)
test_amax = op_property_test(tg.amax, np.max, kwargs=reduce_axes, inputs=distinct)
test_amin = op_property_test(tg.amin, np.min, kwargs=reduce_axes, inputs=distinct)
test_max_all = op_property_test(tg.max, np.max, inputs=distinct)
test_max_dim_values = op_property_test(
    lambda x, dim, keepdim: x.max(dim, keepdim).values,
    lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
    min_dims=1, inputs=distinct, kwargs=lambda s: {**one_dim(s), "keepdim": st.booleans()})
test_min_dim_values = op_property_test(
    lambda x, dim, keepdim: tg.min(x, dim=dim, keepdim=keepdim)[0],
    lambda x, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim),
    min_dims=1, inputs=distinct, kwargs=lambda s: {**one_dim(s), "keepdim": st.booleans()})
test_topk_values = op_property_test(
    lambda x, k, dim, largest: x.topk(k, dim, largest=largest).values,
    lambda x, k, dim, largest: np.take(np.sort(x, axis=dim)[(slice(None),) * (dim % x.ndim) + (
        slice(None, None, -1 if largest else 1),)], np.arange(k), axis=dim),
    min_dims=1, inputs=distinct, kwargs=topk_args)
test_sort_values = op_property_test(
    lambda x, dim, descending: x.sort(dim, descending=descending).values,
    lambda x, dim, descending: np.flip(np.sort(x, dim), dim) if descending else np.sort(x, dim),
    min_dims=1, inputs=distinct, kwargs=lambda s: {**one_dim(s), "descending": st.booleans()})

# ---------------------------------------------------------------- shape

test_reshape = op_property_test(lambda x, shape: x.reshape(shape), np.reshape,
                                kwargs=lambda s: {"shape": reshape_targets(s[0])})
test_transpose = op_property_test(
    lambda x, dim0, dim1: x.transpose(dim0, dim1),
    lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1), min_dims=1,
    kwargs=lambda s: {name: st.integers(-len(s[0]), len(s[0]) - 1) for name in ("dim0", "dim1")})
test_T = op_property_test(lambda x: x.T, np.transpose, max_dims=2)
test_mT = op_property_test(lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), min_dims=2)
test_view = op_property_test(lambda x, shape: x.view(*shape), np.reshape,
                             kwargs=lambda s: {"shape": reshape_targets(s[0])})
test_flatten = op_property_test(
    lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim),
    lambda x, start_dim, end_dim: x.reshape(x.shape[:start_dim] + (-1,) + x.shape[end_dim + 1:]),
    min_dims=1, kwargs=flatten_dims)
test_expand = op_property_test(
    lambda x, sizes: x.expand(*sizes), lambda x, sizes: np.broadcast_to(x, expanded(x.shape, sizes)),
    kwargs=lambda s: {"sizes": expand_sizes(s[0])})
test_repeat = op_property_test(
    lambda x, repeats: x.repeat(*repeats), lambda x, repeats: np.tile(x, repeats), max_side=3,
    kwargs=lambda s: {"repeats": st.integers(0, 1).flatmap(
        lambda extra: st.tuples(*[st.integers(1, 3)] * (len(s[0]) + extra)))})
test_clone = op_property_test(lambda x: x.clone(), np.copy)
test_to_same_dtype_copy = op_property_test(lambda x: x.to(x.dtype, copy=True), np.copy)
test_gather = op_property_test(
    lambda x, dim, index: x.gather(dim, tg.tensor(index)),
    naive_gather, min_dims=1, kwargs=gather_args)
test_masked_fill = op_property_test(
    lambda x, mask, value: x.masked_fill(tg.tensor(mask), value),
    lambda x, mask, value: np.where(mask, value, x),
    kwargs=lambda s: {"mask": hnp.broadcastable_shapes(s[0], max_side=4).filter(
        lambda m: np.broadcast_shapes(m, s[0]) == s[0]).flatmap(
        lambda m: hnp.arrays(np.bool_, m)), "value": st.floats(-3, 3)})
test_permute = op_property_test(lambda x, axes: x.permute(*axes), np.transpose,
                                kwargs=lambda s: {"axes": st.permutations(range(len(s[0])))})
test_swapaxes = op_property_test(
    tg.swapaxes, np.swapaxes, min_dims=1,
    kwargs=lambda s: {f"axis{k}": st.integers(-len(s[0]), len(s[0]) - 1) for k in (1, 2)})
test_squeeze = op_property_test(tg.squeeze, np.squeeze, max_side=2, kwargs=squeeze_axes)
test_unsqueeze = op_property_test(tg.unsqueeze, np.expand_dims,
                                  kwargs=lambda s: one_axis(s, extra=1))
test_broadcast_to = op_property_test(
    tg.broadcast_to, np.broadcast_to,
    kwargs=lambda s: {"shape": hnp.broadcastable_shapes(s[0], max_side=4).map(
        lambda t: np.broadcast_shapes(s[0], t))})
test_flip = op_property_test(tg.flip, np.flip, kwargs=lambda s: {"axis": valid_axes(len(s[0]))})
test_getitem = op_property_test(lambda x, index: x[index], lambda x, index: x[index],
                                kwargs=lambda s: {"index": index_expressions(s[0])})
test_cat = op_property_test(
    lambda *xs, axis: tg.cat(xs, dim=axis), lambda *xs, axis: np.concatenate(xs, axis),
    arity=3, shapes=concatenable_shapes(), kwargs=concatenation_axis)
test_concatenate = op_property_test(
    lambda *xs, axis: tg.concatenate(xs, axis), lambda *xs, axis: np.concatenate(xs, axis),
    arity=3, shapes=concatenable_shapes(), kwargs=concatenation_axis)
test_stack = op_property_test(
    lambda *xs, axis: tg.stack(xs, axis), lambda *xs, axis: np.stack(xs, axis),
    arity=3, shapes="same", kwargs=lambda s: one_axis(s, extra=1))


def test_stack_of_many_tensors_is_one_node_whose_backward_hands_each_its_slice():
    xs = [Tensor(np.full(3, float(i)), requires_grad=True) for i in range(4)]
    y = tg.stack(xs, dim=1)
    assert y.op == "Stack" and all(t is x for t, x in zip(y._node.inputs, xs))
    weights = np.arange(12.0).reshape(3, 4)
    (y * weights).sum().backward()
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(x.grad, weights[:, i])


test_split_by_size = op_property_test(
    tg.split, np_split_by_size, min_dims=1,
    kwargs=lambda s: {"split_size_or_sections": st.integers(1, 4), **one_axis(s)})
test_split_by_sections = op_property_test(
    lambda x, sections, axis: tg.split(x, sections, axis),
    lambda x, sections, axis: tuple(np.split(x, np.cumsum(sections)[:-1], axis)),
    min_dims=1, kwargs=lambda s: split_sections(s[0]))
test_unstack = op_property_test(tg.unstack, lambda x, axis: tuple(np.moveaxis(x, axis, 0)),
                                min_dims=1, kwargs=one_axis)
test_chunk = op_property_test(
    tg.chunk, lambda x, chunks, axis: np_split_by_size(x, -(-x.shape[axis] // chunks), axis),
    min_dims=1, kwargs=lambda s: {"chunks": st.integers(1, 5), **one_axis(s)})

# ---------------------------------------------------------------- networks

test_softmax = op_property_test(tg.softmax, naive.softmax, min_dims=1, kwargs=one_axis)
test_log_softmax = op_property_test(tg.log_softmax, naive.log_softmax, min_dims=1,
                                    kwargs=one_axis)
test_logsumexp = op_property_test(tg.logsumexp, naive.logsumexp, min_dims=1, kwargs=one_axis)
test_cross_entropy = op_property_test(
    lambda x, **kw: tg.cross_entropy(classes_on_axis_1(x), **kw), naive.cross_entropy,
    min_dims=1, kwargs=cross_entropy_args)
test_nll_loss_of_log_softmax = op_property_test(   # the fused way for 2-D and one row
    lambda x, **kw: F.nll_loss(tg.log_softmax(classes_on_axis_1(x), min(x.ndim - 1, 1)), **kw),
    naive.cross_entropy, min_dims=1, kwargs=cross_entropy_args)
test_nll_loss_of_a_log_softmax_used_twice = op_property_test(
    lambda x, **kw: F.nll_loss(lp := tg.log_softmax(x, -1), **kw) + (lp * lp).sum(),
    lambda x, **kw: naive.cross_entropy(x, **kw) + (naive.log_softmax(x) ** 2).sum(),
    min_dims=1, max_dims=2,
    kwargs=lambda s: cross_entropy_args(s).map(lambda kw: {**kw, "reduction": "mean"}))


def test_nll_loss_of_a_log_softmax_takes_the_cross_entropys_backward():
    x = Tensor(np.random.default_rng(0).standard_normal((3, 5)), requires_grad=True)
    loss = F.nll_loss(tg.log_softmax(x, 1), np.array([0, 4, 2]))
    names, stack = set(), [loss._node]
    while stack:
        node = stack.pop()
        names.add(node.name)
        stack.extend(t._node for t in node.inputs if t._node is not None)
    assert "CrossEntropy" in names and "LogSoftmax" not in names


test_mse_loss = op_property_test(tg.mse_loss, naive.mse_loss, arity=2, shapes="same",
                                 kwargs={"reduction": REDUCTIONS})
test_binary_cross_entropy_with_logits = op_property_test(
    tg.binary_cross_entropy_with_logits, naive.binary_cross_entropy_with_logits, arity=2,
    shapes="same", min_value=(-5.0, 0.0), max_value=(5.0, 1.0), kwargs={"reduction": REDUCTIONS})
test_embedding = op_property_test(tg.embedding, naive.embedding,
                                  shapes=shapes(min_dims=2, max_dims=2).map(lambda s: (s,)),
                                  kwargs=embedding_indices)


# ---------------------------------------------------------------- ties share the gradient

def grad_of(f, *values):
    xs = [Tensor(np.array(v, np.float64), requires_grad=True) for v in values]
    f(*xs).sum().backward()
    return [x.grad for x in xs]


@pytest.mark.parametrize("reduce, values, expected", [
    (tg.max, [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (tg.min, [2.0, 1.0, 1.0, 1.0], [0.0, 1 / 3, 1 / 3, 1 / 3]),
])
def test_reduction_ties_share_gradient_equally(reduce, values, expected):
    np.testing.assert_allclose(grad_of(reduce, values)[0], expected)


def test_reduction_ties_share_gradient_per_row():
    (g,) = grad_of(lambda x: tg.amax(x, dim=1), [[5.0, 5.0], [1.0, 2.0]])
    np.testing.assert_allclose(g, [[0.5, 0.5], [0.0, 1.0]])


@pytest.mark.parametrize("op", [tg.maximum, tg.minimum])
def test_elementwise_ties_share_gradient_equally(op):
    ga, gb = grad_of(op, [1.0, 2.0], [1.0, 0.0])
    np.testing.assert_allclose(ga + gb, [1.0, 1.0])
    assert ga[0] == gb[0] == 0.5


# ---------------------------------------------------------------- shapes the properties found

@pytest.mark.parametrize("op", [tg.sigmoid, tg.tanh, tg.relu])
def test_activation_of_a_zero_dim_tensor_keeps_its_shape(op):
    x = Tensor(np.float64(0.5), requires_grad=True)
    y = op(x)
    assert y.shape == ()
    y.backward()
    assert x.grad.shape == ()


def test_logsumexp_over_a_leading_axis_keeps_the_other_axes_in_order():
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    np.testing.assert_allclose(tg.logsumexp(Tensor(x), axis=0).array, naive.logsumexp(x, axis=0))


# ---------------------------------------------------------------- repeated indices

def test_getitem_repeated_integer_indices_accumulate_gradient():
    (g,) = grad_of(lambda x: x[np.array([0, 0, 2, -1])], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(g, [2.0, 0.0, 2.0])


def test_getitem_boolean_mask_routes_gradient():
    (g,) = grad_of(lambda x: x[np.array([True, False, True])] * 3.0, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(g, [3.0, 0.0, 3.0])


def test_embedding_repeated_indices_accumulate_gradient():
    weight = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    tg.embedding(weight, np.array([[1, 1], [0, 1]])).sum().backward()
    np.testing.assert_array_equal(weight.grad, [[1, 1], [3, 3], [0, 0]])


# ---------------------------------------------------------------- stability at extreme inputs

def test_sigmoid_saturates_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = tg.sigmoid(Tensor(np.array([-1000.0, 1000.0])))
    np.testing.assert_array_equal(y.array, [0.0, 1.0])


@pytest.mark.parametrize("op", [tg.softmax, tg.log_softmax, tg.logsumexp])
def test_softmax_family_is_stable_at_large_inputs(op):
    # softmax and log_softmax do not change when a row is shifted; logsumexp shifts with it.
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4 + 2.0]])
    top = x.max(axis=1, keepdims=True)
    expected = op(Tensor(x - top)).array + (top[:, 0] if op is tg.logsumexp else 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor(x, requires_grad=True)
        y = op(x)
        y.sum().backward()
    np.testing.assert_allclose(y.array, expected, rtol=1e-12, atol=1e-9)   # ulp(1e4) ~ 2e-12
    assert np.all(np.isfinite(x.grad.array))


def test_binary_cross_entropy_with_logits_is_stable_at_large_logits():
    x = Tensor(np.array([1e3, 1e3, -1e3, -1e3]), requires_grad=True)
    t = Tensor(np.array([1.0, 0.0, 1.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tg.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.array, [0.0, 1e3, 1e3, 0.0], atol=1e-12)
    np.testing.assert_allclose(x.grad, [0.0, 1.0, -1.0, 0.0], atol=1e-12)   # sigmoid(x) - t


def test_binary_cross_entropy_with_logits_gradient_at_zero_logit():
    # d/dx = sigmoid(x) - t, so 0.5 - t at x == 0 (a zero-initialised output layer gives these).
    (g, _) = grad_of(lambda x, t: tg.binary_cross_entropy_with_logits(x, t, reduction="sum"),
                     [0.0, 0.0], [0.0, 1.0])
    np.testing.assert_allclose(g, [0.5, -0.5])


# ---------------------------------------------------------------- dropout

def test_dropout_is_identity_when_p_is_zero_or_not_training():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in (tg.dropout(x, p=0.0), tg.dropout(x, p=0.7, training=False)):
        np.testing.assert_array_equal(y.array, x.array)


def test_dropout_same_seed_same_mask():
    x = Tensor(np.ones((4, 5)))
    a = tg.dropout(x, 0.5, generator=np.random.default_rng(7))
    b = tg.dropout(x, 0.5, generator=np.random.default_rng(7))
    c = tg.dropout(x, 0.5, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(a.array, b.array)
    assert not np.array_equal(a.array, c.array)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_scales_kept_values_and_keeps_the_mean(p):
    y = tg.dropout(Tensor(np.ones(200_000)), p, generator=np.random.default_rng(0)).array
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p))
    assert abs(y.mean() - 1.0) < 0.02
    assert abs((y == 0).mean() - p) < 0.01


def test_dropout_gradient_is_mask_over_keep_probability():
    x = Tensor(np.linspace(-1, 1, 50), requires_grad=True)
    y = tg.dropout(x, 0.3, generator=np.random.default_rng(1))
    y.sum().backward()
    mask = y.array != 0
    np.testing.assert_allclose(x.grad, mask / 0.7)
    np.testing.assert_allclose(y.array, x.array * mask / 0.7)


# ---------------------------------------------------------------- comparisons

@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge,
                                     operator.eq, operator.ne])
def test_comparisons_return_bool_tensors_without_gradient(compare):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    for other in (Tensor(b), 2.0, b):
        result = compare(Tensor(a, requires_grad=True), other)
        assert isinstance(result, Tensor) and result.dtype == np.bool_
        assert not result.requires_grad
        np.testing.assert_array_equal(result, compare(a, b))


def test_a_comparison_given_the_wrong_number_of_operands_is_a_clear_error():
    x = Tensor(np.arange(3.0))
    with pytest.raises(TypeError, match=r"eq: takes 2 operand\(s\), got 3"):
        tg.ops.eq(x, x, x)   # NOTE: NumPy's ufunc would write into a third operand (``out``)
    with pytest.raises(TypeError, match=r"bitwise_not: takes 1 operand\(s\), got 2"):
        tg.ops.bitwise_not(x > 1, x > 2)


def test_numpy_array_on_the_left_of_matmul():
    a, b = np.arange(6.0).reshape(2, 3), Tensor(np.ones((3, 2)), requires_grad=True)
    y = a @ b
    y.sum().backward()
    np.testing.assert_array_equal(y.array, a @ np.ones((3, 2)))
    np.testing.assert_array_equal(b.grad, a.T @ np.ones((2, 2)))


# ---------------------------------------------------------------- error messages

def ones(*shape):
    return Tensor(np.ones(shape))


@pytest.mark.parametrize("call, error, message", [
    (lambda: ones(3, 4) @ ones(5, 2), ValueError,
     r"^matmul: \(3, 4\) @ \(5, 2\): inner dimensions 4 and 5 differ$"),
    (lambda: ones(2, 3) + ones(4), ValueError, r"add: shapes \(2, 3\) and \(4,\) do not broadcast"),
    (lambda: tg.maximum(ones(2), ones(3)), ValueError, r"maximum: shapes .* do not broadcast"),
    (lambda: ones(2, 3).sum(axis=2), ValueError, r"sum: axis 2 is out of range"),
    (lambda: ones(2, 3).softmax(axis=-3), ValueError, r"axis -3 is out of range"),
    (lambda: ones(2, 3).reshape(4, 2), ValueError, r"reshape: cannot reshape \(2, 3\)"),
    (lambda: tg.cross_entropy(ones(2, 3), np.array([0, 3])), ValueError,
     r"target 3 is outside \[0, 3\)"),
    (lambda: tg.cross_entropy(ones(2, 3), np.array([0.0, 1.0])), TypeError,
     r"targets \(class indices.*\) must be integers"),
    (lambda: tg.cross_entropy(ones(2, 3), np.array([0, 1, 2])), ValueError,
     r"needs targets of shape \(2,\), got \(3,\)"),
    (lambda: tg.embedding(ones(3, 2), np.array([0, 3])), IndexError,
     r"embedding: indices must lie in \[0, 3\)"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


DIM_OPS = {
    "sum": lambda x, **k: tg.sum(x, **k), "mean": lambda x, **k: tg.mean(x, **k),
    "amax": lambda x, **k: tg.amax(x, **k), "amin": lambda x, **k: tg.amin(x, **k),
    "max": lambda x, **k: tg.max(x, **k), "min": lambda x, **k: tg.min(x, **k),
    "squeeze": lambda x, **k: tg.squeeze(x, **k), "unsqueeze": lambda x, **k: tg.unsqueeze(x, **k),
    "flip": lambda x, **k: tg.flip(x, **{"dims" if n == "dim" else n: v for n, v in k.items()}),
    "concatenate": lambda x, **k: tg.cat([x, x], **k), "stack": lambda x, **k: tg.stack([x], **k),
    "unstack": lambda x, **k: tg.unstack(x, **k), "split": lambda x, **k: tg.split(x, 1, **k),
    "chunk": lambda x, **k: tg.chunk(x, 2, **k), "softmax": lambda x, **k: tg.softmax(x, **k),
    "log_softmax": lambda x, **k: tg.log_softmax(x, **k),
    "logsumexp": lambda x, **k: tg.logsumexp(x, **k),
}


@pytest.mark.parametrize("op", sorted(DIM_OPS))
def test_dim_and_its_alias_axis_name_the_same_dim_and_not_both(op):
    x = Tensor(np.arange(6.0).reshape(2, 3, 1))
    by_dim, by_axis = DIM_OPS[op](x, dim=1), DIM_OPS[op](x, axis=1)
    for a, b in zip(*(r if isinstance(r, tuple) else (r,) for r in (by_dim, by_axis))):
        np.testing.assert_array_equal(a.array, b.array)
    with pytest.raises(TypeError, match=rf"^{op}: give dim= or its alias axis=, not both"):
        DIM_OPS[op](x, dim=1, axis=0)
