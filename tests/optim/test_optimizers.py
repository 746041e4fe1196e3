"""Optimizers follow their update equations step by step, keep their contracts
(in-place updates, None grads skipped, groups, validation) and resume exactly."""

import math

import numpy as np
import pytest

from tinygrad_rnn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from tinygrad_rnn.tensor import Tensor

# Three steps of fixed gradients for a two-element parameter; the expected values below
# unroll each optimizer's textbook equations by hand, step by step.
P0 = np.array([1.0, -2.0])
G = [np.array([0.5, 1.0]), np.array([-1.0, 0.5]), np.array([2.0, -0.25])]


def trajectory(make_optimizer, p0=P0, grads=G):
    """The parameter after each step, with ``grads[k]`` as the gradient of step k."""
    p = Tensor(np.array(p0, dtype=np.float64))
    optimizer = make_optimizer([p])
    values = []
    for g in grads:
        p.grad = np.array(g, dtype=np.float64)
        optimizer.step()
        values.append(p.array.copy())
    return values


def assert_steps(actual, expected):
    assert len(actual) == len(expected)
    for k, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=f"step {k + 1}")


# ---------------------------------------------------------------- SGD by hand

def test_sgd_plain_steps_against_the_equations():
    lr = 0.1
    p1 = P0 - lr * G[0]
    p2 = p1 - lr * G[1]
    p3 = p2 - lr * G[2]
    assert_steps(trajectory(lambda ps: SGD(ps, lr=lr)), [p1, p2, p3])
    np.testing.assert_allclose(p1, [0.95, -2.1])  # 1 - 0.1*0.5, -2 - 0.1*1


def test_sgd_momentum_steps_against_the_equations():
    lr, mu = 0.1, 0.9
    b1 = G[0]                       # the first buffer is the gradient itself
    p1 = P0 - lr * b1
    b2 = mu * b1 + G[1]
    p2 = p1 - lr * b2
    b3 = mu * b2 + G[2]
    p3 = p2 - lr * b3
    assert_steps(trajectory(lambda ps: SGD(ps, lr=lr, momentum=mu)), [p1, p2, p3])
    np.testing.assert_allclose(p2[0], 1.005)  # b2 = 0.45 - 1 = -0.55; 0.95 + 0.055


def test_sgd_dampening_damps_every_gradient_but_the_first():
    lr, mu, tau = 0.1, 0.9, 0.5
    b1 = G[0]
    p1 = P0 - lr * b1
    b2 = mu * b1 + (1 - tau) * G[1]
    p2 = p1 - lr * b2
    b3 = mu * b2 + (1 - tau) * G[2]
    p3 = p2 - lr * b3
    assert_steps(trajectory(lambda ps: SGD(ps, lr=lr, momentum=mu, dampening=tau)), [p1, p2, p3])


def test_sgd_nesterov_steps_against_the_equations():
    lr, mu = 0.1, 0.9
    b1 = G[0]
    p1 = P0 - lr * (G[0] + mu * b1)
    b2 = mu * b1 + G[1]
    p2 = p1 - lr * (G[1] + mu * b2)
    b3 = mu * b2 + G[2]
    p3 = p2 - lr * (G[2] + mu * b3)
    assert_steps(trajectory(lambda ps: SGD(ps, lr=lr, momentum=mu, nesterov=True)), [p1, p2, p3])
    np.testing.assert_allclose(p1[0], 0.905)  # 1 - 0.1 * (0.5 + 0.45)


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    lr, lam, mu = 0.1, 0.01, 0.5
    g1 = G[0] + lam * P0
    b1 = g1
    p1 = P0 - lr * b1
    g2 = G[1] + lam * p1
    b2 = mu * b1 + g2
    p2 = p1 - lr * b2
    g3 = G[2] + lam * p2
    b3 = mu * b2 + g3
    p3 = p2 - lr * b3
    assert_steps(trajectory(lambda ps: SGD(ps, lr=lr, momentum=mu, weight_decay=lam)),
                 [p1, p2, p3])


