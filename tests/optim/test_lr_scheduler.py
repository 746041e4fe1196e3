"""Schedules set each group's lr to their closed form at every epoch (ReduceLROnPlateau by
its rule), and resume. Their sequences against PyTorch's are checked in
``test_optim_against_pytorch.py``."""

import json
import math

import pytest

from tinygrad_rnn.optim import (SGD, Adagrad, Adam, CosineAnnealingLR, ExponentialLR, LambdaLR,
                                OneCycleLR, ReduceLROnPlateau, RMSprop, StepLR)
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


def test_exponential_follows_its_closed_form():
    optimizer = two_group_optimizer()
    scheduler = ExponentialLR(optimizer, gamma=0.9)
    for epoch in range(8):
        assert lrs(optimizer) == pytest.approx([0.5 * 0.9 ** epoch, 0.1 * 0.9 ** epoch])
        scheduler.step()


def test_lambda_scales_each_groups_start_by_its_function():
    optimizer = two_group_optimizer()
    scheduler = LambdaLR(optimizer, [lambda t: 1 / (t + 1), lambda t: 0.5 ** t])
    for epoch in range(6):
        assert lrs(optimizer) == pytest.approx([0.5 / (epoch + 1), 0.1 * 0.5 ** epoch])
        scheduler.step()
    LambdaLR(optimizer, lambda t: 2.0)   # one function for every group
    assert lrs(optimizer) == pytest.approx([2 * 0.5 / 7, 2 * 0.1 * 0.5 ** 6])  # from epoch 6


def test_plateau_reduces_after_patience_bad_steps_then_cools_down():
    optimizer = two_group_optimizer()
    scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=1, cooldown=1,
                                  min_lr=[0.2, 0.0])
    # metric:   1 (best)  1 (bad 1)  1 (bad 2 > patience: halve)  1 (cooldown)
    #           1 (bad 1) 1 (bad 2: halve again, group 0 stops at min_lr)  0.5 (best)
    expected = [[0.5, 0.1], [0.5, 0.1], [0.25, 0.05], [0.25, 0.05], [0.25, 0.05],
                [0.2, 0.025], [0.2, 0.025]]
    for metric, expect in zip([1, 1, 1, 1, 1, 1, 0.5], expected):
        scheduler.step(metric)
        assert lrs(optimizer) == pytest.approx(expect)
        assert scheduler.get_last_lr() == pytest.approx(expect)
    assert scheduler.best == 0.5 and scheduler.num_bad_epochs == 0


@pytest.mark.parametrize("mode, threshold_mode, better, not_better", [
    ("min", "rel", 0.989, 0.991),    # best 1: better is < 1 * (1 - 0.01)
    ("min", "abs", 0.989, 0.991),    # better is < 1 - 0.01
    ("max", "rel", 1.011, 1.009),    # better is > 1 * (1 + 0.01)
    ("max", "abs", 1.011, 1.009),    # better is > 1 + 0.01
])
def test_plateau_threshold_modes(mode, threshold_mode, better, not_better):
    def after(second):
        scheduler = ReduceLROnPlateau(two_group_optimizer(), mode=mode, threshold=0.01,
                                      threshold_mode=threshold_mode)
        scheduler.step(1.0)
        scheduler.step(second)
        return scheduler.best
    assert after(better) == better and after(not_better) == 1.0


