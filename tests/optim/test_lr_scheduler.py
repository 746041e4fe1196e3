"""Schedules set each group's lr to their closed form at every epoch, and resume."""

import math

import pytest

from tinygrad_rnn.optim import SGD, Adam, CosineAnnealingLR, StepLR
from tinygrad_rnn.tensor import Tensor


def two_group_optimizer():
    return SGD([{"params": [Tensor([1.0])], "lr": 0.5}, {"params": [Tensor([2.0])]}], lr=0.1)


def lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def test_step_lr_follows_its_closed_form():
    optimizer = two_group_optimizer()
    scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
    for epoch in range(10):
        expected = [base * 0.5 ** (epoch // 3) for base in (0.5, 0.1)]
        assert lrs(optimizer) == pytest.approx(expected)
        assert scheduler.get_last_lr() == pytest.approx(expected)
        optimizer.step()
        scheduler.step()
    assert scheduler.last_epoch == 10


def test_cosine_annealing_follows_its_closed_form():
    optimizer = two_group_optimizer()
    scheduler = CosineAnnealingLR(optimizer, T_max=4, eta_min=0.01)
    for epoch in range(9):
        expected = [0.01 + (base - 0.01) * (1 + math.cos(math.pi * epoch / 4)) / 2
                    for base in (0.5, 0.1)]
        assert lrs(optimizer) == pytest.approx(expected)
        assert scheduler.get_last_lr() == pytest.approx(expected)
        scheduler.step()


def test_cosine_annealing_reaches_eta_min_at_t_max():
    optimizer = Adam([Tensor([1.0])], lr=1.0)
    scheduler = CosineAnnealingLR(optimizer, T_max=5)
    for _ in range(5):
        scheduler.step()
    assert lrs(optimizer) == pytest.approx([0.0], abs=1e-15)
    scheduler.step()  # the cosine goes on past T_max
    assert lrs(optimizer)[0] > 0


@pytest.mark.parametrize("make", [lambda o: StepLR(o, 2, gamma=0.3),
                                  lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.02)])
def test_a_loaded_scheduler_continues_where_the_saved_one_was(make):
    optimizer = two_group_optimizer()
    scheduler = make(optimizer)
    for _ in range(3):
        scheduler.step()
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3

    fresh_optimizer = two_group_optimizer()
    fresh = make(fresh_optimizer)
    fresh.load_state_dict(saved)
    assert lrs(fresh_optimizer) == lrs(optimizer)
    for _ in range(4):
        scheduler.step()
        fresh.step()
        assert lrs(fresh_optimizer) == lrs(optimizer)


def test_bad_arguments_raise():
    optimizer = two_group_optimizer()
    with pytest.raises(ValueError, match="step_size"):
        StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        StepLR(optimizer, step_size=1, gamma=-1)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(optimizer, T_max=0)
    with pytest.raises(ValueError, match="eta_min"):
        CosineAnnealingLR(optimizer, T_max=3, eta_min=-1)
    with pytest.raises(TypeError, match="expected an Optimizer"):
        StepLR([Tensor([1.0])], step_size=1)
    with pytest.raises(ValueError, match="load_state_dict"):
        StepLR(optimizer, 1).load_state_dict({"bogus": 1})
