r"""A line search for L-BFGS: find a step :math:`t` along a direction :math:`d` that satisfies
the strong Wolfe conditions, by bracketing and then zooming with cubic interpolation.

Along the line, :math:`\phi(t) = f(x + t d)` and :math:`\phi'(t) = \nabla f(x + t d)^\top d`;
:math:`\phi'(0) < 0` since :math:`d` descends. A step is accepted when

.. math::

    \phi(t) &\le \phi(0) + c_1 t \phi'(0)       && \text{(W1, sufficient decrease)} \\
    |\phi'(t)| &\le -c_2 \phi'(0)                && \text{(W2, the slope has flattened)}

with :math:`0 < c_1 < c_2 < 1`. The search follows Nocedal and Wright, *Numerical
Optimization* (2nd ed.), algorithms 3.5 (bracketing) and 3.6 (zoom), with the trial steps
chosen by the cubic of equation (3.59), and the safeguards that PyTorch's ``LBFGS`` uses on
top of them (so that both take the same steps): the bracketing phase extrapolates to at most
ten times the current step, and the zoom moves a trial that lands within a tenth of the
bracket's width of one of its ends back to that tenth.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np


def cubic_minimizer(t1: float, f1: float, g1: float, t2: float, f2: float, g2: float,
                    bounds: tuple[float, float] | None = None) -> float:
    r"""The minimizer of the cubic through two points of :math:`\phi`, clamped to ``bounds``.

    The cubic matches the values :math:`f_1, f_2` and the slopes :math:`g_1, g_2` at
    :math:`t_1, t_2`. Naming the two points so that :math:`t_b` is the larger (equation
    (3.59) of Nocedal and Wright):

    .. math::

        d_1 &= g_1 + g_2 - 3 \frac{f_1 - f_2}{t_1 - t_2} \\
        d_2 &= \sqrt{d_1^2 - g_1 g_2} \\
        t^* &= t_b - (t_b - t_a) \frac{g_b + d_2 - d_1}{g_b - g_a + 2 d_2}

    :math:`d_1` is symmetric in the two points. When :math:`d_1^2 < g_1 g_2` the cubic has no
    minimum and the midpoint of ``bounds`` is returned. ``bounds`` defaults to
    :math:`[\min(t_1, t_2), \max(t_1, t_2)]`.
    """
    low, high = bounds if bounds is not None else (min(t1, t2), max(t1, t2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2
    d2 = math.sqrt(d2_square)
    (ta, ga), (tb, gb) = sorted([(t1, g1), (t2, g2)], key=lambda point: point[0])
    t_star = tb - (tb - ta) * ((gb + d2 - d1) / (gb - ga + 2 * d2))
    return min(max(t_star, low), high)


class Trial(NamedTuple):
    """One evaluation along the line: the step, :math:`\\phi(t)`, the gradient at
    :math:`x + t d`, and the slope :math:`\\phi'(t)`."""

    t: float
    f: float
    g: np.ndarray
    slope: float


def strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], d: np.ndarray,
                 t: float, f: float, g: np.ndarray, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_ls: int = 25):
    """Search along ``d`` from the point where the loss is ``f`` and its gradient ``g``.

    Args:
        evaluate: ``evaluate(t)`` returns the loss and the flat gradient at ``x + t d``.
        d: the (flat) descent direction.
        t: the first trial step.
        f, g: the loss and the flat gradient at ``t = 0``.
        c1, c2: the constants of (W1) and (W2).
        tolerance_change: the zoom stops once the bracket, measured along ``d`` in the max
            norm, is shorter than this. (``LBFGS`` leaves it at 1e-9 whatever its own
            ``tolerance_change``, as PyTorch's does.)
        max_ls: how many evaluations may follow the first. With none left the search
            returns the better of ``t = 0`` and the first trial.

    Returns:
        ``(f_t, g_t, t, evaluations)``: the loss and gradient at the chosen step, the step,
        and how many times ``evaluate`` ran.
    """
    start = Trial(0.0, f, g, float(g @ d))
    previous, trial = start, _trial(evaluate, t, d)
    evaluations = 1
    # Phase 1, bracketing: grow the step until an interval is known to hold a Wolfe point.
    while evaluations <= max_ls:
        if trial.f > f + c1 * trial.t * start.slope or (evaluations > 2
                                                         and trial.f >= previous.f):
            bracket = [previous, trial]   # (W1) fails: a Wolfe point lies between
            break
        if abs(trial.slope) <= -c2 * start.slope:
            return trial.f, trial.g, trial.t, evaluations    # (W1) and (W2) hold
        if trial.slope >= 0:
            bracket = [previous, trial]   # the slope turned: a minimum lies between
            break
        bounds = (trial.t + 0.01 * (trial.t - previous.t), trial.t * 10)
        t = cubic_minimizer(previous.t, previous.f, previous.slope,
                            trial.t, trial.f, trial.slope, bounds)
        previous, trial = trial, _trial(evaluate, t, d)
        evaluations += 1
    else:
        bracket = [start, trial]          # out of evaluations: no zoom
    # Phase 2, zoom: shrink the bracket around the lower end until a trial meets (W1), (W2).
    low = _lower(bracket)
    stuck = False   # the previous trial was also too near an end of the bracket
    width_along_d = float(np.abs(d).max())
    while evaluations <= max_ls:
        a, b = bracket[0].t, bracket[1].t
        if abs(b - a) * width_along_d < tolerance_change:
            break
        t = cubic_minimizer(a, bracket[0].f, bracket[0].slope, b, bracket[1].f, bracket[1].slope)
        t, stuck = _keep_off_the_ends(t, min(a, b), max(a, b), stuck)
        trial = _trial(evaluate, t, d)
        evaluations += 1
        high = 1 - low
        if trial.f > f + c1 * trial.t * start.slope or trial.f >= bracket[low].f:
            bracket[high] = trial         # too high: the new upper end
            low = _lower(bracket)
            continue
        if abs(trial.slope) <= -c2 * start.slope:
            bracket[low] = trial
            break                         # (W1) and (W2) hold
        if trial.slope * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]  # the slope points away from the old upper end
        bracket[low] = trial
    best = bracket[low]
    return best.f, best.g, best.t, evaluations


def _trial(evaluate, t: float, d: np.ndarray) -> Trial:
    f, g = evaluate(t)
    return Trial(t, f, g, float(g @ d))


def _lower(bracket: list[Trial]) -> int:
    """The index of the end with the lower loss (the first one on a tie)."""
    return 0 if bracket[0].f <= bracket[1].f else 1


def _keep_off_the_ends(t: float, a: float, b: float, stuck: bool) -> tuple[float, bool]:
    """Move a trial that lies within a tenth of ``[a, b]``'s width of an end back to that
    tenth when the previous trial was too near an end as well, or when ``t`` is at or past
    an end; return the trial and whether this one was too near an end and left there."""
    tenth = 0.1 * (b - a)
    if min(b - t, t - a) >= tenth:
        return t, False
    if stuck or t >= b or t <= a:
        return (b - tenth if abs(t - b) < abs(t - a) else a + tenth), False
    return t, True
