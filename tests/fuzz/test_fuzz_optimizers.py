"""Fuzzing the optimizers: hyperparameters in and out of their ranges. Each construction
either steps exactly as PyTorch's optimizer does (without torch: as a copy resumed half-way
from its ``state_dict``) or raises a ValueError naming a hyperparameter (also where PyTorch
takes a NaN and steps to NaN); a state loaded into
another class is accepted only where the options are the same (Adam's and AdamW's)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_rnn import Tensor, optim

from contract import FUZZ, assert_contract, outcome, torch

NONNEGATIVE = st.sampled_from([0.0, 0.1, 0.9, -0.1, float("nan")])
OPTIONS = {
    "SGD": dict(lr=NONNEGATIVE, momentum=NONNEGATIVE, dampening=st.sampled_from([0.0, 0.5]),
                weight_decay=NONNEGATIVE, nesterov=st.booleans()),
    "Adam": dict(lr=NONNEGATIVE, betas=st.tuples(NONNEGATIVE | st.just(1.0), NONNEGATIVE),
                 eps=NONNEGATIVE, weight_decay=NONNEGATIVE),
    "AdamW": dict(lr=NONNEGATIVE, betas=st.tuples(NONNEGATIVE, NONNEGATIVE | st.just(1.0)),
                  eps=NONNEGATIVE, weight_decay=NONNEGATIVE),
    "Adagrad": dict(lr=NONNEGATIVE, eps=NONNEGATIVE, weight_decay=NONNEGATIVE,
                    initial_accumulator_value=NONNEGATIVE),
    # NOTE: not alpha = 0 with centered: the variance estimate g^2 - g*g is then exactly 0
    # here, and a rounding error below 0 in PyTorch's fused multiply-add (sqrt gives NaN).
    "RMSprop": dict(lr=NONNEGATIVE, alpha=st.sampled_from([0.1, 0.9, 0.99, -0.1, float("nan")]),
                    eps=NONNEGATIVE,
                    weight_decay=NONNEGATIVE, momentum=NONNEGATIVE, centered=st.booleans()),
}
STEPS = 4


def gradients(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(step)
    return [rng.standard_normal((2, 3)), rng.standard_normal(4)]


def start() -> list[np.ndarray]:
    return [np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(2, -2, 4)]


def ours(name, options, resume_at=None):
    params = [Tensor(p) for p in start()]
    optimizer = getattr(optim, name)(params, **options)
    for step in range(STEPS):
        if step == resume_at:
            saved = optimizer.state_dict()
            optimizer = getattr(optim, name)(params, **options)
            optimizer.load_state_dict(saved)
        for p, g in zip(params, gradients(step)):
            p.grad = g
        optimizer.step()
    return np.concatenate([p.array.ravel() for p in params])


def pytorchs(name, options):
    params = [torch.tensor(p, requires_grad=True) for p in start()]
    optimizer = getattr(torch.optim, name)(params, **options)
    for step in range(STEPS):
        for p, g in zip(params, gradients(step)):
            p.grad = torch.from_numpy(g)
        optimizer.step()
    return np.concatenate([p.detach().numpy().ravel() for p in params])


@st.composite
def optimizer_options(draw):
    name = draw(st.sampled_from(sorted(OPTIONS)))
    return name, {option: draw(values) for option, values in OPTIONS[name].items()}


@FUZZ
@given(drawn=optimizer_options())
def test_optimizers_step_as_pytorchs_or_name_the_hyperparameter(drawn):
    name, options = drawn
    reference = outcome(lambda: pytorchs(name, options) if torch else ours(name, options, 2))
    # NOTE: PyTorch takes a NaN weight_decay (and steps to NaN); we refuse it: may_refuse.
    assert_contract(outcome(lambda: ours(name, options)), reference, tuple(options), 1e-10,
                    may_refuse=True)


@FUZZ
@given(saver=st.sampled_from(sorted(OPTIONS)), loader=st.sampled_from(sorted(OPTIONS)))
def test_a_state_loads_only_into_an_optimizer_with_the_same_options(saver, loader):
    params = [Tensor(p) for p in start()]
    saved = getattr(optim, saver)(params, lr=0.1)
    for p, g in zip(params, gradients(0)):
        p.grad = g
    saved.step()
    error = outcome(lambda: getattr(optim, loader)(params, lr=0.1).load_state_dict(saved.state_dict()))
    if set(OPTIONS[saver]) == set(OPTIONS[loader]):
        assert error is None
    else:
        assert isinstance(error, ValueError) and saver in str(error) and loader in str(error)
