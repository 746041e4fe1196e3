"""Checkpoints: ``save`` and ``load`` a model, an optimizer and metadata as one safetensors file.

The file is plain safetensors (an 8-byte little-endian header length, a JSON header, the
array bytes), so other tools read it: ``safetensors.torch.load_file`` returns the model's
arrays under their state-dict names, ready for a PyTorch ``load_state_dict``. Layout:

- model arrays under their state-dict names (``weight``, ``encoder.bias``, ...);
- optimizer arrays under ``optimizer.state.{index}.{name}``;
- the header's ``__metadata__`` (a string → string map) holds, as JSON strings,
  ``tinygrad_rnn.format_version``, ``tinygrad_rnn.model_keys`` (the model's names in
  order), ``tinygrad_rnn.optimizer`` (param groups and the non-array state),
  ``tinygrad_rnn.metadata`` (the user's dict), ``tinygrad_rnn.checksums`` (the SHA-256 of
  every array's bytes) and ``tinygrad_rnn.header_sha256`` (the SHA-256 of everything else
  in the header: each array's name, dtype and shape and every other metadata entry).

PyTorch's ways work too. ``save(model.state_dict(), path)`` writes the state dict, and
``model.load_state_dict(load(path))`` reads it back (a :class:`Checkpoint` is a mapping of
the model's names to arrays). ``save(model, f)`` stores the whole module tree and
``load(f)`` returns it rebuilt, without pickle: the tree is JSON in the header
(``tinygrad_rnn.object``, described in ``tinygrad_rnn/_object_tree.py``), the arrays are the
model's, under their state-dict names. The same holds for an array, a tensor, or dicts,
lists and tuples of them and of numbers and strings (``{"model": model.state_dict(),
"epoch": 3}``). Loading rebuilds the classes of tinygrad_rnn and of its registered
plugins by itself, and any other class only once it is allow-listed with
:func:`add_safe_globals` or :func:`safe_globals` (PyTorch's names); no code of the class
runs while loading. ``f`` is a path or a binary file object.

The checksums make corruption visible: safetensors checks the header's structure but not
the bytes of the arrays, so a flipped bit would otherwise load silently. Nothing is ever
unpickled. Writes to a path are atomic: a crash mid-save leaves the previous file intact
(a file object gets the bytes as they come).

A plain safetensors file written by another tool has no checksums, so its bytes cannot be
verified: :func:`load` reads it all the same and says so in what it returns
(``Checkpoint.verified`` is False). Whatever the file holds, loading fails only with a
:class:`CheckpointError` naming the file: a header nested too deeply to parse, or an array
of a dtype NumPy has no type for (bfloat16, float8), included.
"""

from __future__ import annotations

import collections.abc
import contextlib
import hashlib
import json
import math
import os
import struct
import tempfile
from dataclasses import dataclass, field

import numpy as np
import safetensors
import safetensors.numpy

from . import _object_tree
from ._object_tree import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from .dtypes import check_device
from .nn.module import Module
from .tensor import Tensor

FORMAT_VERSION = 1
_KEY = "tinygrad_rnn."
_OPTIMIZER_PREFIX = "optimizer.state."
# The safetensors dtypes that have a NumPy type (not BF16, F8_*).
_NUMPY_DTYPES = ("F64", "F32", "F16", "I64", "U64", "I32", "U32", "I16", "U16", "I8", "U8", "BOOL")

__all__ = ["Checkpoint", "CheckpointError", "FORMAT_VERSION", "UntrustedClassError",
           "add_safe_globals", "clear_safe_globals", "get_safe_globals", "load",
           "safe_globals", "save"]


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted, not a safetensors file, or does not fit."""


class UntrustedClassError(CheckpointError):
    """The file holds an object of a class that is neither tinygrad_rnn's, a registered
    plugin's, nor on the allow-list (:func:`add_safe_globals`)."""


@dataclass
class Checkpoint(collections.abc.Mapping):
    """What :func:`load` read; as a mapping, the model's state dict (so that
    ``model.load_state_dict(load(path))`` works as in PyTorch).

    Attributes:
        model_state: name → array, the model's state dict (every array of a safetensors
            file written by another tool).
        optimizer_state: ``{"state": {index: {name: array or number}}, "param_groups":
            [...]}`` as the optimizer's ``state_dict()`` gave it, or None if none was saved.
        metadata: the user's ``metadata`` dict (empty if none was saved). JSON turns
            tuples into lists.
        verified: True when the header's and every array's checksum were checked (a file
            written by :func:`save`); False for a plain safetensors file from another tool,
            which has none, so its bytes were read unverified.
    """

    model_state: dict[str, np.ndarray] = field(default_factory=dict)
    optimizer_state: dict | None = None
    metadata: dict = field(default_factory=dict)
    verified: bool = False

    def __getitem__(self, name: str) -> np.ndarray:
        return self.model_state[name]

    def __iter__(self):
        return iter(self.model_state)

    def __len__(self) -> int:
        return len(self.model_state)


