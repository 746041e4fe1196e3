"""Optimizers and schedules run as PyTorch code runs them, once per framework module ``M``
(``torch`` or ``tinygrad_rnn``), returning their numbers as lists for JSON.

``make_optim_golden.py`` stores PyTorch's numbers in ``golden.json``;
``test_optim_against_pytorch.py`` compares ours with that file always, and with PyTorch live
where it is installed. Nothing here imports PyTorch.
"""

from functools import partial

import numpy as np

# ---------------------------------------------------------------- L-BFGS

X0 = [-1.2, 1.0, -0.5, 0.8, 1.3]
_rng = np.random.default_rng(0)
A, B = _rng.normal(size=(12, 5)), _rng.normal(size=12)


def rosenbrock(M, x):
    """The banana valley, minimum 0 at all ones: ill-conditioned, a line search's test."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def log_cosh_regression(M, x):
    """A smooth, strictly convex fit: sum of log cosh of residuals, plus L2 and quartic terms."""
    r = M.tensor(A) @ x - M.tensor(B)
    return M.log(M.exp(r) + M.exp(-r)).sum() + 0.1 * (x * x).sum() + 0.05 * (x ** 4).sum()


def lbfgs(M, loss_fn, steps=20, **options):
    """``steps`` calls of ``LBFGS.step(closure)`` from ``X0`` in float64: the iterate and the
    returned loss after each, and the evaluation and iteration counts at the end."""
    x = M.tensor(X0, dtype=M.float64, requires_grad=True)
    optimizer = M.optim.LBFGS([x], **options)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(M, x)
        loss.backward()
        return loss

    iterates, losses = [], []
    for _ in range(steps):
        losses.append(optimizer.step(closure).item())
        iterates.append(x.detach().tolist())
    state = optimizer.state[x]
    return {"iterates": iterates, "losses": losses,
            "func_evals": state["func_evals"], "n_iter": state["n_iter"]}


# ---------------------------------------------------------------- RMSprop

def rmsprop(M, steps=12, **options):
    """A small float64 least-squares fit with two parameter groups (the bias at half the lr),
    ``steps`` RMSprop steps; every parameter after each step."""
    rng = np.random.default_rng(1)
    X, Y = M.tensor(rng.normal(size=(8, 3))), M.tensor(rng.normal(size=(8, 2)))
    w = M.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = M.tensor(np.zeros(2), requires_grad=True)
    lr = options.pop("lr", 1e-2)
    optimizer = M.optim.RMSprop([{"params": [w]}, {"params": [b], "lr": lr / 2}], lr=lr,
                                **options)
    weights, biases = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        ((X @ w + b - Y) ** 2).mean().backward()
        optimizer.step()
        weights.append(w.detach().tolist())
        biases.append(b.detach().tolist())
    return {"w": weights, "b": biases}


# ---------------------------------------------------------------- schedules

def two_groups(M, optimizer="SGD", **options):
    """An optimizer over two one-element parameters, the second group at lr 0.5."""
    params = [M.tensor([1.0], requires_grad=True), M.tensor([2.0], requires_grad=True)]
    return getattr(M.optim, optimizer)([{"params": params[:1]},
                                        {"params": params[1:], "lr": 0.5}], **options)


def schedule(M, make, steps, optimizer="SGD", read=("lr",), **options):
    """The options in ``read`` of every group, at the start and after each of ``steps``
    epochs of ``optimizer.step(); scheduler.step()``."""
    opt = two_groups(M, optimizer, **{"lr": 0.1, **options})
    scheduler = make(M.optim.lr_scheduler, opt)

    def values():
        return {key: [_first(group[key]) for group in opt.param_groups] for key in read}

    history = [values()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        history.append(values())
    return {key: [h[key] for h in history] for key in read}


def _first(value):
    """A group option as a number: ``betas`` gives its beta1."""
    return float(value[0] if isinstance(value, (tuple, list)) else value)


# A loss that improves, stalls, improves a little (below a relative threshold of 1e-2 but
# above an absolute one of 1e-3), stalls again, and so on.
METRICS = [5.0, 4.0, 4.0, 4.0, 3.99, 3.99, 3.99, 3.98, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 2.999,
           2.999, 2.999, 2.999, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]


def plateau(M, accuracy=False, **options):
    """ReduceLROnPlateau fed ``METRICS`` as a loss (or ``10 - METRICS`` as an accuracy):
    every group's lr after each measurement."""
    opt = two_groups(M, lr=0.1)
    scheduler = M.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    lrs = []
    for metric in METRICS:
        opt.step()
        scheduler.step(10 - metric if accuracy else metric)
        lrs.append([group["lr"] for group in opt.param_groups])
    return {"lr": lrs, "last_lr": scheduler.get_last_lr()}


