"""Write ``golden.json``: PyTorch's results of every case in ``torch_api_cases.py``.

Run with PyTorch installed: ``.venv/bin/python tests/torch_api/make_golden.py``.
"""

import json
from pathlib import Path

import torch

from torch_api_cases import CASES

GOLDEN = Path(__file__).with_name("golden.json")

if __name__ == "__main__":
    golden = {case: {name: {"dtype": a.dtype.name, "shape": list(a.shape), "values": a.tolist()}
                     for name, a in run(torch).items()} for case, run in CASES.items()}
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
