"""Figures: every one is drawn with :func:`pyplot` and written by :func:`save_figure`; the
run's curves (training loss per step, and the evaluation metric).

matplotlib is imported on first use, with the Agg backend (no display needed), so that
``import tinygrad_rnn`` stays light.
"""

from __future__ import annotations

import io
import pathlib

from ..serialization import _atomic_write


def pyplot():
    """``matplotlib.pyplot``, drawing with the Agg backend (to files, no display)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path: pathlib.Path) -> None:
    """Write a matplotlib figure as PNG, atomically, and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(figure)
    _atomic_write(str(path), buffer.getvalue())


def show_png(path, dpi: int = 100):
    """A matplotlib figure that shows the PNG file at ``path`` pixel for pixel when saved
    at ``dpi`` (the docs show a run folder's pictures with it)."""
    plt = pyplot()
    pixels = plt.imread(path)
    height, width = pixels.shape[:2]
    figure = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.imshow(pixels, interpolation="none")
    axes.set_axis_off()
    return figure


def plot_curves(rows: list[dict], metric: str, baseline: float | None, path: pathlib.Path) -> None:
    """Two panels: ``train_loss`` against step, and ``metric`` at each evaluation (with the
    baseline as a dashed line when there is one)."""
    figure, (left, right) = pyplot().subplots(1, 2, figsize=(10, 3.6))
    left.plot([r["step"] for r in rows], [r["train_loss"] for r in rows], lw=0.8)
    left.set(xlabel="step", ylabel="training loss", title="training loss")
    evaluated = [r for r in rows if r["metric"] is not None]
    right.plot([r["step"] for r in evaluated], [r["metric"] for r in evaluated], "o-", ms=3)
    if baseline is not None:
        right.axhline(baseline, color="gray", ls="--", label=f"baseline {baseline:.4g}")
        right.legend()
    right.set(xlabel="step", ylabel=metric, title=f"held-out {metric}")
    for axes in (left, right):
        axes.grid(alpha=0.3)
    save_figure(figure, path)
