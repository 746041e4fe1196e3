"""``tinygrad_rnn.nn.functional``: every differentiable function declared against a plain
NumPy reference written here from its definition (classes on axis 1, as PyTorch), then the
cases a property test does not reach: the class-axis hint, padding rows, one-hot,
the clamped logs of ``binary_cross_entropy`` and the errors."""

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
import tinygrad_rnn.nn.functional as F
from tinygrad_rnn import Tensor
from tinygrad_rnn.testing.ops import op_property_test
from tinygrad_rnn.testing.strategies import floats_arrays, shapes

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


# ---------------------------------------------------------------- references, from definitions

def reduce(losses, reduction, total=None):
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / (losses.size if total is None else total)


def nll_reference(logp, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """-w[t] logp[n, t, d...] at every position, classes on axis 1 (axis 0 for one row); with
    label smoothing ε the target is (1 - ε) one-hot + ε / C everywhere."""
    shape = np.shape(target)
    if logp.ndim == 1:
        logp, target = logp[None], np.asarray(target)[None]
    weight = np.ones(logp.shape[1]) if weight is None else weight
    losses, weights = np.zeros(target.shape), np.zeros(target.shape)
    for position in np.ndindex(target.shape):
        t = target[position]
        if t != ignore_index:
            weights[position] = weight[t]
            row = logp[(position[0], slice(None)) + position[1:]]
            smoothed = (1 - label_smoothing) * np.eye(len(row))[t] + label_smoothing / len(row)
            losses[position] = -(weight * smoothed * row).sum()
    return reduce(losses.reshape(shape), reduction, weights.sum())


def log_softmax_axis1(x):
    axis = 0 if x.ndim == 1 else 1
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return np.log(e / e.sum(axis=axis, keepdims=True))


def cross_entropy_reference(x, target, **kw):
    return nll_reference(log_softmax_axis1(x), target, **kw)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def bce_reference(p, t, weight=None, reduction="mean"):
    losses = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    return reduce(losses * (1 if weight is None else weight), reduction)


def bce_logits_reference(x, t, weight=None, reduction="mean", pos_weight=None):
    pos_weight = 1.0 if pos_weight is None else pos_weight
    losses = -(pos_weight * t * np.log(sigmoid(x)) + (1 - t) * np.log(1 - sigmoid(x)))
    return reduce(losses * (1 if weight is None else weight), reduction)


def pad_reference(x, pad, mode="constant", value=0.0):
    """numpy.pad after cropping the negative amounts; pairs from the last axis backwards."""
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        axis = x.ndim - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        x = np.take(x, np.arange(max(-before, 0), x.shape[axis] - max(-after, 0)), axis)
        widths[axis] = (max(before, 0), max(after, 0))
    if mode == "constant":
        return np.pad(x, widths, constant_values=value)
    return np.pad(x, widths, {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])


# ---------------------------------------------------------------- strategies for arguments

@st.composite
def class_targets(draw, s, smoothing=False):
    """Targets for input shape s[0] (classes on axis 1, or 0 for one row), at least one
    counted, an ignore_index, a reduction, maybe a class weight and a label smoothing."""
    shape = s[0]
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    ignore_index = draw(st.sampled_from([-100, -1]))
    labels = st.integers(0, classes - 1)
    target = draw(hnp.arrays(np.int64, target_shape, elements=labels | st.just(ignore_index)))
    target.flat[0] = draw(labels)
    kw = {"target": target, "ignore_index": ignore_index, "reduction": draw(REDUCTIONS)}
    if draw(st.booleans()):
        kw["weight"] = draw(floats_arrays((classes,), np.float64, 0.5, 2.0))
    if smoothing and draw(st.booleans()):
        kw["label_smoothing"] = draw(st.floats(0.0, 1.0))
    return kw


def pad_args(s):
    ndim = len(s[0])
    return st.integers(1, max(ndim, 1)).flatmap(lambda axes: st.fixed_dictionaries({
        "pad": st.lists(st.integers(-1, 3), min_size=2 * axes, max_size=2 * axes).map(tuple),
        "value": st.floats(-2, 2)}))


def wrap_args(s, mode):
    """Amounts that reflect/circular padding allow on the last axis (side >= 3 here)."""
    return {"pad": st.tuples(st.integers(0, 2), st.integers(0, 2)), "mode": st.just(mode)}


class_input = shapes(min_dims=1, max_dims=4, max_side=3).map(lambda s: (s,))

# ---------------------------------------------------------------- declarations

test_cross_entropy_classes_on_axis_1 = op_property_test(
    F.cross_entropy, cross_entropy_reference, shapes=class_input,
    kwargs=lambda s: class_targets(s, smoothing=True))
test_nll_loss = op_property_test(F.nll_loss, nll_reference, shapes=class_input,
                                 kwargs=class_targets, min_value=-5.0, max_value=0.0)
test_l1_loss = op_property_test(F.l1_loss, lambda x, t, reduction: reduce(np.abs(x - t), reduction),
                                arity=2, shapes="same", inputs=None, away_from=[0.0],
                                min_value=(-2.0, 2.5), max_value=(2.0, 5.0),
                                kwargs={"reduction": REDUCTIONS})
test_binary_cross_entropy = op_property_test(
    F.binary_cross_entropy, bce_reference, arity=2, shapes="same", min_value=(0.05, 0.0),
    max_value=(0.95, 1.0), kwargs={"reduction": REDUCTIONS})
test_binary_cross_entropy_with_logits_weights = op_property_test(
    F.binary_cross_entropy_with_logits, bce_logits_reference, arity=2, shapes="same",
    min_value=(-5.0, 0.0), max_value=(5.0, 1.0),
    kwargs=lambda s: {"reduction": REDUCTIONS,
                      "weight": floats_arrays(s[0], np.float64, 0.5, 2.0),
                      "pos_weight": st.floats(0.5, 3.0)})
test_pad_constant = op_property_test(F.pad, pad_reference, min_dims=1, kwargs=pad_args)
test_pad_reflect = op_property_test(F.pad, pad_reference, shapes=st.just(((2, 4),)),
                                    kwargs=lambda s: wrap_args(s, "reflect"))
test_pad_replicate = op_property_test(F.pad, pad_reference, shapes=st.just(((3, 1, 3),)),
                                      kwargs=lambda s: wrap_args(s, "replicate"))
test_pad_circular = op_property_test(F.pad, pad_reference, shapes=st.just(((3,),)),
                                     kwargs=lambda s: wrap_args(s, "circular"))
test_linear = op_property_test(
    F.linear, lambda x, w, b: x @ w.T + b, arity=3,
    shapes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
        lambda n: ((2, n[0]), (n[1], n[0]), (n[1],))))
