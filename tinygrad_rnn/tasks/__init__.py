"""Training tasks from the source material, run by ``tinygrad-rnn train NAME``.

Each task module has ``run(steps, seed, log) -> dict`` that trains a model, reports its
progress through ``log`` and returns its final numbers.
"""

from . import hello

TASKS = {"hello": hello}
