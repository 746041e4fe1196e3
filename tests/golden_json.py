"""Write a golden file of PyTorch's numbers (for the scripts that make them): sorted JSON,
written to a temporary file first and renamed over the old one."""

import json
from pathlib import Path


def write_golden_json(path: Path, results: dict) -> None:
    text = json.dumps(results, indent=1, sort_keys=True) + "\n"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)
    print(f"wrote {path} ({len(text)} bytes)")