# ---------------------------------------------------------------- Adam, AdamW by hand

def adam_by_hand(lr, beta1, beta2, eps, l2=0.0, decoupled=0.0):
    """Three Adam steps unrolled; ``l2`` joins the gradient, ``decoupled`` shrinks weights."""
    p, m, v, out = P0, 0.0, 0.0, []
    for t, g in enumerate(G, start=1):
        p = p * (1 - lr * decoupled)
        g = g + l2 * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def test_adam_first_step_moves_every_weight_by_lr_against_the_sign():
    # m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / |g|.
    (p1,) = trajectory(lambda ps: Adam(ps, lr=0.1, eps=0.0), grads=G[:1])
    np.testing.assert_allclose(p1, [0.9, -2.1], rtol=1e-15)


def test_adam_steps_against_the_equations():
    expected = adam_by_hand(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    assert_steps(trajectory(lambda ps: Adam(ps, lr=0.1)), expected)
    # second step, first element, by hand: m2 = 0.045 - 0.1, v2 = 0.00024975 + 0.001
    m_hat, v_hat = -0.055 / (1 - 0.9 ** 2), 0.00124975 / (1 - 0.999 ** 2)
    np.testing.assert_allclose(expected[1][0], 0.9 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_adam_weight_decay_is_l2_added_to_the_gradient():
    expected = adam_by_hand(lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6, l2=0.1)
    assert_steps(trajectory(lambda ps: Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6,
                                            weight_decay=0.1)), expected)


def test_adamw_weight_decay_shrinks_the_weights_directly():
    expected = adam_by_hand(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, decoupled=0.1)
    assert_steps(trajectory(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.1)), expected)
    assert AdamW([Tensor([1.0])]).defaults["weight_decay"] == 1e-2


def test_adam_and_adamw_differ_only_when_decaying():
    adam = trajectory(lambda ps: Adam(ps, lr=0.1, weight_decay=0.1))
    adamw = trajectory(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.1))
    assert not np.allclose(adam[-1], adamw[-1])
    assert_steps(trajectory(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0)),
                 trajectory(lambda ps: Adam(ps, lr=0.1)))


# ---------------------------------------------------------------- Adagrad by hand

def test_adagrad_steps_against_the_equations():
    lr, eps = 0.5, 1e-10
    s1 = G[0] ** 2
    p1 = P0 - lr * G[0] / (np.sqrt(s1) + eps)
    s2 = s1 + G[1] ** 2
    p2 = p1 - lr * G[1] / (np.sqrt(s2) + eps)
    s3 = s2 + G[2] ** 2
    p3 = p2 - lr * G[2] / (np.sqrt(s3) + eps)
    assert_steps(trajectory(lambda ps: Adagrad(ps, lr=lr)), [p1, p2, p3])
    np.testing.assert_allclose(p2[0], 0.5 + 0.5 / math.sqrt(1.25))  # s2 = 0.25 + 1


def test_adagrad_initial_accumulator_and_weight_decay():
    lr, lam, s0 = 0.5, 0.1, 0.3
    g1 = G[0] + lam * P0
    s1 = s0 + g1 ** 2
    p1 = P0 - lr * g1 / (np.sqrt(s1) + 1e-10)
    g2 = G[1] + lam * p1
    s2 = s1 + g2 ** 2
    p2 = p1 - lr * g2 / (np.sqrt(s2) + 1e-10)
    actual = trajectory(lambda ps: Adagrad(ps, lr=lr, weight_decay=lam,
                                           initial_accumulator_value=s0), grads=G[:2])
    assert_steps(actual, [p1, p2])


# ---------------------------------------------------------------- RMSprop by hand

