"""The one random generator behind initialisation, dropout and shuffling.

``manual_seed(n)`` resets it, which makes a whole run reproducible; ``seeded(n)`` does so
for a block only and then puts the previous generator back, untouched.
"""

import contextlib

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the package's generator and return it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator that every random operation uses unless given its own."""
    return _generator


@contextlib.contextmanager
def seeded(seed: int):
    """Inside the block, a fresh generator seeded with ``seed``; afterwards the previous one,
    whose stream goes on as if the block had not run."""
    global _generator
    saved = _generator
    try:
        yield manual_seed(seed)
    finally:
        _generator = saved