# ---------------------------------------------------------------- JSON and hashing

def _check_json(value, where: str) -> None:
    """Raise TypeError naming the first part of ``value`` that JSON cannot hold faithfully."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where} is {value}, which JSON cannot represent")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r} of type {type(key).__name__}; "
                                "JSON keys must be str")
            _check_json(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} is a {type(value).__name__}, which is not JSON-serializable "
                    "(use dicts with str keys, lists, str, finite numbers, bool or None)")


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).reshape(-1).view(np.uint8)).hexdigest()


def _header_sha256(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    described = {name: [a.dtype.name, list(a.shape)] for name, a in arrays.items()}
    others = {k: v for k, v in metadata.items() if k != _KEY + "header_sha256"}
    return hashlib.sha256(_dumps([described, others]).encode()).hexdigest()


# ---------------------------------------------------------------- save

def _model_arrays(model, tensors) -> dict[str, np.ndarray]:
    if model is not None and tensors is not None:
        raise ValueError("save: pass either model= or tensors= (a state dict), not both")
    state = model.state_dict() if model is not None else (tensors or {})
    arrays = {}
    for name, value in state.items():
        value = value.array if isinstance(value, Tensor) else value
        if not isinstance(name, str) or not name:
            raise TypeError(f"save: array names must be non-empty str, got {name!r}")
        if not isinstance(value, np.ndarray):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, expected an array or "
                            "a Tensor (to save a model and an optimizer together, use "
                            "save(path, model=..., optimizer=..., metadata=...))")
        arrays[name] = value
    return arrays


def _optimizer_parts(optimizer) -> tuple[dict[str, np.ndarray], dict]:
    """The optimizer's arrays (by file name) and the JSON description of the rest."""
    state_dict = optimizer.state_dict() if hasattr(optimizer, "state_dict") else optimizer
    if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
        raise TypeError("save: optimizer.state_dict() must be a dict with keys 'state' and "
                        "'param_groups'")
    arrays, described = {}, {}
    for index, entries in state_dict["state"].items():
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"save: optimizer state keys must be int parameter indices, "
                            f"got {index!r}")
        described[str(index)] = {}
        for name, value in entries.items():
            if isinstance(value, np.ndarray):
                key = f"{_OPTIMIZER_PREFIX}{index}.{name}"
                arrays[key] = value
                described[str(index)][name] = {"tensor": key}
            else:
                value = value.item() if isinstance(value, np.generic) else value
                _check_json(value, f"optimizer state[{index}][{name!r}]")
                described[str(index)][name] = {"value": value}
    _check_json(state_dict["param_groups"], "optimizer param_groups")
    return arrays, {"state": described, "param_groups": state_dict["param_groups"]}


def _write_all(file, data: bytes) -> None:
    """Write ``data`` to the open ``file`` (one place, so tests can make it fail midway)."""
    view = memoryview(data)
    while view:
        view = view[file.write(view):]


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _is_file(f) -> bool:
    return hasattr(f, "write") or hasattr(f, "read")


def _is_state_dict(obj) -> bool:
    """A flat mapping of names to arrays or tensors (what ``state_dict()`` returns)."""
    return isinstance(obj, collections.abc.Mapping) and all(
        isinstance(name, str) and isinstance(value, (np.ndarray, Tensor))
        for name, value in obj.items())


