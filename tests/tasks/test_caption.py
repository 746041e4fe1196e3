"""``caption``: pictures and captions say the same thing, held-out pictures are new, the
picture becomes the decoder's initial ``h`` for any cell, and a short training learns."""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.tasks import caption
from toy_training import config_of, train


def test_picture_holds_each_shape_in_its_cell_and_colour_channel():
    image = caption.draw(((0, 2, 1), (8, 0, 0)))          # blue square top left, red circle bottom right
    cell = caption.CELL
    np.testing.assert_array_equal(image[2, :cell, :cell], caption.MASKS["square"])
    np.testing.assert_array_equal(image[0, -cell:, -cell:], caption.MASKS["circle"])
    assert image.sum() == caption.MASKS["square"].sum() + caption.MASKS["circle"].sum()


def test_shapes_look_different():
    masks = list(caption.MASKS.values())
    assert all(not np.array_equal(a, b) for i, a in enumerate(masks) for b in masks[i + 1:])


def test_caption_names_the_shapes_in_reading_order():
    words = caption.sentence_of(((5, 1, 2), (1, 0, 0)))
    assert " ".join(words) == "red circle and green triangle"


def test_test_pictures_are_different_fixed_by_the_seed_and_never_trained_on():
    a, b = (caption.make_data(config_of(caption.TASK), 3) for _ in range(2))
    assert a["test"]["layouts"] == b["test"]["layouts"]
    assert len(set(a["test"]["layouts"])) == caption.TEST_PICTURES
    training = caption.training_layouts(a, np.random.default_rng(0), 5000)
    assert not set(training) & set(a["test"]["layouts"])


def test_training_batches_come_only_from_the_generator_given():
    data, config = caption.make_data(config_of(caption.TASK), 0), config_of(caption.TASK)
    one, two = (caption.sample_batch(data, config, np.random.default_rng(7), 0) for _ in range(2))
    for x, y in zip(one, two):
        np.testing.assert_array_equal(x, y)


def test_the_picture_sets_h_and_other_states_start_at_zero():
    config = config_of(caption.TASK, cell="lstm", layers=2, hidden=8)
    tg.manual_seed(0)
    model = caption.build_model(config, None)
    pixels = caption.draw(((4, 1, 1),)).reshape(1, -1).astype(np.float32)
    h, c = model.start(pixels)
    assert h.shape == c.shape == (2, 1, 8)
    expected = np.tanh(pixels @ model.see.weight.array.T + model.see.bias.array)
    np.testing.assert_allclose(h.array[1], expected, rtol=1e-5)
    assert not c.array.any()


def test_short_training_learns_to_caption():
    _, _, _, losses, accuracy = train(caption.TASK, steps=100, hidden=64)
    assert losses[-20:].mean() < 0.3 * losses[:5].mean()
    assert accuracy > 0.2
