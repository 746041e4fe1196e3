"""L-BFGS follows its equations (steepest descent first, then the two-loop recursion, which
equals the BFGS inverse-Hessian update), keeps the closure protocol and its contracts, stops
where it should, and resumes exactly from its state dict (and from a checkpoint file). Its
iterates against PyTorch's are checked in ``test_optim_against_pytorch.py``."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.optim import LBFGS, SGD
from tinygrad_rnn.optim.lbfgs import _two_loop
from tinygrad_rnn.optim.line_search import cubic_minimizer, strong_wolfe
from tinygrad_rnn.tensor import Tensor

RNG = np.random.default_rng(7)
Q = RNG.normal(size=(5, 5))
H = Q @ Q.T + 5 * np.eye(5)        # a well-conditioned positive definite Hessian
C = RNG.normal(size=5)


def quadratic(x):
    """f(x) = x'Hx / 2 - c'x, minimum at the solution of H x = c."""
    return 0.5 * (x * (tg.tensor(H) @ x)).sum() - (tg.tensor(C) * x).sum()


def counted_closure(optimizer, params, loss_fn):
    """A PyTorch-style closure that counts its calls in ``closure.calls``."""
    def closure():
        closure.calls += 1
        optimizer.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss
    closure.calls = 0
    return closure


def minimize(loss_fn, x0, steps=1, **options):
    x = tg.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    optimizer = LBFGS([x], **options)
    closure = counted_closure(optimizer, [x], loss_fn)
    losses = [optimizer.step(closure) for _ in range(steps)]
    return x, optimizer, closure, losses


# ---------------------------------------------------------------- the equations

@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_reaches_the_minimum_of_a_quadratic(line_search_fn):
    x, *_ = minimize(quadratic, np.zeros(5), line_search_fn=line_search_fn,
                     tolerance_grad=1e-12, tolerance_change=0)
    np.testing.assert_allclose(x.array, np.linalg.solve(H, C), rtol=1e-9, atol=1e-10)


def test_the_first_iteration_is_steepest_descent_scaled_by_the_gradients_l1_norm():
    x0 = np.arange(1.0, 6.0)
    g0 = H @ x0 - C
    x, optimizer, closure, (loss,) = minimize(quadratic, x0, max_iter=1, lr=0.5)
    np.testing.assert_allclose(x.array, x0 - 0.5 * min(1.0, 1.0 / np.abs(g0).sum()) * g0,
                               rtol=1e-14)
    assert closure.calls == 1    # the last iteration does not re-evaluate without a search
    assert loss.item() == pytest.approx(0.5 * x0 @ H @ x0 - C @ x0, rel=1e-14)


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(0, 4))
def test_the_two_loop_recursion_applies_the_bfgs_inverse_hessian(seed, pairs):
    rng = np.random.default_rng(seed)
    n = 4
    g = rng.normal(size=n)
    steps = [rng.normal(size=n) for _ in range(pairs)]
    dirs = [s + 0.1 * rng.normal(size=n) for s in steps]       # y's with y's > 0
    rho = [1.0 / (y @ s) for y, s in zip(dirs, steps)]
    gamma = 0.7
    # The BFGS update, oldest pair first: H <- (I - rho s y') H (I - rho y s') + rho s s'
    inverse = gamma * np.eye(n)
    for s, y, r in zip(steps, dirs, rho):
        inverse = ((np.eye(n) - r * np.outer(s, y)) @ inverse @ (np.eye(n) - r * np.outer(y, s))
                   + r * np.outer(s, s))
    np.testing.assert_allclose(_two_loop(g, steps, dirs, rho, gamma), -inverse @ g,
                               rtol=1e-9, atol=1e-9)


def test_history_keeps_the_newest_pairs_and_skips_non_convex_ones():
    x, optimizer, *_ = minimize(quadratic, np.ones(5), steps=1, history_size=2, max_iter=6,
                                tolerance_change=0, tolerance_grad=0)
    state = optimizer.state[x]
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 2
    assert state["n_iter"] == 6
    for y, s, r in zip(state["old_dirs"], state["old_stps"], state["ro"]):
        assert r == pytest.approx(1.0 / (y @ s), rel=1e-14)
        np.testing.assert_allclose(y, H @ s, rtol=1e-9, atol=1e-12)  # y = H s on a quadratic
    y, s = state["old_dirs"][-1], state["old_stps"][-1]
    assert state["H_diag"] == pytest.approx((y @ s) / (y @ y), rel=1e-14)


# ---------------------------------------------------------------- the closure protocol

@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_step_returns_the_first_loss_and_counts_every_closure_call(line_search_fn):
    x0 = np.ones(5)
    x, optimizer, closure, (loss,) = minimize(quadratic, x0, line_search_fn=line_search_fn)
    assert isinstance(loss, Tensor)
    assert loss.item() == pytest.approx(0.5 * x0 @ H @ x0 - C @ x0, rel=1e-14)
    assert optimizer.state[x]["func_evals"] == closure.calls > 1


def test_max_eval_bounds_the_closure_calls_without_a_line_search():
    *_, closure, _ = minimize(quadratic, np.ones(5), max_iter=100, max_eval=7,
                              tolerance_grad=0, tolerance_change=0)
    assert closure.calls == 7
    assert LBFGS([Tensor([1.0])], max_iter=8).defaults["max_eval"] == 10   # max_iter * 5 // 4


def test_at_a_minimum_it_evaluates_once_and_does_not_move():
    solution = np.linalg.solve(H, C)
    x, optimizer, closure, _ = minimize(quadratic, solution, tolerance_grad=1e-6)
    assert closure.calls == 1
    np.testing.assert_array_equal(x.array, solution)


def test_a_parameter_without_a_gradient_counts_as_zero_and_stays():
    x = tg.tensor(np.ones(5), requires_grad=True)
    unused = tg.tensor([3.0, 4.0], dtype=tg.float64, requires_grad=True)
    optimizer = LBFGS([unused, x], tolerance_grad=1e-12, tolerance_change=0)
    optimizer.step(counted_closure(optimizer, [x], quadratic))
    np.testing.assert_array_equal(unused.array, [3.0, 4.0])
    np.testing.assert_allclose(x.array, np.linalg.solve(H, C), rtol=1e-9, atol=1e-10)


def test_float32_parameters_keep_their_dtype_and_arrays():
    x = tg.tensor([2.0, -1.0], requires_grad=True)
    array = x.array
    optimizer = LBFGS([x], line_search_fn="strong_wolfe")
    optimizer.step(counted_closure(optimizer, [x], lambda x: ((x - 0.5) ** 2).sum()))
    assert x.array is array and x.dtype == np.float32
    np.testing.assert_allclose(x.array, [0.5, 0.5], atol=1e-6)


def test_bad_use_raises_clear_errors():
    p = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        LBFGS([p]).step(None)
    with pytest.raises(ValueError, match="parameter groups are not supported"):
        LBFGS([{"params": [p]}, {"params": [Tensor([2.0])]}])
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        LBFGS([p], line_search_fn="backtracking")
    for option in ("max_iter", "max_eval", "history_size"):
        with pytest.raises(ValueError, match=f"LBFGS: {option} must be a positive int"):
            LBFGS([p], **{option: 0})
    with pytest.raises(ValueError, match="LBFGS: lr must be >= 0"):
        LBFGS([p], lr=-1)


# ---------------------------------------------------------------- saving and resuming

def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_resuming_from_a_state_dict_gives_identical_iterates(line_search_fn):
    options = dict(max_iter=3, history_size=2, line_search_fn=line_search_fn, lr=0.5)
    x, optimizer, closure, _ = minimize(rosenbrock, [-1.2, 1.0, 0.5], steps=3, **options)
    saved, checkpoint = optimizer.state_dict(), x.array.copy()
    for _ in range(4):
        optimizer.step(closure)

    y = tg.tensor(checkpoint, requires_grad=True)
    resumed = LBFGS([y], **options)
    resumed.load_state_dict(saved)
    closure = counted_closure(resumed, [y], rosenbrock)
    for _ in range(4):
        resumed.step(closure)
    np.testing.assert_array_equal(y.array, x.array)
    assert resumed.state[y]["func_evals"] == optimizer.state[x]["func_evals"]


def test_state_dict_holds_the_history_as_arrays_and_survives_a_checkpoint_file(tmp_path):
    x, optimizer, closure, _ = minimize(rosenbrock, [-1.2, 1.0, 0.5], steps=2, max_iter=4,
                                        history_size=3, line_search_fn="strong_wolfe")
    saved = optimizer.state_dict()["state"][0]
    assert saved["old_dirs"].shape == saved["old_stps"].shape == (3, 3)
    assert saved["ro"].shape == (3,) and saved["d"].shape == (3,)

    tg.save(tmp_path / "lbfgs.safetensors", optimizer=optimizer)
    y = tg.tensor(x.array.copy(), requires_grad=True)
    loaded = LBFGS([y], max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    tg.load(tmp_path / "lbfgs.safetensors", optimizer=loaded)
    optimizer.step(closure)
    loaded.step(counted_closure(loaded, [y], rosenbrock))
    np.testing.assert_array_equal(y.array, x.array)


def test_a_fresh_state_dict_round_trips_and_a_mismatched_one_is_refused():
    x, optimizer, *_ = minimize(rosenbrock, [-1.2, 1.0, 0.5], steps=1)
    other = LBFGS([tg.tensor(np.zeros(4), requires_grad=True)])
    with pytest.raises(ValueError, match=r"LBFGS.load_state_dict: state '\w+' has shape "
                                         r"\(.*3,?\), expected .* for 4 parameter values"):
        other.load_state_dict(optimizer.state_dict())
    with pytest.raises(ValueError, match="saved by SGD, not LBFGS"):
        other.load_state_dict(SGD([x], lr=0.1).state_dict())
    fresh = LBFGS([x])
    fresh.load_state_dict(LBFGS([x]).state_dict())
    assert fresh.state == {}


# ---------------------------------------------------------------- the line search

def test_cubic_minimizer_finds_the_minimum_of_a_cubic():
    # phi(t) = t^3 - 3t: phi(0) = 0, phi'(0) = -3, phi(2) = 2, phi'(2) = 9; minimum at t = 1
    assert cubic_minimizer(0.0, 0.0, -3.0, 2.0, 2.0, 9.0) == pytest.approx(1.0, rel=1e-15)
    assert cubic_minimizer(2.0, 2.0, 9.0, 0.0, 0.0, -3.0) == pytest.approx(1.0, rel=1e-15)
    assert cubic_minimizer(0.0, 0.0, -3.0, 2.0, 2.0, 9.0, bounds=(1.5, 4.0)) == 1.5


def test_cubic_minimizer_without_a_minimum_takes_the_midpoint():
    # slopes of one sign and d1^2 < g1 g2: phi(t) = t^3 + t has no minimum
    assert cubic_minimizer(0.0, 0.0, 1.0, 1.0, 2.0, 4.0, bounds=(0.0, 3.0)) == 1.5


@settings(deadline=None, max_examples=50)
@given(st.floats(0.05, 20.0), st.floats(0.01, 5.0), st.floats(1e-3, 50.0))
def test_strong_wolfe_returns_a_step_meeting_both_conditions(minimum, curvature, first_step):
    """phi(t) = curvature * (t - m)^2 + (t - m)^4 along d = 1, from x = 0."""
    calls = []

    def evaluate(t):
        calls.append(t)
        u = t - minimum
        return curvature * u * u + u ** 4, np.array([2 * curvature * u + 4 * u ** 3])

    f0, g0 = evaluate(0.0)
    f, g, t, evaluations = strong_wolfe(evaluate, np.ones(1), first_step, f0, g0)
    assert evaluations == len(calls) - 1                # the count is the calls it made
    f_t, g_t = evaluate(t)
    assert f == f_t and g[0] == g_t[0]                  # the values at the returned step
    assert f <= f0 + 1e-4 * t * g0[0]                   # (W1)
    assert abs(g[0]) <= 0.9 * abs(g0[0])               # (W2)
    assert t > 0


@pytest.mark.parametrize("max_ls", [1, 2, 5])
def test_strong_wolfe_stops_after_max_ls_more_evaluations(max_ls):
    # NOTE: phi(t) = -t - t^2/100 falls ever faster, so no step meets (W2) and none brackets
    # one: the search runs out of evaluations, the first trial and then max_ls more.
    calls = []

    def evaluate(t):
        calls.append(t)
        return -t - t * t / 100, np.array([-1.0 - t / 50])

    f0, g0 = evaluate(0.0)
    calls.clear()
    *_, evaluations = strong_wolfe(evaluate, np.ones(1), 1.0, f0, g0, max_ls=max_ls)
    assert len(calls) == evaluations == max_ls + 1
