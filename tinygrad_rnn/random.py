"""The one random generator behind initialisation, dropout and shuffling.

``manual_seed(n)`` resets it, which makes a whole run reproducible.
"""

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
