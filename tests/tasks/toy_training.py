"""A small training loop over a task's interface, for the tests of the toy tasks:
the trainer's steps without its run folder, progress bar or checkpoints."""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import optim


def config_of(task, **options) -> dict:
    """The task's defaults with ``options`` over them, in float32 on the default path."""
    return {**task.default_config, "dtype": "float32", "stepwise": False, **options}


def train(task, seed: int = 0, **options):
    """Train ``task`` with Adam for ``options["steps"]`` steps; return (config, data,
    model, the loss at every step, the held-out metric)."""
    config = config_of(task, **options)
    data = task.make_data(config, seed)
    tg.manual_seed(seed)
    model = task.build_model(config, data)
    parameters = list(model.parameters())
    optimizer = optim.Adam(parameters, lr=config["lr"])
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(config["steps"]):
        loss = task.loss(model, task.sample_batch(data, config, rng, step))
        optimizer.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(parameters, config["clip"])
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with tg.no_grad():
        metric = task.evaluate(model, data, config)
    return config, data, model, np.array(losses), metric
