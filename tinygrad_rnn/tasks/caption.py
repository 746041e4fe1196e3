"""``caption``: a sentence describing a small picture (one-to-many).

The source material's image captioning in small. A picture is a 3 × 3 grid of cells, one
to three of them holding a shape (circle, square or triangle) in a colour (red, green or
blue), drawn as 5 × 5 pixels per cell with three colour channels. Its caption names the
shapes in reading order (row by row, left to right):

    "red circle and blue square and green triangle"

The picture, through a linear layer and tanh, becomes the decoder's initial ``h`` (see
:mod:`tinygrad_rnn.tasks._seq2seq`), which writes the caption word by word. The test
pictures are held out: no training picture has one of their layouts; the metric is
the fraction captioned exactly. Training pictures are drawn afresh for each batch (about
64,000 layouts exist), so the model learns the rule, not a list.
"""

from __future__ import annotations

import numpy as np

from .. import tanh
from ..data import Vocabulary
from ..nn import Linear, Module
from ..tensor import Tensor
from .plots import pyplot, save_figure
from .task import Task
from ._models import check_fixed_length, drawn_apart, dtype_of
from ._seq2seq import BOS, EOS, Decoder, exact_match, initial_state, teacher_forcing, until_eos

SEQ_LEN = 8   # the longest sequence the data hold

GRID, CELL = 3, 5                      # cells per side, pixels per cell side
COLOURS = ["red", "green", "blue"]     # the channels
SHAPES = ["circle", "square", "triangle"]
SHAPE_COUNTS = {1: 0.1, 2: 0.3, 3: 0.6}
TEST_PICTURES = 500
EMBEDDING = 16
PIXELS = (GRID * CELL) ** 2 * len(COLOURS)

WORDS = Vocabulary([BOS, EOS, "and"] + COLOURS + SHAPES)


def masks() -> dict[str, np.ndarray]:
    """Each shape as a CELL × CELL array of 0 and 1."""
    r, c = np.mgrid[:CELL, :CELL] - (CELL - 1) / 2
    return {"circle": (r**2 + c**2 <= 4.5).astype(float),
            "square": ((abs(r) <= 1.5) & (abs(c) <= 1.5)).astype(float),
            "triangle": (abs(c) <= (r + 2) / 2).astype(float)}


MASKS = masks()


def draw(layout: tuple) -> np.ndarray:
    """The pixels (channel, row, column) of a layout: (cell, colour, shape) triples."""
    image = np.zeros((len(COLOURS), GRID * CELL, GRID * CELL))
    for cell, colour, shape in layout:
        row, column = divmod(cell, GRID)
        rows, columns = slice(row * CELL, (row + 1) * CELL), slice(column * CELL, (column + 1) * CELL)
        image[colour, rows, columns] = MASKS[SHAPES[shape]]
    return image


def sentence_of(layout: tuple) -> list[str]:
    """The caption of a layout: its shapes in reading order joined by "and"."""
    words = []
    for _, colour, shape in sorted(layout):
        words += (["and"] if words else []) + [COLOURS[colour], SHAPES[shape]]
    return words


def layout(rng) -> tuple:
    """A random layout: distinct cells, in reading order, each with a colour and a shape."""
    count = int(rng.choice(list(SHAPE_COUNTS), p=list(SHAPE_COUNTS.values())))
    cells = np.sort(rng.choice(GRID * GRID, size=count, replace=False))
    return tuple((int(cell), int(rng.integers(len(COLOURS))), int(rng.integers(len(SHAPES))))
                 for cell in cells)


def encode(layouts: list) -> dict:
    return {"layouts": layouts,
            "pixels": np.stack([draw(lay).reshape(-1) for lay in layouts]),
            "captions": [tuple(int(i) for i in WORDS.encode(sentence_of(lay))) for lay in layouts]}


def make_data(config: dict, seed: int) -> dict:
    """The test pictures: ``TEST_PICTURES`` different layouts. Training pictures are drawn
    afresh for every batch, never one of these."""
    check_fixed_length("caption", config, SEQ_LEN, "captions")
    rng = np.random.default_rng(seed)
    test = []
    while len(test) < TEST_PICTURES:
        candidate = layout(rng)
        if candidate not in test:
            test.append(candidate)
    return {"test": encode(test), "held_out": set(test)}


