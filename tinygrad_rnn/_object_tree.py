"""Whole objects in a checkpoint: a module tree (or an array, a tensor, nested containers)
as JSON that names its arrays, and the allow-list of the classes that may be rebuilt.

**Encoding.** :func:`encode` turns an object into JSON plus a dict of named arrays, as
:mod:`~tinygrad_rnn.serialization` stores them (the JSON in the header's metadata, the
arrays beside the model's). Every value becomes one of::

    null, true, false, an int, a str, a finite float
    {"float": "inf" | "-inf" | "nan"}          {"dtype": "float32"}
    {"list": [...]}  {"tuple": [...]}          {"dict": [[key, value], ...]}
    {"array": name}                            {"scalar": [dtype, value]}
    {"tensor": i}    (row i of "tensors": the array's name, requires_grad, whether a Parameter)
    {"object": i}    (row i of "objects": "module:qualname" of the class, and its attributes)

A tensor or an object met twice is stored once and referred to by its row, so tied
weights (one Parameter in two modules) and shared sub-modules come back shared.

**What an object is.** A module is its attributes: ``_parameters``, ``_modules``,
``training`` and the plain settings its constructor stored (``in_features``, ``p``, a
recurrent layer's ``dtype``...). The constructor is never called at load: the object is
made by ``object.__new__`` and its ``__dict__`` filled with the decoded attributes, as
pickle does for a plain class, so loading runs no code of the class and no import the
file names. Only data can be decoded (numbers, strings, arrays, tensors, containers and
other such objects), never a function or a class. Saving stores modules, and other
objects only when their class is allow-listed; anything else is a TypeError that names the
attribute.

**Which classes load.** A file names classes, so it could name any; only these are rebuilt:

- the modules of ``tinygrad_rnn`` itself (its own code, from its modules already imported);
- the cells and wrappers of the registered plugins (installed distributions' entry points,
  and classes handed to ``plugins.register`` in this process): code the user installed or
  wrote, which ``nn.LSTM(...)`` runs anyway, found through the plugin registry (so a
  disabled plugin stays disabled), never by importing a module the file names;
- the classes on the allow-list (:func:`add_safe_globals`, :func:`safe_globals`), which
  the user has imported and vouches for;
- with ``weights_only=False`` (PyTorch's way of saying "I trust this file"), also any
  other module class already defined in this process. Still nothing is imported or run.

Any other class is an :class:`UntrustedClass` error that names it and the allow-list call.
The allow-list matters because a rebuilt object's methods later run on the file's data.
"""

from __future__ import annotations

import contextlib
import math
import sys

import numpy as np

from . import plugins
from .creation import from_numpy
from .nn.module import Module, Parameter
from .tensor import Tensor

_SAFE_GLOBALS: list[type] = []
_PACKAGE = __name__.partition(".")[0]
_FLOATS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class UntrustedClass(LookupError):
    """The file holds an object of a class that may not be rebuilt (see the module doc)."""


# ---------------------------------------------------------------- the allow-list

def add_safe_globals(safe_globals) -> None:
    """Allow :func:`~tinygrad_rnn.load` to rebuild objects of these classes (PyTorch's
    ``torch.serialization.add_safe_globals``)."""
    for cls in safe_globals:
        if not isinstance(cls, type):
            raise TypeError(f"add_safe_globals: expected classes, got {cls!r} "
                            f"({type(cls).__name__})")
        if cls not in _SAFE_GLOBALS:
            _SAFE_GLOBALS.append(cls)


def get_safe_globals() -> list[type]:
    """The classes on the allow-list."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Empty the allow-list."""
    _SAFE_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """``with safe_globals([MyModel]): model = load(path)``: the classes are allowed inside
    the block only."""
    before = list(_SAFE_GLOBALS)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _SAFE_GLOBALS[:] = before


def class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# ---------------------------------------------------------------- encode

