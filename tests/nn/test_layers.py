"""Linear, Embedding, Dropout and Sequential: values, gradients, init and input checks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.nn import Dropout, Embedding, Linear, Sequential
from tinygrad_rnn.testing import gradcheck
from tinygrad_rnn.testing.strategies import floats_arrays


# ---------------------------------------------------------------- Linear

def test_linear_has_pytorch_names_and_shapes():
    layer = Linear(3, 2)
    shapes = {name: p.shape for name, p in layer.named_parameters()}
    assert shapes == {"weight": (2, 3), "bias": (2,)}
    assert layer.weight.dtype == np.float32
    assert Linear(3, 2, dtype=np.float64).bias.dtype == np.float64
    assert Linear(3, 2, bias=False).bias is None


@given(st.data(), st.integers(1, 5), st.integers(1, 5), st.booleans(),
       st.lists(st.integers(1, 3), max_size=2))
def test_linear_forward_equals_x_times_w_transposed_plus_b(data, n_in, n_out, bias, batch):
    layer = Linear(n_in, n_out, bias=bias, dtype=np.float64)
    x = data.draw(floats_arrays(tuple(batch) + (n_in,)))
    expected = x @ layer.weight.array.T + (layer.bias.array if bias else 0.0)
    y = layer(tg.Tensor(x))
    assert y.shape == tuple(batch) + (n_out,)
    np.testing.assert_allclose(y.array, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_match_finite_differences(bias):
    tg.manual_seed(0)
    layer = Linear(3, 2, bias=bias, dtype=np.float64)
    x = tg.Tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
    params = list(layer.parameters())
    assert gradcheck(lambda x, *_: layer(x), [x, *params])


def test_linear_init_lies_within_plus_minus_one_over_root_in_features():
    tg.manual_seed(0)
    layer = Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for param in (layer.weight, layer.bias):
        assert np.abs(param.array).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3): the bounds are used, not just respected.
    assert np.std(layer.weight.array) == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(layer.weight.array).max() > 0.99 * bound


def test_manual_seed_makes_linear_init_reproducible():
    tg.manual_seed(0)
    first = Linear(5, 4).state_dict()
    tg.manual_seed(0)
    second = Linear(5, 4).state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert not np.array_equal(Linear(5, 4).weight.array, first["weight"])


def test_linear_rejects_a_wrong_last_dimension_naming_both():
    with pytest.raises(ValueError, match=r"Linear: expected input with last dimension 3 "
                                         r"\(in_features\), got shape \(2, 4\)"):
        Linear(3, 2)(tg.Tensor(np.zeros((2, 4), np.float32)))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_linear_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        Linear(bad, 2)


# ---------------------------------------------------------------- Embedding

def test_embedding_looks_up_rows():
    table = Embedding(6, 3)
    indices = np.array([[0, 5], [2, 2]])
    np.testing.assert_array_equal(table(indices).array, table.weight.array[indices])
    assert table([1, 2, 3]).shape == (3, 3)


def test_embedding_init_is_standard_normal():
    tg.manual_seed(0)
    weight = Embedding(1000, 50).weight.array
    assert abs(weight.mean()) < 0.01 and weight.std() == pytest.approx(1.0, abs=0.01)


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    table = Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(table.weight.array[1], np.zeros(3))
    table.weight.array[1] = 7.0   # a nonzero padding row is still returned as stored
    indices = np.array([[1, 2, 1], [3, 1, 2]])
    y = table(indices)
    np.testing.assert_array_equal(y.array, table.weight.array[indices])
    (y * y).sum().backward()
    np.testing.assert_array_equal(table.weight.grad.array[1], np.zeros(3))
    np.testing.assert_allclose(table.weight.grad.array[2], 2 * 2 * table.weight.array[2], rtol=1e-6)
    np.testing.assert_array_equal(table.weight.grad.array[0], np.zeros(3))


def test_embedding_without_padding_positions_is_a_plain_lookup():
    table = Embedding(5, 3, padding_idx=0)
    y = table([1, 2])
    assert y.op == "Embedding"
    np.testing.assert_array_equal(y.array, table.weight.array[[1, 2]])


def test_embedding_negative_padding_idx_counts_from_the_end():
    assert Embedding(5, 2, padding_idx=-1).padding_idx == 4
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(5, 2, padding_idx=5)


def test_embedding_gradient_matches_finite_differences():
    table = Embedding(4, 2, dtype=np.float64)
    indices = np.array([0, 3, 3, 1])
    assert gradcheck(lambda w: table(indices) * table(indices), [table.weight])


@pytest.mark.parametrize("bad", [np.array([0.0, 1.0]), tg.Tensor([0.0, 1.0]), np.array([True])])
def test_embedding_requires_integer_indices(bad):
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        Embedding(3, 2)(bad)


def test_embedding_from_pretrained_copies_and_freezes_unless_told():
    table = np.arange(6.0).reshape(3, 2)
    frozen = Embedding.from_pretrained(table, padding_idx=0)
    np.testing.assert_array_equal(frozen.weight.array, table)   # the padding row kept, as PyTorch
    assert not frozen.weight.requires_grad and not np.shares_memory(frozen.weight.array, table)
    trained = Embedding.from_pretrained(tg.Tensor(table), freeze=False)
    trained([2, 2]).sum().backward()
    np.testing.assert_array_equal(trained.weight.grad.array, [[0, 0], [0, 0], [2, 2]])
    with pytest.raises(ValueError, match="expected a 2-D table"):
        Embedding.from_pretrained(np.zeros(3))


def test_embedding_rejects_out_of_range_indices():
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        Embedding(3, 2)([0, 3])


# ---------------------------------------------------------------- Dropout

def test_dropout_drops_in_training_and_is_the_identity_in_eval():
    tg.manual_seed(0)
    layer = Dropout(0.5)
    x = tg.Tensor(np.ones((200, 200), np.float32))
    y = layer(x).array
    assert set(np.unique(y)) == {0.0, 2.0}
    assert (y == 0).mean() == pytest.approx(0.5, abs=0.02)
    layer.eval()
    np.testing.assert_array_equal(layer(x).array, x.array)


def test_dropout_follows_the_mode_of_its_parent():
    net = Sequential(Linear(4, 4), Dropout(0.9))
    x = tg.Tensor(np.ones((3, 4), np.float32))
    net.eval()
    np.testing.assert_array_equal(net(x).array, net[0](x).array)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5"])
def test_dropout_rejects_bad_p(bad):
    with pytest.raises(ValueError, match="p must be a number in"):
        Dropout(bad)


# ---------------------------------------------------------------- Sequential

def test_sequential_chains_its_modules_in_order():
    first, second = Linear(3, 4, dtype=np.float64), Linear(4, 2, dtype=np.float64)
    net = Sequential(first, second)
    x = tg.Tensor(np.ones((5, 3)))
    np.testing.assert_array_equal(net(x).array, second(first(x)).array)
    assert len(net) == 2 and net[1] is second and list(net) == [first, second]


def test_sequential_from_a_dict_uses_its_names():
    net = Sequential({"encoder": Linear(2, 3), "decoder": Linear(3, 2)})
    assert [name for name, _ in net.named_parameters()] == [
        "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]
    assert net[1] is net.decoder
