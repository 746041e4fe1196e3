"""Generated modules on disk, named by a digest of their text.

A module is written once, atomically, as ``<cache>/cell_<digest>.py`` and imported from
there, so Numba's own disk cache (``cache=True`` in the kernel policy) keeps its machine
code beside it like any other kernel's: the next process loads instead of compiling. A step
that changes writes a different text, hence a different file, and is compiled afresh. The
folder is ``$TINYGRAD_RNN_CACHE_DIR``, else ``$XDG_CACHE_HOME/tinygrad_rnn/generated``
(``~/.cache`` when unset).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pathlib
import sys
import tempfile

CACHE_ENV = "TINYGRAD_RNN_CACHE_DIR"


def cache_dir() -> pathlib.Path:
    """The folder of the generated modules (created on first use)."""
    folder = os.environ.get(CACHE_ENV)
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
        folder = pathlib.Path(base) / "tinygrad_rnn" / "generated"
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load(source: str):
    """The module of ``source``: imported once per process, written to the cache folder
    first if it is not there yet."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"tinygrad_rnn_generated_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"cell_{digest}.py"
    if not path.exists() or path.read_text() != source:
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as f:
            f.write(source)
        os.replace(f.name, path)   # atomic: a reader never sees half a module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module