def save(obj, f=None, optimizer=None, metadata: dict | None = None, *, model=None,
         tensors: dict | None = None) -> None:
    """Write ``obj`` to ``f``, or a checkpoint to a path (safetensors format; see the
    module doc). Three forms:

    - ``save(path, model, optimizer, metadata)`` (each optional, also as keywords; or
      ``tensors=`` a state dict in place of ``model``): a checkpoint, that
      ``load(path, model, optimizer)`` reads back into them;
    - ``save(state_dict, f)``, PyTorch's order: a flat mapping of names to tensors or
      arrays, which ``load(f)`` returns as a :class:`Checkpoint`;
    - ``save(obj, f)`` for anything else: a module (its whole tree), an array, a tensor,
      or dicts, lists and tuples of them and of numbers, str and None; ``load(f)``
      returns it rebuilt. (A str first is read as a path, the first form.)

    Args:
        f: where to write: a path (str or path-like, whose directory must exist) or a
            binary file object.
        model: a Module whose ``state_dict()`` is saved.
        optimizer: an optimizer whose ``state_dict()`` is saved (or such a dict).
        metadata: a JSON-serializable dict (str keys, lists, str, finite numbers, bool,
            None), e.g. ``{"epoch": 3}``.
        tensors: a state dict (name → array) to save in place of ``model``'s.

    To a path, the bytes go to a temporary file in the same directory, which is flushed,
    synced and then renamed over the path; if anything fails, the temporary file is removed
    and a previous file at the path is left as it was.

    Raises:
        TypeError: metadata or optimizer options are not JSON-serializable, a value is not
            an array, or a part of ``obj`` is of a class that cannot be stored (the error
            names it).
        ValueError: a name is used twice, both ``model`` and ``tensors`` are given, or
            ``metadata`` is nested too deeply for JSON.
    """
    if isinstance(obj, (str, os.PathLike)):
        if f is not None and model is not None:
            raise TypeError("save: the model was given twice, as the second argument and as model=")
        _save_checkpoint(obj, model if f is None else f, optimizer, metadata, tensors)
    elif _is_state_dict(obj):
        if not (isinstance(f, (str, os.PathLike)) or _is_file(f)) or tensors is not None:
            raise TypeError("save: with a state dict first, as save(state_dict, path), the second "
                            "argument must be the path (or a binary file) and tensors= must not "
                            "be given")
        _save_checkpoint(f, None, optimizer, metadata, obj)
    else:
        if f is None or not (isinstance(f, (str, os.PathLike)) or _is_file(f)):
            raise TypeError(f"save: save(obj, f) needs f, a path or a binary file, got {f!r}")
        if any(part is not None for part in (optimizer, metadata, model, tensors)):
            raise TypeError("save: save(obj, f) stores obj alone; to save more, put it in obj: "
                            "save({'model': model, 'optimizer': optimizer.state_dict(), "
                            "'epoch': 3}, f)")
        _save_object(obj, f)


def _save_object(obj, f) -> None:
    """``obj`` as the header's ``tinygrad_rnn.object``; a module's parameters under its
    state-dict names, so that the file is also its checkpoint."""
    named = dict(obj.named_parameters()) if isinstance(obj, Module) else {}
    tree, arrays = _object_tree.encode(obj, {id(p): name for name, p in named.items()})
    _write(f, arrays, list(named), {_KEY + "object": _dumps(tree)}, None)


def _save_checkpoint(path, model, optimizer, metadata, tensors) -> None:
    if isinstance(model, Module) or model is None or tensors is not None:
        _write(path, _model_arrays(model, tensors), None, {}, metadata, optimizer)
    else:
        raise TypeError(f"save: model must be a Module, got {type(model).__name__} (to save "
                        "any other object, write save(obj, f))")


def _write(f, arrays, model_keys, header, metadata, optimizer=None) -> None:
    """Write ``arrays`` (the first ``model_keys`` of them the model's; all when None) with
    ``header``, the optimizer's state and ``metadata``, and the checksums."""
    model_keys = list(arrays) if model_keys is None else model_keys
    header = {_KEY + "format_version": str(FORMAT_VERSION),
              _KEY + "model_keys": _dumps(model_keys), **header}
    if optimizer is not None:
        optimizer_arrays, described = _optimizer_parts(optimizer)
        clash = sorted(set(arrays) & set(optimizer_arrays))
        if clash:
            raise ValueError(f"save: the model's names {clash} clash with the optimizer's")
        arrays.update(optimizer_arrays)
        header[_KEY + "optimizer"] = _dumps(described)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError(f"save: metadata must be a dict, got {type(metadata).__name__}")
        try:
            _check_json(metadata, "save: metadata")
        except RecursionError:
            raise ValueError("save: metadata is nested too deeply for JSON") from None
        header[_KEY + "metadata"] = _dumps(metadata)
    # NOTE: safetensors copies raw memory, so a non-contiguous view would be saved scrambled
    # (and np.ascontiguousarray would make a 0-d array 1-d).
    arrays = {name: np.asarray(a, order="C") for name, a in arrays.items()}
    header[_KEY + "checksums"] = _dumps({name: _array_sha256(a) for name, a in arrays.items()})
    header[_KEY + "header_sha256"] = _header_sha256(arrays, header)
    data = safetensors.numpy.save(arrays, metadata=header)
    if _is_file(f):
        _write_all(f, data)
    else:
        _atomic_write(os.fspath(f), data)


