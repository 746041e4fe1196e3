"""Initialisers: in place, their statistics match their formulas, seeded reproducibility."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn import Parameter, init

BIG = (400, 500)   # 200,000 draws: the sample std is within about 0.3% of the true one


@pytest.fixture(autouse=True)
def seeded():
    """Each test draws from a freshly seeded generator, so the statistics never flake."""
    tg.manual_seed(0)


def big(dtype=np.float32):
    return Parameter(np.empty(BIG, dtype))


# ---------------------------------------------------------------- fans and gains

@pytest.mark.parametrize("shape, fans", [
    ((3, 5), (5, 3)), ((4, 2, 3, 3), (18, 36)), ((2, 7, 5), (35, 10))])
def test_fan_in_and_fan_out(shape, fans):
    assert init.calculate_fan_in_and_fan_out(np.empty(shape)) == fans


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.calculate_fan_in_and_fan_out(tg.Tensor([1.0, 2.0]))


def test_gains():
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("sigmoid") == init.calculate_gain("linear") == 1.0
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


# ---------------------------------------------------------------- constants

def test_zeros_ones_constant_fill_in_place_and_return_the_tensor():
    t = Parameter(np.full((3, 2), 5.0))
    data = t.array
    assert init.zeros_(t) is t and t.array is data and not t.array.any()
    assert init.ones_(t) is t and (t.array == 1).all()
    assert (init.constant_(t, 0.25).array == 0.25).all()


def test_initialisers_record_no_graph_and_keep_the_dtype():
    t = Parameter(np.empty((20, 30), np.float32))
    init.xavier_uniform_(t)
    assert t.dtype == np.float32 and t.op is None and t.requires_grad


def test_a_non_float_target_is_a_type_error():
    with pytest.raises(TypeError, match="expected a Tensor or a float NumPy array"):
        init.zeros_(np.zeros(3, np.int64))


# ---------------------------------------------------------------- distributions

def test_uniform_bounds_and_moments():
    t = init.uniform_(big(), -2.0, 3.0)
    assert t.array.min() >= -2.0 and t.array.max() <= 3.0
    assert t.array.mean() == pytest.approx(0.5, abs=0.02)
    assert t.array.std() == pytest.approx(5 / math.sqrt(12), rel=0.01)


def test_normal_moments():
    t = init.normal_(big(np.float64), 1.5, 0.5)
    assert t.array.mean() == pytest.approx(1.5, abs=0.005)
    assert t.array.std() == pytest.approx(0.5, rel=0.01)


def test_xavier_uniform_bound_and_std():
    t = init.xavier_uniform_(big(), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (400 + 500))
    assert np.abs(t.array).max() <= bound
    assert t.array.std() == pytest.approx(2.0 * math.sqrt(2 / 900), rel=0.01)


def test_xavier_normal_std():
    t = init.xavier_normal_(big(), gain=0.5)
    assert t.array.mean() == pytest.approx(0.0, abs=1e-3)
    assert t.array.std() == pytest.approx(0.5 * math.sqrt(2 / 900), rel=0.01)


@pytest.mark.parametrize("mode, fan", [("fan_in", 500), ("fan_out", 400)])
def test_kaiming_uniform_bound_and_std(mode, fan):
    t = init.kaiming_uniform_(big(), a=0.0, mode=mode, nonlinearity="relu")
    std = math.sqrt(2) / math.sqrt(fan)
    assert np.abs(t.array).max() <= math.sqrt(3) * std
    assert t.array.std() == pytest.approx(std, rel=0.01)


def test_kaiming_uniform_with_slope_root_five_is_linears_default():
    t = init.kaiming_uniform_(big(), a=math.sqrt(5))
    assert np.abs(t.array).max() <= 1 / math.sqrt(500)
    assert np.abs(t.array).max() > 0.99 / math.sqrt(500)


@pytest.mark.parametrize("mode, fan", [("fan_in", 500), ("fan_out", 400)])
def test_kaiming_normal_std(mode, fan):
    t = init.kaiming_normal_(big(), a=0.2, mode=mode)
    std = math.sqrt(2 / (1 + 0.2 ** 2)) / math.sqrt(fan)
    assert t.array.std() == pytest.approx(std, rel=0.01)


def test_kaiming_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(big(), mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 2, 4)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape):
    t = init.orthogonal_(Parameter(np.empty(shape)), gain=1.5)
    matrix = t.array.reshape(shape[0], -1) / 1.5
    rows, cols = matrix.shape
    product = matrix.T @ matrix if rows >= cols else matrix @ matrix.T
    np.testing.assert_allclose(product, np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.orthogonal_(Parameter(np.empty(3)))


# ---------------------------------------------------------------- randomness

@pytest.mark.parametrize("fill", [
    init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
    init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_,
])
def test_manual_seed_and_generator_make_each_initialiser_reproducible(fill):
    tg.manual_seed(3)
    first = fill(Parameter(np.empty((5, 4)))).array
    tg.manual_seed(3)
    second = fill(Parameter(np.empty((5, 4)))).array
    np.testing.assert_array_equal(first, second)
    own = [fill(Parameter(np.empty((5, 4))), generator=np.random.default_rng(7)).array
           for _ in range(2)]
    np.testing.assert_array_equal(own[0], own[1])
    assert not np.array_equal(own[0], first)


def test_argument_errors():
    t = Parameter(np.empty((2, 2)))
    with pytest.raises(ValueError, match="need a <= b"):
        init.uniform_(t, 1.0, 0.0)
    with pytest.raises(ValueError, match="std must be >= 0"):
        init.normal_(t, 0.0, -1.0)
    with pytest.raises(TypeError, match="negative slope must be a number"):
        init.calculate_gain("leaky_relu", "steep")


def test_orthogonal_of_an_empty_tensor_is_a_no_op():
    t = Parameter(np.empty((0, 3)))
    assert init.orthogonal_(t) is t
