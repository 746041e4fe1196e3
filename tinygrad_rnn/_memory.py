"""Large arrays without page faults: one nudge to the C allocator, at import.

A training step allocates and frees the same large arrays every time: the input
projection, the saved gates and states, the outputs and gradients. glibc's ``malloc`` maps
a block above its *mmap threshold* (128 KiB at start) fresh from the operating system and
unmaps it when freed, and it returns free memory at the top of its heaps beyond a *trim
threshold*; either way the next array is new memory, and the first write to each 4 KiB
page of it is a page fault: thousands in a training step (``docs/performance.rst`` gives
the figures measured).

glibc raises both thresholds by itself when a mapped block larger than the mmap threshold
is freed: the mmap threshold to that block's size (up to 32 MiB) and the trim threshold to
twice that (the dynamic threshold of ``mallopt(3)``). So a program that once freed a large
array keeps its pages from then on. :func:`keep_freed_pages` does that at import: it
allocates and frees one 31 MiB array without touching it, so no page is faulted in and
the process does not grow. Arrays up to that size then reuse the memory the process
already has; the price is that memory they free stays with the process for reuse (up to
twice the threshold at the top of each heap) instead of going back to the system at once. Other allocators ignore it; glibc's ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` environment variables, which turn the dynamic threshold off,
take precedence.
"""

import numpy as np

BLOCK_BYTES = 31 << 20   # under glibc's 32 MiB ceiling for the dynamic threshold


def keep_freed_pages() -> None:
    """Free one untouched :data:`BLOCK_BYTES` array (see the module docstring)."""
    block = np.empty(BLOCK_BYTES, np.uint8)
    del block
