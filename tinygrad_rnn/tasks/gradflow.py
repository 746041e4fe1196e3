r"""The vanishing gradient, measured: ‖dL/dh_t‖ against t for each cell on the adding problem.

The loss of the adding problem is computed from the last hidden state only, so everything
the gradient says about step t has travelled back T − 1 − t steps through the recurrence:

.. math::

    \frac{dL}{dh_t}
      = J_{t+1}^\top J_{t+2}^\top \cdots J_{T-1}^\top \frac{\partial L}{\partial h_{T-1}},
    \qquad J_k = \frac{\partial h_k}{\partial h_{k-1}} .

For a plain RNN each :math:`J_k` is :math:`\operatorname{diag}(1 - h_k^2)\, W_{hh}`, and
over many steps the product shrinks (or grows) by about the spectral radius of these
matrices per step (:doc:`/bptt/vanishing`); the LSTM's cell state passes the gradient on
through the forget gate alone, and the GRU's state through its update gate, so theirs can
survive.

To read dL/dh_t, the cell runs step by step and a zero "probe" tensor ``z_t`` is added to
each ``h_t`` (``h_t + z_t`` goes on to the next step and to the read-out); ∂L/∂z_t is then
exactly dL/dh_t. The norm is taken per sequence (of the summed loss) and averaged over the
batch. :func:`measure` does it at initialisation and after a short training; :func:`plot`
draws the curves (log scale) against the number of steps between h_t and the loss, and
:func:`write_csv` saves the numbers.
"""

from __future__ import annotations

import csv
import io
import pathlib

import numpy as np

from .. import mse_loss
from ..random import manual_seed
from ..serialization import _atomic_write
from ..tensor import Tensor
from . import adding, options, runner
from .plots import pyplot, save_figure


def hidden_gradient_norms(model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 0 … T−1 (mean over the batch of each sequence's norm), for an
    ``adding.Adder`` of one layer, through its cell's ``step``."""
    cell = model.rnn.cells[0]
    state = cell.initial_state(x.shape[1])
    probes = []
    for x_t in x:
        h, state = cell.step(Tensor(x_t), state)
        probes.append(Tensor(np.zeros_like(h.array), requires_grad=True))
        h = h + probes[-1]
        state = (h, *state[1:])
    mse_loss(model.head(h), y, reduction="sum").backward()
    grads = [getattr(z.grad, "array", z.grad) for z in probes]   # an array, or a Tensor's
    return np.array([np.linalg.norm(g, axis=1).mean() for g in grads])


def measure(cells=("rnn", "lstm", "gru"), seq_len: int = 100, steps: int = 100, seed: int = 0,
            hidden: int = 64, batch: int = 50) -> dict:
    """For each cell: the gradient norms at initialisation and after ``steps`` training
    steps on the adding problem (its default optimizer and learning rate).

    Returns:
        ``{cell: {"init": array (T,), "trained": array (T,)}}`` (no ``"trained"`` when
        ``steps`` is 0).
    """
    results = {}
    for cell in cells:
        config, data, model = _setup(cell, seq_len, seed, hidden, batch)
        optimizer = runner.make_optimizer(config, model)
        rng = runner.batch_generator(config)
        x, y = data["test_x"][:, :batch], data["test_y"][:batch]
        results[cell] = {"init": hidden_gradient_norms(model, x, y)}
        if steps:
            optimizer.zero_grad()
            for step in range(1, steps + 1):
                runner.train_step(adding.TASK, model, optimizer, None, data, config, rng, step)
            optimizer.zero_grad()
            results[cell]["trained"] = hidden_gradient_norms(model, x, y)
    return results


def _setup(cell: str, seq_len: int, seed: int, hidden: int, batch: int):
    """The configuration, data and freshly initialised model that :func:`measure` uses."""
    config = options.make_config(adding.TASK, {"cell": cell, "seq_len": seq_len,
                                               "hidden": hidden, "batch": batch, "seed": seed})
    data = adding.make_data(config, seed)
    manual_seed(seed)
    return config, data, adding.build_model(config, data)


def initial_model(cell: str = "rnn", seq_len: int = 100, seed: int = 0, hidden: int = 64,
                  batch: int = 50):
    """The model that :func:`measure` measures at initialisation, with the same weights
    (for example to compute the spectral radius of its ``W_hh``)."""
    return _setup(cell, seq_len, seed, hidden, batch)[2]


def steps_to_loss(norms: np.ndarray) -> np.ndarray:
    """For gradient norms indexed by t = 0 … T−1, the number of steps between h_t and the
    loss, which reads h_{T−1}: T − 1 − t."""
    return len(norms) - 1 - np.arange(len(norms))


def per_step_factor(norms: np.ndarray) -> float:
    """The factor by which the gradient shrinks (below 1) or grows per step back: exp of the
    slope of a straight line fitted to log ‖dL/dh_t‖ against the steps to the loss."""
    slope, _ = np.polyfit(steps_to_loss(norms), np.log(norms), 1)
    return float(np.exp(slope))


def write_csv(results: dict, path) -> None:
    """Rows ``cell, phase, t, grad_norm`` (phase: init or trained), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["cell", "phase", "t", "grad_norm"])
    for cell, phases in results.items():
        for phase, norms in phases.items():
            writer.writerows([cell, phase, t, f"{norm:.6g}"] for t, norm in enumerate(norms))
    _atomic_write(str(path), buffer.getvalue().encode())


# The axes' labels, shared with the teaching path's plot of the same quantity.
STEPS_LABEL = r"steps between $h_t$ and the loss"
NORM_LABEL = r"$\|dL/dh_t\|$"
# One line style per cell, in the order of ``results`` (the teaching path's plots use them).
STYLES = [dict(linestyle="-"), dict(linestyle="--"), dict(linestyle=":", linewidth=2.2),
           dict(linestyle="-."), dict(linestyle=(0, (5, 1, 1, 1, 1, 1)))]


def figure(results: dict, steps: int | None = None):
    """A matplotlib figure, one panel per phase (at initialisation, after training):
    ‖dL/dh_t‖ on a log scale against the number of steps between h_t and the loss, one
    line style per cell (so curves that coincide stay distinguishable)."""
    plt = pyplot()
    phases = list(next(iter(results.values())))
    drawing, panels = plt.subplots(1, len(phases), figsize=(5 * len(phases), 3.8), sharey=True,
                                  squeeze=False, layout="constrained")
    panels = panels[0]
    titles = {"init": "at initialisation",
              "trained": "after training" if steps is None else f"after {steps} training steps"}
    for axes, phase in zip(panels, phases):
        title = titles[phase]
        for (cell, norms), style in zip(results.items(), STYLES):
            axes.semilogy(steps_to_loss(norms[phase]), norms[phase], label=cell, **style)
        axes.set(xlabel=STEPS_LABEL, title=title)
        axes.grid(alpha=0.3, which="both")
    panels[0].set_ylabel(NORM_LABEL)
    panels[0].legend()
    drawing.suptitle("gradient reaching each step of the adding problem")
    return drawing


def plot(results: dict, path, steps: int | None = None) -> None:
    """:func:`figure` as a PNG file."""
    save_figure(figure(results, steps), pathlib.Path(path))


def decay(norms: np.ndarray) -> float:
    """How much weaker the gradient is at the first step than at the last: ‖g_0‖ / ‖g_{T−1}‖."""
    return float(norms[0] / norms[-1])