def rmsprop_by_hand(lr, alpha, eps, momentum=0.0, centered=False, decay=0.0):
    """Three RMSprop steps unrolled from the update equations."""
    p, v, mean, b, out = P0, 0.0, 0.0, 0.0, []
    for g in G:
        g = g + decay * p
        v = alpha * v + (1 - alpha) * g ** 2
        mean = alpha * mean + (1 - alpha) * g
        scale = np.sqrt(v - mean ** 2 if centered else v) + eps
        b = momentum * b + g / scale
        p = p - lr * (b if momentum else g / scale)
        out.append(p)
    return out


def test_rmsprop_first_step_divides_by_the_root_of_one_minus_alpha():
    # v1 = (1 - alpha) g^2, so the step is lr * g / (sqrt(1 - alpha) |g|)
    (p1,) = trajectory(lambda ps: RMSprop(ps, lr=0.01, eps=0.0), grads=G[:1])
    np.testing.assert_allclose(p1, P0 - 0.01 / math.sqrt(0.01) * np.sign(G[0]), rtol=1e-14)


@pytest.mark.parametrize("options", [
    dict(), dict(momentum=0.9), dict(centered=True), dict(centered=True, momentum=0.5),
    dict(weight_decay=0.1, alpha=0.9, eps=1e-3)], ids=repr)
def test_rmsprop_steps_against_the_equations(options):
    expected = rmsprop_by_hand(lr=0.05, alpha=options.get("alpha", 0.99),
                               eps=options.get("eps", 1e-8), momentum=options.get("momentum", 0),
                               centered=options.get("centered", False),
                               decay=options.get("weight_decay", 0.0))
    assert_steps(trajectory(lambda ps: RMSprop(ps, lr=0.05, **options)), expected)


def test_rmsprop_centered_divides_by_the_deviation_not_the_root_mean_square():
    # two steps of opposite gradients +-1 with alpha = 0.5: v = 0.75, mean = -0.25
    p = Tensor(np.array([0.0]), requires_grad=True)
    optimizer = RMSprop([p], lr=1.0, alpha=0.5, eps=0.0, centered=True)
    for g in (1.0, -1.0):
        p.grad = np.array([g])
        optimizer.step()
    first = -1.0 / math.sqrt(0.5 - 0.25)
    np.testing.assert_allclose(p.array, [first + 1.0 / math.sqrt(0.75 - 0.0625)], rtol=1e-14)


# ---------------------------------------------------------------- contracts of every optimizer

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd_momentum": lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda ps: Adam(ps, lr=0.1, weight_decay=0.01),
    "adamw": lambda ps: AdamW(ps, lr=0.1),
    "adagrad": lambda ps: Adagrad(ps, lr=0.1, weight_decay=0.01),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.1, weight_decay=0.01),
    "rmsprop_centered_momentum": lambda ps: RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
}
each_optimizer = pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())