def _atomic_write(path: str, data: bytes) -> None:
    """Write to a temporary file beside ``path``, sync it, then rename it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else _default_mode()
    temporary = tempfile.NamedTemporaryFile(dir=directory, prefix=f".{os.path.basename(path)}.",
                                            suffix=".tmp", delete=False)
    try:
        with temporary as file:
            _write_all(file, data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary.name, mode)
        os.replace(temporary.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary.name)
        raise
    # Make the rename itself durable (best effort: not every system can open a directory).
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# ---------------------------------------------------------------- load

def _read_bytes(f) -> tuple[bytes, str]:
    """The bytes of ``f`` (a path or a binary file object) and the name errors give it."""
    if _is_file(f):
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError(f"load: the file object must be opened in binary mode ('rb'), "
                            f"its read() gave {type(data).__name__}")
        return data, str(getattr(f, "name", None) or f"<{type(f).__name__}>")
    path = os.fspath(f)
    with open(path, "rb") as file:
        return file.read(), path


def _read_arrays(data: bytes, path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays and the ``__metadata__`` of a safetensors file, or a CheckpointError."""
    size = len(data)
    if size < 8:
        raise CheckpointError(f"{path}: the file has {size} bytes, fewer than the 8-byte "
                              "header length: the file is truncated or not a safetensors file")
    (header_length,) = struct.unpack("<Q", data[:8])
    if 8 + header_length > size:
        raise CheckpointError(f"{path}: header length {header_length} exceeds file size {size}: "
                              "the file is truncated (or corrupted, or not a safetensors file)")
    try:
        header = json.loads(data[8:8 + header_length].decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
    except (UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(f"{path}: the header is not valid JSON ({error}): the file is "
                              "corrupted or not a safetensors file") from None
    except RecursionError:
        raise CheckpointError(f"{path}: the header's JSON is nested too deeply to read: the "
                              "file is corrupted or not a safetensors file") from None
    for name, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) and name != "__metadata__" else None
        if isinstance(dtype, str) and dtype not in _NUMPY_DTYPES:
            raise CheckpointError(f"{path}: array {name!r} has dtype {dtype}, which NumPy (and so "
                                  f"tinygrad_rnn) cannot hold; supported: {', '.join(_NUMPY_DTYPES)}")
    ends = [entry["data_offsets"][1] for name, entry in header.items() if name != "__metadata__"
            and isinstance(entry, dict) and isinstance(entry.get("data_offsets"), list)
            and len(entry["data_offsets"]) == 2 and isinstance(entry["data_offsets"][1], int)]
    expected = 8 + header_length + max(ends, default=0)
    if expected > size:
        raise CheckpointError(f"{path}: the header describes {expected} bytes but the file has "
                              f"{size}: the file is truncated (or its header corrupted)")
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as error:  # SafetensorError, or whatever a malformed header provokes
        raise CheckpointError(f"{path}: not a valid safetensors file: {error}") from None
    metadata = header.get("__metadata__") or {}
    return arrays, metadata


def _verify(path: str, arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Check the format version and the header and array checksums."""
    version = metadata[_KEY + "format_version"]
    if not version.isdigit() or int(version) > FORMAT_VERSION:
        raise CheckpointError(f"{path}: format version {version!r} is not supported "
                              f"(this tinygrad_rnn reads versions up to {FORMAT_VERSION}): a newer "
                              "tinygrad_rnn wrote it, or the header is corrupted")
    if metadata.get(_KEY + "header_sha256") != _header_sha256(arrays, metadata):
        raise CheckpointError(f"{path}: the header's checksum does not match: the header "
                              "(names, dtypes, shapes or metadata) is corrupted")
    checksums = json.loads(metadata[_KEY + "checksums"])
    for name, array in arrays.items():
        if checksums.get(name) != _array_sha256(array):
            raise CheckpointError(f"{path}: the bytes of array {name!r} do not match their "
                                  "checksum: the data is corrupted")


def _optimizer_state(described: dict, arrays: dict[str, np.ndarray]) -> dict:
    state = {}
    for index, entries in described["state"].items():
        state[int(index)] = {name: arrays[entry["tensor"]] if "tensor" in entry else entry["value"]
                             for name, entry in entries.items()}
    return {"state": state, "param_groups": described["param_groups"]}


def load(f, model=None, optimizer=None, *, map_location=None, weights_only: bool | None = None):
    """Read what :func:`save` wrote (or any safetensors file) from ``f``, a path or a binary
    file object, and verify it.

    A file written by :func:`save` is verified against its checksums; a plain safetensors
    file from another tool has none and is read unverified (``verified`` is False in the
    returned :class:`Checkpoint`).

    What comes back: the object of ``save(obj, f)`` rebuilt (a module with its whole tree,
    an array, ...), unless ``model`` or ``optimizer`` is given; otherwise a
    :class:`Checkpoint`. If ``model`` is given its parameters are loaded (strictly: names,
    shapes and dtypes must match); if ``optimizer`` is given its ``load_state_dict`` gets
    the saved state. If the optimizer rejects it, the model is put back as it was.

    Only classes of tinygrad_rnn and of its registered plugins are rebuilt by themselves;
    another class must be on the allow-list (:func:`add_safe_globals`,
    :func:`safe_globals`). ``weights_only=False`` (PyTorch's "I trust this file") also
    allows every module class already defined in this process; nothing is imported or run
    either way. ``map_location`` is accepted for PyTorch's sake: everything loads to the
    CPU, and a device other than the CPU is an error.

    Raises:
        CheckpointError (a ValueError): the file is truncated or corrupted (naming the file
            and what is wrong), or does not fit ``model``/``optimizer`` (listing every
            mismatch); :class:`UntrustedClassError` (a CheckpointError) when it holds an
            object of a class that is not allowed (naming it and the allow-list call).
    """
    if model is not None and not isinstance(model, Module):   # PyTorch's load(f, map_location)
        model, map_location = None, model
    if isinstance(map_location, (str, type(None))) or type(map_location).__name__ == "device":
        check_device(map_location, "load: map_location")   # (a dict or a function maps to CPU)
    data, path = _read_bytes(f)
    arrays, metadata = _read_arrays(data, path)
    if _KEY + "format_version" not in metadata:   # a safetensors file from another tool
        if any(key.startswith(_KEY) for key in metadata):
            raise CheckpointError(f"{path}: the header has tinygrad_rnn entries but no format "
                                  "version: the header is corrupted")
        if optimizer is not None:
            raise CheckpointError(f"{path}: the file was not written by tinygrad_rnn.save and "
                                  "holds no optimizer state")
        checkpoint = Checkpoint(model_state=dict(sorted(arrays.items())))
    else:
        try:
            _verify(path, arrays, metadata)
            model_keys = json.loads(metadata[_KEY + "model_keys"])
            described = metadata.get(_KEY + "optimizer")
            user = metadata.get(_KEY + "metadata")
            checkpoint = Checkpoint(
                model_state={name: arrays[name] for name in model_keys},
                optimizer_state=None if described is None else _optimizer_state(
                    json.loads(described), arrays),
                metadata={} if user is None else json.loads(user),
                verified=True,
            )
        except CheckpointError:
            raise
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as error:
            raise CheckpointError(f"{path}: the tinygrad_rnn entries of the header are "
                                  f"malformed ({type(error).__name__}: {error})") from None
    if model is None and optimizer is None and _KEY + "object" in metadata:
        return _load_object(path, metadata[_KEY + "object"], arrays, weights_only is False)
    if optimizer is not None and checkpoint.optimizer_state is None:
        raise CheckpointError(f"{path}: an optimizer was given but the file holds no "
                              "optimizer state")
    _load_into(path, checkpoint, model, optimizer)
    return checkpoint


def _load_object(path: str, tree: str, arrays: dict[str, np.ndarray], trust_defined: bool):
    """The object that ``save(obj, f)`` described in ``tree``, rebuilt (the checksums were
    verified)."""
    try:
        return _object_tree.decode(json.loads(tree), arrays, weights_only=not trust_defined)
    except _object_tree.UntrustedClass as error:
        raise UntrustedClassError(f"{path}: {error}") from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, RuntimeError,
            OverflowError, RecursionError) as error:
        raise CheckpointError(f"{path}: the saved object is malformed "
                              f"({type(error).__name__}: {error})") from None


def _load_into(path: str, checkpoint: Checkpoint, model, optimizer) -> None:
    previous = model.state_dict() if model is not None else None
    if model is not None:
        try:
            model.load_state_dict(checkpoint.model_state)
        except ValueError as error:
            raise CheckpointError(f"{path}: does not fit the model: {error}") from None
    if optimizer is not None:
        try:
            optimizer.load_state_dict(checkpoint.optimizer_state)
        except BaseException:
            if previous is not None:
                model.load_state_dict(previous)
            raise
