"""Write ``golden.json``: PyTorch's numbers for every case in ``optim_cases.py``.

Run by hand, with PyTorch installed, from the repository root::

    .venv/bin/python tests/optim/make_optim_golden.py

PyTorch is imported when the script runs, so the module imports where it is not installed.
"""

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]  # as a script

from golden_json import write_golden_json  # noqa: E402
from optim_cases import CASES  # noqa: E402

GOLDEN = Path(__file__).with_name("golden.json")


def torch_results() -> dict:
    """Every case's numbers under PyTorch, in float64 on one thread."""
    import torch

    torch.set_num_threads(1)
    return {name: case(torch) for name, case in CASES.items()}


if __name__ == "__main__":
    write_golden_json(GOLDEN, torch_results())