class _Encoder:
    def __init__(self, array_names: dict[int, str]):
        self.array_names = dict(array_names)   # id(tensor) -> the name its array gets
        self.arrays: dict[str, np.ndarray] = {}
        self.tensors, self.objects = [], []
        self.rows: dict[int, int] = {}   # id(tensor or object) -> its row
        self.kept = []   # NOTE: what ``rows`` refers to by id stays alive while encoding

    def value(self, value, where: str):
        if value is None or type(value) in (bool, int, str):
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"float": repr(value)}
        if type(value) in (list, tuple):
            return {type(value).__name__: [self.value(v, f"{where}[{i}]")
                                           for i, v in enumerate(value)]}
        if type(value) is dict:
            return {"dict": [[self.value(k, f"{where} key"), self.value(v, f"{where}[{k!r}]")]
                             for k, v in value.items()]}
        if type(value) is np.ndarray:
            return {"array": self._array(value)}
        if isinstance(value, np.generic) and type(value).__module__ == "numpy":
            return {"scalar": [value.dtype.str, self.value(value.item(), where)]}
        if isinstance(value, np.dtype):
            return {"dtype": value.str}
        if type(value) in (Tensor, Parameter):
            return {"tensor": self._row(value, "tensor", where)}
        if isinstance(value, Module) or type(value) in _SAFE_GLOBALS:
            return {"object": self._row(value, "object", where)}
        kind = type(value)
        what = f"save: {where} is a {kind.__module__}.{kind.__qualname__}, which save cannot store"
        if callable(value):
            raise TypeError(f"{what}: a function or a class is code, not data (make it a "
                            "method or a class attribute of the module)")
        raise TypeError(f"{what} (it stores modules, tensors, arrays, numbers, str, None and "
                        "lists, tuples and dicts of them); an object of another class is stored "
                        "by its attributes once the class is allowed: "
                        f"tinygrad_rnn.serialization.add_safe_globals([{kind.__qualname__}])")

    def _array(self, array: np.ndarray, name: str | None = None) -> str:
        if name is None:
            name = f"saved#{len(self.arrays)}"
            while name in self.arrays or name in self.array_names.values():
                name += "#"
        self.arrays[name] = array
        return name

    def _row(self, value, kind: str, where: str) -> int:
        if id(value) in self.rows:
            return self.rows[id(value)]
        table = self.tensors if kind == "tensor" else self.objects
        self.rows[id(value)] = len(table)
        self.kept.append(value)
        table.append(None)
        index = len(table) - 1
        if kind == "tensor":
            name = self._array(np.asarray(value), self.array_names.get(id(value)))
            table[index] = {"array": name, "parameter": isinstance(value, Parameter),
                            "requires_grad": bool(value.requires_grad and value.is_leaf)}
        else:
            cls = type(value)
            attributes = vars(value)
            table[index] = {"class": class_name(cls),
                            "state": {"dict": [[name, self.value(v, f"{where}.{name}")]
                                               for name, v in attributes.items()]}}
        return index