def training_layouts(data: dict, rng: np.random.Generator, count: int) -> list:
    """``count`` random layouts, none of them held out."""
    return drawn_apart(lambda: layout(rng), count, data["held_out"].__contains__)


class Captioner(Module):
    """A linear layer from the pixels to the decoder's initial ``h``, and the decoder."""

    def __init__(self, config: dict):
        super().__init__()
        self.decoder = Decoder(config, len(WORDS), EMBEDDING)
        self.see = Linear(PIXELS, self.decoder.rnn.cells[0].state_sizes[0], dtype=dtype_of(config))

    def start(self, pixels: np.ndarray):
        """The decoder's initial state: h = tanh(W·pixels + b) in every layer."""
        return initial_state(tanh(self.see(Tensor(pixels))), self.decoder.rnn)

    def caption(self, pixels: np.ndarray) -> list[tuple[int, ...]]:
        """The greedy caption (word ids) of each picture."""
        written = self.decoder.greedy(self.start(pixels), WORDS.index[BOS],
                                      steps=SEQ_LEN + 1)   # the longest, </s>
        return until_eos(written, WORDS.index[EOS])


def build_model(config: dict, data) -> Captioner:
    return Captioner(config)


def _pixels(split: dict, rows, config: dict) -> np.ndarray:
    return split["pixels"][rows].astype(dtype_of(config))


def sample_batch(data: dict, config: dict, rng: np.random.Generator, step: int):
    train = encode(training_layouts(data, rng, config["batch"]))
    inputs, targets = teacher_forcing(train["captions"], WORDS.index[BOS], WORDS.index[EOS])
    return _pixels(train, slice(None), config), inputs, targets


def loss(model: Captioner, batch):
    pixels, inputs, targets = batch
    return model.decoder.loss(model.start(pixels), inputs, targets)


def _written(model: Captioner, data: dict, config: dict) -> list:
    test = data["test"]
    return model.caption(_pixels(test, slice(None), config))


def evaluate(model: Captioner, data: dict, config: dict) -> float:
    return float(exact_match(_written(model, data, config), data["test"]["captions"]).mean())


def report(model: Captioner, data: dict, config: dict) -> list[str]:
    test, shown = data["test"], 3
    written = model.caption(_pixels(test, slice(0, shown), config))
    return [f"{WORDS.decode(list(w), sep=' ')}"
            f"{'' if tuple(w) == t else '  (wrong: ' + WORDS.decode(list(t), sep=' ') + ')'}"
            for w, t in zip(written, test["captions"])]


def picture(model: Captioner, data: dict, config: dict, path) -> None:
    """The first eight test pictures with the captions the model wrote."""
    plt = pyplot()

    test, shown = data["test"], 8
    written = model.caption(_pixels(test, slice(0, shown), config))
    fig, axes = plt.subplots(2, shown // 2, figsize=(11, 7.5))
    for ax, lay, w, t in zip(axes.ravel(), test["layouts"], written, test["captions"]):
        ax.imshow(np.clip(draw(lay).transpose(1, 2, 0), 0, 1))
        words = WORDS.decode(list(w), sep=" ").replace(" and ", "\nand ")
        ax.set_xlabel(words, fontsize=9, color="black" if tuple(w) == t else "red")
        ax.set(xticks=[], yticks=[])
    fig.suptitle("caption: held-out pictures and the captions written (red: wrong)")
    fig.tight_layout()
    save_figure(fig, path)


TASK = Task(
    name="caption",
    summary="describe a picture of coloured shapes in a sentence: the image starts the decoder",
    shape="one-to-many", metric="exact_match", higher_is_better=True,
    defaults=dict(hidden=128, lr=5e-3, seq_len=SEQ_LEN, steps=1000, eval_every=250),
    make_data=make_data, build_model=build_model, sample_batch=sample_batch, loss=loss,
    evaluate=evaluate, picture=picture, report=report)
