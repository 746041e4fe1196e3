"""``Task``: what a training task declares, and all the trainer (:mod:`.runner`) asks of it.

Each task module ends with one declaration, ``TASK = Task(...)``, naming its functions; the
trainer calls nothing else. The hooks, with the arguments the trainer passes:

- ``make_data(config, seed)``: the data, held-out split included, the same for a seed;
- ``build_model(config, data)``: the model, an ``nn.Module`` (the trainer seeds the
  package's generator first);
- ``sample_batch(data, config, rng, step)``: the training batch of ``step``, drawn only
  from ``rng``, so that a resumed run sees the same batches;
- ``loss(model, batch)``: the training loss, a 0-d tensor;
- ``evaluate(model, data, config)``: the held-out metric, a float (graph off, eval mode);
- ``picture(model, data, config, path)``: the task's own plot, saved with
  :func:`.plots.save_figure`;

and those with a default:

- ``baseline(data, config)``: the metric of a trivial predictor, or None (default: None);
- ``report(model, data, config)``: lines shown under each evaluation (default: none);
- ``format_metric(value)``: the metric as shown (default: four decimals);
- ``get_carry(model)`` and ``set_carry(model, arrays)``: state the model carries from one
  batch to the next (charlm's hidden state), saved in the checkpoint and put back on resume
  (default: none);
- ``position(data, config, step)``: where in the data the batch after ``step`` starts,
  recorded in the checkpoint (default: ``{"step": step}``).

The options' defaults are declared once, in :data:`.options.OPTIONS`; a task's
``defaults`` holds only the values it changes (``seq_len`` at least, which has no shared
default). ``Task.default_config`` is the whole set: the run's config before the user's
options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .options import OPTIONS, REQUIRED


def _no_baseline(data, config) -> None:
    return None


def _no_report(model, data, config) -> list[str]:
    return []


def _four_decimals(value: float) -> str:
    return f"{value:.4f}"


def _no_carry(model) -> dict:
    return {}


def _set_no_carry(model, arrays: dict) -> None:
    pass


def _step_position(data, config, step: int) -> dict:
    return {"step": step}


@dataclass(frozen=True, eq=False)   # a task is equal only to itself
class Task:
    """A training task (see the module's docstring for each hook).

    Attributes:
        name: the task's name on the command line (``tinygrad-rnn train NAME``).
        summary: one line for ``--help``.
        shape: its input-output shape: ``many-to-one``, ``one-to-many``...
        metric: the name of the held-out metric.
        higher_is_better: whether a larger metric is better.
        defaults: the options whose default this task changes, with its values.
        allows_bidirectional: whether ``--bidirectional`` makes sense (not for a task that
            predicts the future from the past).
        takes_text: whether the task trains on ``--text FILE``.
        default_config: every option's default for this task (derived).
    """

    name: str
    summary: str
    shape: str
    metric: str
    higher_is_better: bool
    defaults: dict
    make_data: Callable
    build_model: Callable
    sample_batch: Callable
    loss: Callable
    evaluate: Callable
    picture: Callable
    baseline: Callable = _no_baseline
    report: Callable = _no_report
    format_metric: Callable = _four_decimals
    get_carry: Callable = _no_carry
    set_carry: Callable = _set_no_carry
    position: Callable = _step_position
    allows_bidirectional: bool = False
    takes_text: bool = False
    default_config: dict = field(init=False, repr=False)

    def __post_init__(self):
        unknown = sorted(set(self.defaults) - set(OPTIONS))
        missing = sorted(name for name, option in OPTIONS.items()
                         if option.default is REQUIRED and name not in self.defaults)
        if unknown or missing:
            raise TypeError(f"task {self.name}: defaults for unknown options {unknown} or "
                            f"missing for {missing}")
        config = {name: self.defaults.get(name, option.default)
                  for name, option in OPTIONS.items()}
        object.__setattr__(self, "default_config", config)