def encode(obj, array_names: dict[int, str] | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """``(tree, arrays)``: the JSON-ready description of ``obj`` and its arrays by name.
    ``array_names`` maps ``id(tensor)`` to the name its array should have (a model's
    state-dict names); other arrays are named ``saved#i``."""
    encoder = _Encoder(array_names or {})
    root = encoder.value(obj, type(obj).__name__)
    tree = {"root": root, "tensors": encoder.tensors, "objects": encoder.objects}
    return tree, encoder.arrays


# ---------------------------------------------------------------- decode

def _plugin_class(module: str, qualname: str):
    """A registered cell or wrapper class of that name, found through the registry."""
    top = module.partition(".")[0]
    for kind in ("cell", "wrapper"):
        for info in plugins.available(kind):
            if info.status in ("disabled", "broken"):
                continue
            source = info.value.partition(":")[0]
            if info.value != "<registered>" and source.partition(".")[0] != top:
                continue
            name = info.name if info.value == "<registered>" else f"{info.distribution}:{info.name}"
            with contextlib.suppress(plugins.PluginError):
                cls = plugins.get(name, kind)
                if isinstance(cls, type) and class_name(cls) == f"{module}:{qualname}":
                    return cls
    return None


def _package_class(module: str, qualname: str):
    """A module class of tinygrad_rnn itself, from its modules already imported (a file
    never decides what is imported)."""
    if module != _PACKAGE and not module.startswith(_PACKAGE + "."):
        return None
    found = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found if isinstance(found, type) and issubclass(found, Module) else None


def _defined_modules():
    """Every Module subclass defined in this process."""
    stack, seen = [Module], []
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def resolve_class(name: str, weights_only: bool) -> type:
    """The class stored as ``module:qualname``, if it may be rebuilt; else
    :class:`UntrustedClass`."""
    module, _, qualname = name.partition(":")
    for cls in _SAFE_GLOBALS:
        if class_name(cls) == name:
            return cls
    cls = _package_class(module, qualname) or _plugin_class(module, qualname)
    if cls is None and not weights_only:
        cls = next((c for c in _defined_modules() if class_name(c) == name), None)
    if cls is not None and class_name(cls) == name:
        return cls
    if module.startswith(_PACKAGE + ".") and module not in sys.modules:
        raise UntrustedClass(f"the file holds an object of class {module}.{qualname}, whose "
                             f"module is not imported (loading imports nothing the file names): "
                             f"if you trust the file, import {module} first")
    short = qualname.rpartition(".")[2] or name
    raise UntrustedClass(
        f"the file holds an object of class {module}.{qualname}, which is not a tinygrad_rnn "
        f"class, a registered plugin's or on the allow-list. If you trust the file, import "
        f"the class and allow it: tinygrad_rnn.serialization.add_safe_globals([{short}]), or "
        f"`with tinygrad_rnn.serialization.safe_globals([{short}]): ...` around the load")


class _Decoder:
    def __init__(self, tree: dict, arrays: dict[str, np.ndarray], weights_only: bool):
        self.arrays = arrays
        self.tensors = [self._tensor(row) for row in tree["tensors"]]
        # Objects are made first and filled after, so that shared ones (and cycles) resolve.
        self.rows = tree["objects"]
        self.objects = [object.__new__(resolve_class(row["class"], weights_only))
                        for row in self.rows]
        for obj, row in zip(self.objects, self.rows):
            state = self.value(row["state"])
            if not isinstance(state, dict) or not all(isinstance(k, str) and not k.startswith("__")
                                                      for k in state):
                raise ValueError(f"the attributes of a {row['class']} are not a dict of names")
            obj.__dict__.update(state)
            if isinstance(obj, Module):
                _check_module(obj, row["class"])

    def _tensor(self, row: dict) -> Tensor:
        array = self.arrays[row["array"]]
        if row["parameter"]:
            return Parameter(array, requires_grad=bool(row["requires_grad"]))
        return from_numpy(array).requires_grad_(bool(row["requires_grad"]))

    def value(self, value):
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value
        if not isinstance(value, dict) or len(value) != 1:
            raise ValueError(f"not an encoded value: {value!r:.80}")
        ((kind, content),) = value.items()
        if kind == "float":
            return _FLOATS[content]
        if kind in ("list", "tuple"):
            return (list if kind == "list" else tuple)(self.value(v) for v in content)
        if kind == "dict":
            return {self.value(k): self.value(v) for k, v in content}
        if kind == "array":
            return self.arrays[content]
        if kind == "scalar":
            return _numeric_dtype(content[0]).type(self.value(content[1]))
        if kind == "dtype":
            return _numeric_dtype(content)
        if kind == "tensor":
            return self.tensors[_index(content, self.tensors)]
        if kind == "object":
            return self.objects[_index(content, self.objects)]
        raise ValueError(f"unknown kind of encoded value {kind!r}")


def _numeric_dtype(name) -> np.dtype:
    dtype = np.dtype(str(name))
    if dtype.kind not in "biufc":
        raise ValueError(f"a dtype {dtype} that is not a number's")
    return dtype


def _index(content, table) -> int:
    if isinstance(content, bool) or not isinstance(content, int) or not 0 <= content < len(table):
        raise ValueError(f"a reference to row {content!r} of a table of {len(table)}")
    return content


def _check_module(module: Module, name: str) -> None:
    """A rebuilt module's registries hold what they must (a damaged or hostile file could
    put anything there)."""
    state = vars(module)
    for registry, kind in (("_parameters", Parameter), ("_modules", Module)):
        entries = state.get(registry)
        if not isinstance(entries, dict) or not all(isinstance(k, str) and (
                v is None or isinstance(v, kind)) for k, v in entries.items()):
            raise ValueError(f"{name}.{registry} is not a dict of names to {kind.__name__}s")
    if not isinstance(state.get("training"), bool):
        raise ValueError(f"{name}.training is not a bool")


def decode(tree, arrays: dict[str, np.ndarray], weights_only: bool = True):
    """The object :func:`encode` described, rebuilt from ``tree`` and ``arrays``."""
    if not isinstance(tree, dict) or set(tree) != {"root", "tensors", "objects"}:
        raise ValueError("the object description is not {root, tensors, objects}")
    return _Decoder(tree, arrays, weights_only).value(tree["root"])
