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


def multinomial(input, num_samples: int, replacement: bool = False, generator=None):
    """Indices drawn from the categories whose weights are the last dim of ``input`` (1-D
    or 2-D, non-negative, not all zero), as ``torch.multinomial``: an int64 tensor of shape
    ``(num_samples,)`` or ``(rows, num_samples)``. Without ``replacement`` no index repeats
    within a row. Draws from the generator ``manual_seed`` resets (a different stream from
    PyTorch's for the same seed)."""
    from .tensor import Tensor
    weights = np.asarray(input.data if isinstance(input, Tensor) else input, np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: expected 1-D or 2-D weights, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: weights must be finite, non-negative, and not all zero "
                         "in a row")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement "
                         "from fewer categories with nonzero weight")
    rng = generator or _generator
    drawn = np.stack([rng.choice(row.size, num_samples, replace=replacement, p=row / row.sum())
                      for row in rows])
    return Tensor._from_op(drawn.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64),
                           None, 0)