def _squares(epoch):
    return 1.0 / (1 + epoch) ** 2


def _halving_every_three(epoch):
    return 0.5 ** (epoch // 3)


CASES = {
    "lbfgs_log_cosh": partial(lbfgs, loss_fn=log_cosh_regression),
    "lbfgs_log_cosh_short_history": partial(lbfgs, loss_fn=log_cosh_regression, max_iter=4,
                                            history_size=3),
    "lbfgs_log_cosh_one_iteration": partial(lbfgs, loss_fn=log_cosh_regression, max_iter=1,
                                            lr=0.5),
    "lbfgs_log_cosh_strong_wolfe": partial(lbfgs, loss_fn=log_cosh_regression,
                                           line_search_fn="strong_wolfe"),
    "lbfgs_log_cosh_strong_wolfe_short": partial(lbfgs, loss_fn=log_cosh_regression, max_iter=4,
                                                 history_size=3, line_search_fn="strong_wolfe"),
    "lbfgs_log_cosh_strong_wolfe_one_evaluation": partial(
        lbfgs, loss_fn=log_cosh_regression, max_iter=1, line_search_fn="strong_wolfe"),
    "lbfgs_rosenbrock_strong_wolfe": partial(lbfgs, loss_fn=rosenbrock,
                                             line_search_fn="strong_wolfe"),
    "rmsprop": rmsprop,
    "rmsprop_momentum": partial(rmsprop, lr=3e-2, momentum=0.9),
    "rmsprop_centered": partial(rmsprop, centered=True, alpha=0.9),
    "rmsprop_centered_momentum_decay": partial(rmsprop, centered=True, momentum=0.5,
                                               weight_decay=0.1, eps=1e-6),
    "exponential": partial(schedule, make=lambda S, o: S.ExponentialLR(o, gamma=0.8), steps=15),
    "lambda": partial(schedule, make=lambda S, o: S.LambdaLR(o, _squares), steps=10),
    "lambda_per_group": partial(schedule, steps=10, make=lambda S, o: S.LambdaLR(
        o, [_squares, _halving_every_three])),
    "plateau_min_rel": partial(plateau, patience=2),
    "plateau_min_abs_cooldown": partial(plateau, patience=1, threshold=1e-3,
                                        threshold_mode="abs", cooldown=2, factor=0.5),
    "plateau_max_rel_min_lr": partial(plateau, accuracy=True, mode="max", patience=1,
                                      threshold=1e-2, min_lr=[0.02, 0.004]),
    "plateau_max_abs_eps": partial(plateau, accuracy=True, mode="max", patience=0,
                                   threshold_mode="abs", factor=0.5, min_lr=0.01, eps=0.02),
    "one_cycle_cos_sgd_momentum": partial(
        schedule, steps=20, read=("lr", "momentum"), momentum=0.9,
        make=lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.3], total_steps=20)),
    "one_cycle_linear_three_phase_adam": partial(
        schedule, steps=24, optimizer="Adam", read=("lr", "betas"),
        make=lambda S, o: S.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=6,
                                       anneal_strategy="linear", three_phase=True,
                                       pct_start=0.25, base_momentum=[0.8, 0.7],
                                       max_momentum=0.9)),
    "one_cycle_cos_three_phase_no_momentum": partial(
        schedule, steps=30, read=("lr", "momentum"), momentum=0.9,
        make=lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=30, three_phase=True,
                                       cycle_momentum=False, div_factor=10.0,
                                       final_div_factor=100.0)),
    "one_cycle_linear_rmsprop": partial(
        schedule, steps=10, optimizer="RMSprop", read=("lr", "momentum"), momentum=0.5,
        make=lambda S, o: S.OneCycleLR(o, max_lr=0.2, total_steps=10, pct_start=0.4,
                                       anneal_strategy="linear")),
}
