"""The batch of a whole-sequence loop, cut into chunks that run side by side.

Sequences of a batch are independent, so a time loop over N sequences can run as two loops
over halves of the batch, one per thread (:func:`~tinygrad_rnn._kernels.threads.run_tiles`).
Both the hand-written layers (``nn.fused.FusedRecurrence``) and the generated ones
(``compiler.sequence.GeneratedSequence``) follow one rule, :func:`batch_chunks`, a rule of
the batch size alone: the arithmetic, and so its bits, is the same at every thread count.
What the chunks give back is joined along the batch axis (:func:`joined`) or, for a sum over
the batch such as a weight's gradient, added in chunk order (:func:`summed`).
"""

from __future__ import annotations

import numpy as np

# A batch splits into two chunks from twice this many sequences (a thinner per-step product
# would waste more than the second thread gives).
CHUNK_MIN = 8


def batch_chunks(batch: int) -> list[slice]:
    """The sequences of a batch in chunks: two halves from :data:`CHUNK_MIN` · 2 sequences
    up, else one."""
    if batch < 2 * CHUNK_MIN:
        return [slice(0, batch)]
    half = batch // 2
    return [slice(0, half), slice(half, batch)]


def joined(parts: list, axis: int) -> np.ndarray:
    """The chunks' arrays as one, along the batch ``axis`` (the one array itself when there
    is one chunk)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


def summed(parts) -> np.ndarray:
    """The chunks' shares of a sum over the batch, added in chunk order."""
    total, *rest = parts
    for part in rest:
        total = total + part
    return total
