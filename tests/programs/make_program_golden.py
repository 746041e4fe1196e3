"""Write ``tests/programs/golden.json``: the numbers of every program in ``programs.py``
(``PROGRAMS``) run under PyTorch, for ``test_programs.py`` to check
against where PyTorch is not installed.

Run by hand, with PyTorch installed, from the repository root::

    .venv/bin/python tests/programs/make_program_golden.py
"""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # run as a script from anywhere
from golden_json import write_golden_json  # noqa: E402
from programs import PROGRAMS  # noqa: E402

GOLDEN = HERE / "golden.json"


def torch_results() -> dict:
    """Every program's numbers under PyTorch."""
    import torch

    torch.set_num_threads(1)   # tiny models: threads only add overhead on a shared machine
    return {name: program(torch) for name, program in PROGRAMS.items()}


if __name__ == "__main__":
    write_golden_json(GOLDEN, torch_results())
