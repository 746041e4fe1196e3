"""The one random generator behind initialisation, dropout and shuffling, and
``Generator``, PyTorch's name for a generator of one's own.

``manual_seed(n)`` resets the package's generator, which makes a whole run reproducible;
``seeded(n)`` does so for a block only and then puts the previous generator back, untouched.
Every function that draws takes ``generator=``: None (the package's), a :class:`Generator`
or a NumPy ``np.random.Generator``.
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


class Generator:
    """A random generator of one's own, as ``torch.Generator``: pass it as ``generator=`` to
    draw from its stream instead of the package's.

    >>> import tinygrad_rnn as tg
    >>> g = tg.Generator().manual_seed(3)
    >>> a = tg.rand(2, generator=g)
    >>> bool((a == tg.rand(2, generator=tg.Generator().manual_seed(3))).all())
    True

    The stream is NumPy's (PCG64), so the same seed draws other numbers than PyTorch's.
    """

    def __init__(self, device="cpu"):
        from .dtypes import check_device
        check_device(device, "Generator")
        self._initial_seed = int(np.random.SeedSequence().entropy % 2**63)
        self.rng = np.random.default_rng(self._initial_seed)

    device = property(lambda self: "cpu", doc="Always ``'cpu'``.")

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed`` and return the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: expected an int seed, got {seed!r}")
        self._initial_seed = int(seed)
        self.rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic seed and return that seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._initial_seed

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._initial_seed

    def get_state(self) -> dict:
        """The stream's state (NumPy's bit-generator state dict, where PyTorch gives bytes)."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        """Go back to a state from :meth:`get_state`."""
        self.rng.bit_generator.state = state
        return self


def numpy_generator(generator=None) -> np.random.Generator:
    """The NumPy generator to draw from for ``generator=``: the package's for None, a
    :class:`Generator`'s stream, or a NumPy generator itself."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator: expected a tinygrad_rnn.Generator, got {type(generator).__name__}")


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
