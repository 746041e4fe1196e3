"""Training tasks from the source material, run by ``tinygrad-rnn train NAME``.

Each task module declares one :class:`~tinygrad_rnn.tasks.task.Task` (``TASK``), the
interface the trainer (:mod:`tinygrad_rnn.tasks.runner`) drives: its name, metric and
defaults, and its hooks (``make_data``, ``build_model``, ``sample_batch``, ``loss``,
``evaluate``, ``picture``, and those with a default). :data:`TASKS` maps each name to it.

``hello`` (the source material's hand-written RNN, ``tinygrad-rnn train hello``) is not a
task of the trainer: it is a short script with its own ``run(steps, seed, log)``.
"""

from . import adding, caption, charlm, forecast, sentiment, tag, translate
from .task import Task

TASKS: dict[str, Task] = {module.TASK.name: module.TASK for module in (
    charlm, forecast, sentiment, tag, translate, caption, adding)}
