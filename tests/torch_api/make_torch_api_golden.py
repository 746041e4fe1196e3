"""Write ``golden.json``: PyTorch's results of every case in ``torch_api_cases.py``.

Run by hand, with PyTorch installed: ``python tests/torch_api/make_torch_api_golden.py``.
PyTorch is imported when the script runs, so ``--doctest-modules`` can import this module
where it is not installed.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # run as a script from anywhere

from torch_api_cases import CASES  # noqa: E402

GOLDEN = Path(__file__).with_name("golden.json")


def write_golden() -> None:
    import torch
    golden = {case: {name: {"dtype": a.dtype.name, "shape": list(a.shape), "values": a.tolist()}
                     for name, a in run(torch).items()} for case, run in CASES.items()}
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    write_golden()