test_softmax_dim = op_property_test(
    lambda x, dim: F.softmax(x, dim=dim),
    lambda x, dim: np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True),
    min_dims=1, kwargs=lambda s: {"dim": st.integers(-len(s[0]), len(s[0]) - 1)})
test_log_softmax_dim = op_property_test(
    lambda x, dim: F.log_softmax(x, dim),
    lambda x, dim: x - np.log(np.exp(x).sum(axis=dim, keepdims=True)),
    min_dims=1, kwargs=lambda s: {"dim": st.integers(-len(s[0]), len(s[0]) - 1)})
test_embedding_indices_first = op_property_test(
    lambda w, indices: F.embedding(indices, w), lambda w, indices: w[indices],
    shapes=st.just(((4, 3),)),
    kwargs={"indices": hnp.arrays(np.int64, (2, 3), elements=st.integers(0, 3))})


# ---------------------------------------------------------------- the class axis

def test_cross_entropy_reads_classes_on_axis_1_when_it_equals_the_last():
    # (N, C, T) with C == T: the case that gave a different loss silently before.
    x = np.random.default_rng(0).standard_normal((2, 3, 3))
    target = np.array([[0, 1, 2], [2, 2, 0]])
    expected = cross_entropy_reference(x, target)
    np.testing.assert_allclose(F.cross_entropy(Tensor(x), target).item(), expected, rtol=1e-12)
    classes_last = cross_entropy_reference(np.swapaxes(x, 1, 2), target)
    assert not np.isclose(expected, classes_last)


def test_cross_entropy_with_classes_last_says_to_permute():
    with pytest.raises(ValueError, match=r"classes are on axis 1.*permute\(0, 2, 1\)"):
        F.cross_entropy(Tensor(np.zeros((2, 5, 3))), np.zeros((2, 5), np.int64))


def test_cross_entropy_of_one_row_takes_a_0d_target():
    x = Tensor(np.array([1.0, 2.0, 0.5]), requires_grad=True)
    loss = F.cross_entropy(x, np.array(1))
    loss.backward()
    np.testing.assert_allclose(loss.item(), -log_softmax_axis1(x.array)[1], rtol=1e-12)
    np.testing.assert_allclose(x.grad.array, np.exp(log_softmax_axis1(x.array)) - [0, 1, 0], rtol=1e-12)