def test_one_cycle_passes_through_its_anchors():
    optimizer = SGD([{"params": [Tensor([1.0])]}], lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=11, pct_start=0.3,
                           anneal_strategy="linear", div_factor=4.0, final_div_factor=5.0)
    seen = [(optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"])]
    for _ in range(10):
        scheduler.step()
        seen.append((optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"]))
    # rises from 1/4 to 1 at step 0.3 * 11 - 1 = 2.3 and falls to 1/20 at step 10
    assert seen[0] == pytest.approx((0.25, 0.95))
    assert seen[2] == pytest.approx((0.25 + 0.75 * 2 / 2.3, 0.95 - 0.1 * 2 / 2.3))
    assert seen[10] == pytest.approx((0.05, 0.95))
    assert seen[6][0] == pytest.approx(1.0 + (0.05 - 1.0) * (6 - 2.3) / (10 - 2.3))
    with pytest.raises(ValueError, match="OneCycleLR: stepped 12 times, but total_steps is 11"):
        scheduler.step()
        scheduler.step()


def test_one_cycle_three_phase_cos_comes_back_before_falling():
    optimizer = Adam([Tensor([1.0])], lr=0.1, betas=(0.9, 0.99))
    scheduler = OneCycleLR(optimizer, max_lr=0.4, epochs=2, steps_per_epoch=5, three_phase=True,
                           pct_start=0.3)
    values = [(optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"])]
    for _ in range(9):
        scheduler.step()
        values.append((optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"]))
    # anchors: step 0 at 0.4/25, step 2 at 0.4 (beta1 0.85), step 4 back at 0.4/25, step 9
    # at 0.4/25/1e4; the cosine's halfway point sits between
    assert [values[k][0] for k in (0, 2, 4, 9)] == pytest.approx([0.016, 0.4, 0.016, 1.6e-6])
    assert values[3][0] == pytest.approx((0.4 + 0.016) / 2)
    assert [values[k][1][0] for k in (0, 2, 4, 9)] == pytest.approx([0.95, 0.85, 0.95, 0.95])
    assert all(betas[1] == 0.99 for _, betas in values)


SCHEDULES = {
    "step": lambda o: StepLR(o, 2, gamma=0.3),
    "cosine": lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.02),
    "exponential": lambda o: ExponentialLR(o, gamma=0.7),
    "lambda": lambda o: LambdaLR(o, lambda t: 1 / (1 + t)),
    "one_cycle": lambda o: OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=12, three_phase=True),
}


@pytest.mark.parametrize("make", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_a_loaded_scheduler_continues_where_the_saved_one_was(make):
    optimizer = two_group_optimizer()
    scheduler = make(optimizer)
    for _ in range(3):
        scheduler.step()
    saved = json.loads(json.dumps(scheduler.state_dict()))   # as a checkpoint stores it
    assert "optimizer" not in saved and saved["last_epoch"] == 3

    fresh_optimizer = two_group_optimizer()
    fresh = make(fresh_optimizer)
    fresh.load_state_dict(saved)
    assert fresh_optimizer.param_groups == optimizer.param_groups
    for _ in range(4):
        scheduler.step()
        fresh.step()
        assert fresh_optimizer.param_groups == optimizer.param_groups


def test_a_loaded_plateau_scheduler_continues_where_the_saved_one_was():
    def run(scheduler, metrics):
        for metric in metrics:
            scheduler.step(metric)
        return lrs(scheduler.optimizer)

    scheduler = ReduceLROnPlateau(two_group_optimizer(), patience=1, cooldown=1)
    run(scheduler, [3, 2, 2, 2])
    saved = json.loads(json.dumps(scheduler.state_dict()))
    fresh = ReduceLROnPlateau(two_group_optimizer(), patience=1, cooldown=1)
    fresh.load_state_dict(saved)
    assert lrs(fresh.optimizer) == lrs(scheduler.optimizer) == pytest.approx([0.05, 0.01])
    assert run(fresh, [2, 2, 2, 1]) == run(scheduler, [2, 2, 2, 1])


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
    with pytest.raises(ValueError, match="ExponentialLR: gamma"):
        ExponentialLR(optimizer, gamma=-0.5)
    with pytest.raises(ValueError, match="a list of 2 functions"):
        LambdaLR(optimizer, [lambda t: 1.0])
    with pytest.raises(TypeError, match="expected an Optimizer"):
        LambdaLR([Tensor([1.0])], lambda t: 1.0)


@pytest.mark.parametrize("options, message", [
    (dict(mode="mean"), "mode must be 'min' or 'max'"),
    (dict(threshold_mode="relative"), "threshold_mode must be 'rel' or 'abs'"),
    (dict(factor=1.0), r"factor must be in \[0, 1\)"),
    (dict(patience=-1), "patience must be an int >= 0"),
    (dict(cooldown=1.5), "cooldown must be an int >= 0"),
    (dict(min_lr=[0.1]), "expected 2 values of min_lr"),
])
def test_plateau_bad_arguments_raise(options, message):
    with pytest.raises(ValueError, match=f"ReduceLROnPlateau: {message}"):
        ReduceLROnPlateau(two_group_optimizer(), **options)


@pytest.mark.parametrize("make, message", [
    (lambda o: OneCycleLR(o, max_lr=1.0), "give total_steps, or epochs and steps_per_epoch"),
    (lambda o: OneCycleLR(o, max_lr=1.0, total_steps=0), "total_steps must be a positive int"),
    (lambda o: OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=0), "steps_per_epoch"),
    (lambda o: OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1.5), "pct_start"),
    (lambda o: OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp"),
     "anneal_strategy must be 'cos' or 'linear'"),
    (lambda o: OneCycleLR(o, max_lr=[1.0, 2.0, 3.0], total_steps=5), "expected 2 values of max_lr"),
    (lambda o: OneCycleLR(Adagrad(o.param_groups[0]["params"]), max_lr=1.0, total_steps=5),
     "cycle_momentum needs an optimizer with momentum or betas, Adagrad has neither"),
])
def test_one_cycle_bad_arguments_raise(make, message):
    with pytest.raises(ValueError, match=f"OneCycleLR: {message}"):
        make(two_group_optimizer())
    optimizer = Adagrad(two_group_optimizer().param_groups[0]["params"])
    OneCycleLR(optimizer, max_lr=1.0, total_steps=5, cycle_momentum=False)   # works without
