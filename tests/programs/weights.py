"""The one thing the programs share: initial weights drawn by NumPy, so that a model built
under ``torch`` and the same model built under ``tinygrad_rnn`` start identical."""

import numpy as np


def load_numpy_weights(M, model, seed: int, bound: float = 0.3) -> None:
    """Overwrite every entry of ``model``'s state dict with U(-bound, bound) float32 draws
    from ``np.random.default_rng(seed)``, in state-dict order (the same names, shapes and
    order in both frameworks), through ``load_state_dict`` as PyTorch code does."""
    rng = np.random.default_rng(seed)
    model.load_state_dict({
        name: M.tensor(rng.uniform(-bound, bound, tuple(value.shape)).astype(np.float32))
        for name, value in model.state_dict().items()})