def test_every_target_ignored_gives_nan_mean_as_pytorch():
    loss = F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([-100, -100]))
    assert np.isnan(loss.item())


# ---------------------------------------------------------------- the rest

def test_softmax_in_another_dtype_keeps_the_gradient():
    x = Tensor(np.array([[1.0, 2.0, 3.0]], np.float32), requires_grad=True)
    y = F.log_softmax(x, dim=1, dtype=tg.float64)
    assert y.dtype == np.float64 and F.softmax(x, 1, tg.float64).dtype == np.float64
    y[0, 0].backward()
    assert x.grad.dtype == np.float32
    softmax = np.exp(log_softmax_axis1(x.array.astype(np.float64)))
    np.testing.assert_allclose(x.grad.array, [[1, 0, 0]] - softmax, rtol=1e-6)


def test_embedding_padding_row_gets_no_gradient_negative_index_counts_from_the_end():
    weight = Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    y = F.embedding(np.array([[3, 1], [3, 0]]), weight, padding_idx=-1)
    np.testing.assert_array_equal(y.array, weight.array[[[3, 1], [3, 0]]])
    y.sum().backward()
    np.testing.assert_array_equal(weight.grad.array, [[1, 1], [1, 1], [0, 0], [0, 0]])


def test_one_hot_is_int64_and_infers_the_class_count():
    y = F.one_hot(np.array([[0, 2], [1, 0]]))
    assert y.dtype == np.int64 and y.shape == (2, 2, 3)
    np.testing.assert_array_equal(y.array, np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(np.array([1]), num_classes=5).shape == (1, 5)


def test_dropout_follows_manual_seed_and_is_the_identity_in_eval():
    x = Tensor(np.ones((4, 6)))
    tg.manual_seed(3)
    first = F.dropout(x, 0.5).array
    tg.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, p=0.5, training=True).array, first)
    assert set(np.unique(first)) <= {0.0, 2.0}
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).array, x.array)
    with pytest.raises(ValueError, match="inplace=True"):
        F.dropout(x, inplace=True)


def test_binary_cross_entropy_clamps_its_logs_at_minus_100():
    p = Tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, Tensor(np.array([1.0, 0.0, 0.0])), reduction="none")
    np.testing.assert_array_equal(loss.array, [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.array))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.softmax(Tensor([1.0, 2.0])), TypeError, r"softmax: pass dim="),
    (lambda: F.relu(Tensor([1.0]), inplace=True), ValueError, r"inplace=True is not supported"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.5, 1.0])), TypeError,
     r"must be integers"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3])), ValueError,
     r"target 3 is outside \[0, 3\)"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), weight=np.ones(2)),
     ValueError, r"weight must have shape \(3,\)"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]),
                             weight=Tensor(np.ones(3), requires_grad=True)),
     ValueError, r"gets no gradient"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), label_smoothing=1.5),
     ValueError, r"label_smoothing must lie in \[0, 1\]"),
    (lambda: F.mse_loss(Tensor(np.zeros((2, 3))), Tensor(np.zeros(3))), ValueError,
     r"broadcast explicitly"),
    (lambda: F.binary_cross_entropy(Tensor([1.5]), Tensor([1.0])), ValueError, r"in \[0, 1\]"),
    (lambda: F.pad(Tensor(np.zeros(3)), (1,)), ValueError, r"even number"),
    (lambda: F.pad(Tensor(np.zeros(3)), (3, 0), mode="reflect"), ValueError,
     r"reflect padding of \(3, 0\)"),
    (lambda: F.pad(Tensor(np.zeros(3)), (1, 1), mode="wrap"), ValueError, r"mode must be"),
    (lambda: F.one_hot(np.array([3]), num_classes=3), ValueError, r"not below num_classes=3"),
    (lambda: F.one_hot(np.array([-1])), ValueError, r"must be non-negative"),
    (lambda: F.one_hot(np.zeros(0, np.int64)), ValueError, r"cannot infer num_classes"),
    (lambda: F.cross_entropy(Tensor(1.0), np.array(0)), ValueError, r"needs a class axis|class axis"),
    (lambda: F.embedding(np.array([0]), Tensor(np.zeros((2, 2))), padding_idx=2), ValueError,
     r"padding_idx must be an int in \[-2, 2\)"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