@each_optimizer
def test_step_updates_data_in_place_and_leaves_grad_alone(make):
    p = Tensor([1.0, 2.0, 3.0])
    data = p.array
    p.grad = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    grad = p.grad.array.copy()
    make([p]).step()
    assert p.array is data and p.array.dtype == np.float32
    assert not np.array_equal(p.array, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(p.grad, grad)


@each_optimizer
def test_params_with_none_grad_are_untouched(make):
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    b.grad = np.ones(2, np.float32)
    optimizer = make([a, b])
    for _ in range(3):
        optimizer.step()
    np.testing.assert_array_equal(a.array, [1.0, 2.0])
    assert a not in optimizer.state and b in optimizer.state


@each_optimizer
def test_zero_grad_sets_grads_to_none(make):
    params = [Tensor([1.0]), Tensor([2.0])]
    for p in params:
        p.grad = np.ones(1, np.float32)
    make(params).zero_grad()
    assert all(p.grad is None for p in params)


def test_parameter_groups_have_their_own_lr_and_inherit_the_rest():
    a, b = Tensor([1.0], dtype=np.float64), Tensor([1.0], dtype=np.float64)
    optimizer = SGD([{"params": [a], "lr": 0.5}, {"params": [b]}], lr=0.1, momentum=0.9)
    assert optimizer.param_groups[0]["momentum"] == 0.9
    assert [g["lr"] for g in optimizer.param_groups] == [0.5, 0.1]
    for _ in range(2):
        a.grad, b.grad = np.ones(1), np.ones(1)
        optimizer.step()
    # buffers 1 then 1.9: a = 1 - 0.5 * (1 + 1.9), b = 1 - 0.1 * (1 + 1.9)
    np.testing.assert_allclose(a.array, [1 - 0.5 * 2.9])
    np.testing.assert_allclose(b.array, [1 - 0.1 * 2.9])


def test_params_may_be_a_generator():
    params = (Tensor([float(i)]) for i in range(3))
    assert len(SGD(params, lr=0.1).param_groups[0]["params"]) == 3


@pytest.mark.parametrize("make, message", [
    (lambda: SGD([Tensor([1.0])], lr=-0.1), "lr must be >= 0"),
    (lambda: SGD([Tensor([1.0])], lr=0.1, momentum=-1), "momentum"),
    (lambda: SGD([Tensor([1.0])], lr=0.1, dampening=2), "dampening"),
    (lambda: SGD([Tensor([1.0])], lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda: SGD([Tensor([1.0])], lr=0.1, nesterov=True), "nesterov"),
    (lambda: SGD([Tensor([1.0])], lr=float("nan")), "real number"),
    (lambda: SGD([{"params": [Tensor([1.0])], "lr": -1}], lr=0.1), "lr must be >= 0"),
    (lambda: Adam([Tensor([1.0])], betas=(0.9, 1.0)), r"betas\[1\]"),
    (lambda: Adam([Tensor([1.0])], betas=(-0.1, 0.9)), r"betas\[0\]"),
    (lambda: Adam([Tensor([1.0])], betas=(0.9,)), "pair"),
    (lambda: AdamW([Tensor([1.0])], eps=-1e-8), "AdamW: eps"),
    (lambda: Adagrad([Tensor([1.0])], initial_accumulator_value=-1), "initial_accumulator"),
    (lambda: Adagrad([Tensor([1.0])], lr=-1), "lr"),
    (lambda: RMSprop([Tensor([1.0])], alpha=1.5), "RMSprop: alpha must be >= 0.0 and <= 1.0"),
    (lambda: RMSprop([Tensor([1.0])], momentum=-0.9), "RMSprop: momentum"),
    (lambda: RMSprop([Tensor([1.0])], eps=-1.0), "RMSprop: eps"),
    (lambda: SGD([], lr=0.1), "empty parameter list"),
    (lambda: SGD([{"params": [Tensor([1.0])], "betas": 1}], lr=0.1), "unknown options"),
])
def test_bad_hyperparameters_raise_clear_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_params_raise():
    p = Tensor([1.0])
    with pytest.raises(TypeError, match="wrap it in a list"):
        SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="must be Tensors"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_the_base_class_needs_an_update_rule():
    p = Tensor([1.0])
    p.grad = np.ones(1, np.float32)
    with pytest.raises(NotImplementedError):
        Optimizer([p], {"lr": 0.1}).step()


# ---------------------------------------------------------------- state_dict and resuming

def make_params():
    rng = np.random.default_rng(0)
    return [Tensor(rng.normal(size=shape)) for shape in [(3,), (2, 2), (4,)]]


def fake_grads(params, step):
    """Deterministic gradients that depend on the parameters (as a real loss would)."""
    for k, p in enumerate(params):
        p.grad = np.sin(p.array * (k + 1) + step).astype(p.dtype)


def grouped(make, params):
    return make([{"params": params[:2]}, {"params": params[2:], "lr": 0.05}])


def run(optimizer, params, steps, first=0):
    for step in range(first, first + steps):
        optimizer.zero_grad()
        fake_grads(params, step)
        optimizer.step()


@each_optimizer
def test_resuming_from_a_state_dict_gives_identical_results(make):
    params = make_params()
    optimizer = grouped(make, params)
    run(optimizer, params, 3)
    saved = optimizer.state_dict()
    checkpoint = [p.array.copy() for p in params]
    run(optimizer, params, 4, first=3)

    resumed_params = [Tensor(c) for c in checkpoint]
    resumed = grouped(make, resumed_params)
    resumed.param_groups[0]["lr"] = 123.0  # overwritten by the load
    resumed.load_state_dict(saved)
    run(resumed, resumed_params, 4, first=3)
    for p, q in zip(params, resumed_params):
        np.testing.assert_array_equal(p.array, q.array)


def test_state_dict_layout_numbers_params_across_groups():
    params = make_params()
    optimizer = Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.05}], lr=0.1)
    run(optimizer, params[1:], 1)  # params[0] gets no gradient, so no state
    saved = optimizer.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in saved["param_groups"]] == [0.1, 0.05]
    assert sorted(saved["state"]) == [1, 2]
    assert saved["state"][1]["step"] == 1 and saved["state"][1]["exp_avg"].shape == (2, 2)


def test_state_dict_is_a_copy():
    params = make_params()
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    run(optimizer, params, 1)
    saved = optimizer.state_dict()
    buffer = saved["state"][0]["momentum_buffer"].copy()
    run(optimizer, params, 1, first=1)
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"], buffer)


def test_load_state_dict_rejects_a_mismatched_state():
    params = make_params()
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    run(optimizer, params, 1)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 3 parameters in the saved state, 2 here"):
        SGD(params[:2], lr=0.1).load_state_dict(saved)
    other = [Tensor(np.zeros(s)) for s in [(3,), (2, 2), (5,)]]
    with pytest.raises(ValueError, match=r"shape \(4,\), the parameter has shape \(5,\)"):
        SGD(other, lr=0.1, momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match="keys 'state' and 'param_groups'"):
        SGD(params, lr=0.1).load_state_dict({"state": {}})
    bad = {**saved, "param_groups": [{**saved["param_groups"][0], "lr": -1.0}]}
    with pytest.raises(ValueError, match="lr must be >= 0"):
        SGD(params, lr=0.1).load_state_dict(bad)


# ---------------------------------------------------------------- against PyTorch

TORCH_CASES = {
    "sgd": ("SGD", SGD, dict(lr=0.1)),
    "sgd_momentum_decay": ("SGD", SGD, dict(lr=0.1, momentum=0.9, dampening=0.1,
                                            weight_decay=0.01)),
    "sgd_nesterov": ("SGD", SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    "adam": ("Adam", Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    "adamw": ("AdamW", AdamW, dict(lr=0.01, weight_decay=0.1)),
    "adagrad": ("Adagrad", Adagrad, dict(lr=0.1, weight_decay=0.01,
                                         initial_accumulator_value=0.1)),
    "rmsprop": ("RMSprop", RMSprop, dict(lr=0.01, alpha=0.9, weight_decay=0.01)),
    "rmsprop_centered_momentum": ("RMSprop", RMSprop, dict(lr=0.01, momentum=0.9,
                                                           centered=True)),
}


@pytest.mark.parametrize("case", TORCH_CASES.values(), ids=TORCH_CASES.keys())
def test_matches_pytorch(case):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    torch_name, ours, options = case
    params = make_params()
    theirs = [torch.tensor(p.array.copy(), requires_grad=True) for p in params]
    optimizer = ours(params, **options)
    reference = getattr(torch.optim, torch_name)(theirs, **options)
    for step in range(5):
        fake_grads(params, step)
        for p, q in zip(params, theirs):
            q.grad = torch.from_numpy(p.grad.array.copy())
        optimizer.step()
        reference.step()
        for p, q in zip(params, theirs):
            np.testing.assert_allclose(p.array, q.detach().numpy(), rtol=1e-10, atol=1e-12)
