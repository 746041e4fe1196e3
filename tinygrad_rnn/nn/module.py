"""``Parameter``, ``Module`` and the two containers ``ModuleList`` and ``ModuleDict``.

A module finds its parameters and sub-modules by attribute assignment: ``self.weight =
Parameter(...)`` registers a parameter, ``self.encoder = Linear(...)`` a sub-module, each in
an ordered dict. Every walk over the tree (``named_parameters``, ``state_dict``, ``train``)
follows that registration order, and asks each child through its own methods, so a
subclass that overrides ``named_parameters`` (taking ``prefix``, ``recurse`` and
``remove_duplicate``) renames its entries in its parents' walks and in every state dict too.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Iterator

import numpy as np

from ..dtypes import as_dtype, check_device
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a :class:`Module` collects: a leaf that requires grad by default.

    ``Parameter(data)`` follows the Tensor dtype rules (Python numbers and lists become
    float32, float32/float64 arrays keep their dtype); a Tensor's values are copied.

    >>> Parameter([1.0, 2.0])
    Parameter(shape=(2,), dtype=float32)
    """

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad)

    def __repr__(self) -> str:
        flag = "" if self.requires_grad else ", requires_grad=False"
        return f"Parameter(shape={self.shape}, dtype={self.dtype}{flag})"


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = ("What ``load_state_dict`` left out: names the state dict lacked, and "
                            "names the model does not have.")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def unique_parameters(pairs) -> Iterator[tuple[str, Parameter]]:
    """The ``(name, parameter)`` pairs whose parameter was not met before: each once, under
    its first name."""
    seen = set()
    for name, param in pairs:
        if id(param) not in seen:
            seen.add(id(param))
            yield name, param


def _check_name(owner: str, name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{owner}: a name must be a str, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{owner}: a name must be non-empty and contain no '.', got {name!r}")


class Module:
    """The base class of every layer: parameters and sub-modules registered by assignment.

    Subclasses call ``super().__init__()`` first, assign their ``Parameter``\\ s and
    sub-modules as attributes, and define ``forward``; calling the module calls ``forward``.
    Assigning ``None`` to a registered name keeps the name with no value (a layer built
    with ``bias=False`` has ``bias = None``).

    Attributes:
        training: whether the module is in training mode (``train()``/``eval()`` set it on
            the whole tree); layers such as ``Dropout`` read it.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ registration

    def _registries(self):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning parameters "
                "or sub-modules"
            )
        return self.__dict__["_parameters"], self.__dict__["_modules"]

    def _register(self, owner: str, name: str, value, kind, what: str,
                  replace_attribute: bool = False) -> None:
        _check_name(f"{type(self).__name__}.{owner}", name)
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{type(self).__name__}: cannot register {type(value).__name__} "
                            f"as {what} {name!r} (expected {kind.__name__} or None)")
        parameters, modules = self._registries()
        registered = name in parameters or name in modules
        if not registered and not replace_attribute and hasattr(self, name):
            raise KeyError(f"{type(self).__name__}.{owner}: attribute {name!r} already exists")
        # NOTE: a name re-registered in its own registry keeps its place (PyTorch's order:
        # ``decoder.weight = encoder.weight`` leaves decoder.weight before decoder.bias).
        registry, other = (parameters, modules) if kind is Parameter else (modules, parameters)
        other.pop(name, None)
        registry[name] = value

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a Parameter, or None) under ``name``."""
        self._register("register_parameter", name, param, Parameter, "parameter")

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (a Module, or None) as the child ``name``."""
        self._register("add_module", name, module, Module, "sub-module")

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, (Parameter, Module)):
            self._registries()
            self.__dict__.pop(name, None)  # a parameter or module replaces a plain attribute
            if isinstance(value, Parameter):
                self._register("__setattr__", name, value, Parameter, "parameter", True)
            else:
                self._register("__setattr__", name, value, Module, "sub-module", True)
            return
        for registry, expected in (("_parameters", "Parameter"), ("_modules", "Module")):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                if value is not None:
                    raise TypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} "
                                    f"to {name!r} (expected {expected} or None)")
                entries[name] = None
                return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # Called only when ordinary lookup fails: the registered names live in the dicts.
        entries = self.__dict__
        if name in entries.get("_parameters", ()):
            return entries["_parameters"][name]
        if name in entries.get("_modules", ()):
            return entries["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        parameters, modules = self._registries()
        if name in parameters:
            del parameters[name]
        elif name in modules:
            del modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules))

    # ------------------------------------------------------------ walking the tree

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs: this module's own in registration order, then
        each child's (asked through the child's own ``named_parameters``). A parameter
        shared by several modules (tied weights, or one module registered twice) appears
        once, under its first name; with ``remove_duplicate=False``, under every name, as
        the state dict lists it (PyTorch's ``remove_duplicate``)."""
        pairs = self._named_parameters_with_repeats(prefix, recurse)
        return unique_parameters(pairs) if remove_duplicate else pairs

    def _named_parameters_with_repeats(self, prefix, recurse):
        for name, param in self._parameters.items():
            if param is not None:
                yield _join(prefix, name), param
        if recurse:
            for name, child in self._modules.items():
                if child is not None:
                    yield from child.named_parameters(_join(prefix, name),
                                                      remove_duplicate=False)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of ``named_parameters``, without their names."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names (each module once)."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every module below it, depth first, each once."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(_join(name, n), m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, module in self.named_modules():
            yield module

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every child's tree, then on this module (PyTorch's order,
        e.g. for a custom initialisation); returns the module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradients on or off for every parameter (off freezes them); returns the
        module."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def num_parameters(self) -> int:
        """The number of scalars in all parameters (shared ones counted once)."""
        return sum(param.array.size for param in self.parameters())

    # ------------------------------------------------------------ modes and gradients

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` to ``mode`` on this module and every module below; return self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``: evaluation mode (dropout off)."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set the gradient of every parameter to None (or, with ``set_to_none=False``, to
        zeros where there is one), as PyTorch's."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.array[...] = 0

    # ------------------------------------------------------------ state dict

    def state_dict(self) -> dict[str, np.ndarray]:
        """Dotted name → a copy of the parameter's array, under every name of
        ``named_parameters(remove_duplicate=False)`` in its order, as PyTorch's: a shared
        (tied) parameter is copied once, and each of its names holds that one array."""
        state, copies = {}, {}
        for name, param in self.named_parameters(remove_duplicate=False):
            if id(param) not in copies:
                copies[id(param)] = param.array.copy()
            state[name] = copies[id(param)]
        return state

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` (name → array or Tensor) into the parameters.

        Every problem is found before anything is copied: names the model lacks
        (unexpected), names the state dict lacks (missing), values that are not arrays or
        whose shape or dtype differ. If any is found, a ``ValueError`` lists each one and
        the parameters are left as they were. With ``strict=False`` missing and unexpected
        names are allowed (the matching ones are loaded) but shape and dtype must still match.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``, two lists of names.
        """
        owner = f"{type(self).__name__}.load_state_dict"
        if not hasattr(state_dict, "items"):
            raise TypeError(f"{owner}: expected a mapping of names to arrays, "
                            f"got {type(state_dict).__name__}")
        params = dict(self.named_parameters(remove_duplicate=False))   # tied: every name
        missing = [name for name in params if name not in state_dict]
        unexpected = [name for name in state_dict if name not in params]
        problems = []
        if strict:
            problems += [f"missing key {name!r} (expected shape {params[name].shape}, dtype "
                         f"{params[name].dtype})" for name in missing]
            problems += [f"unexpected key {name!r}" for name in unexpected]
        arrays = {}
        for name, value in state_dict.items():
            if name not in params:
                continue
            param = params[name]
            value = value.array if isinstance(value, Tensor) else value
            if not isinstance(value, np.ndarray):
                problems.append(f"{name!r}: expected a NumPy array, got {type(value).__name__}")
                continue
            if value.shape != param.shape:
                problems.append(f"{name!r}: shape mismatch: expected {param.shape}, "
                                f"got {value.shape}")
            if value.dtype != param.dtype:
                problems.append(f"{name!r}: dtype mismatch: expected {param.dtype}, "
                                f"got {value.dtype}")
            arrays[name] = value
        if problems:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            raise ValueError(f"{owner}: {len(problems)} problem(s) with the state dict; "
                             f"nothing was loaded:\n{listed}")
        # Validation passed: only now change the parameters.
        for name, value in arrays.items():
            np.copyto(params[name].array, value)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ dtype and device

    def to(self, *args, dtype=None, device=None) -> Module:
        """``to(dtype)``, ``to("cpu")`` or keywords, as PyTorch's: every parameter (and its
        gradient) converted in place to the float ``dtype``, and every module that records
        its dtype in a ``dtype`` attribute (the recurrent layers, the cells) updated; a
        device other than the CPU is an error. Returns the module."""
        for arg in args:
            if isinstance(arg, str) or type(arg).__name__ == "device":
                device = arg
            else:
                dtype = arg
        where = f"{type(self).__name__}.to"
        check_device(device, where)
        if dtype is None:
            return self
        dtype = as_dtype(dtype, where)
        if dtype.kind != "f":
            raise TypeError(f"{where}: parameters must be float32 or float64, got {dtype}")
        for param in self.parameters():
            param.array = param.array.astype(dtype, copy=False)
            if param.grad is not None:
                param.grad.array = param.grad.array.astype(dtype, copy=False)
        for module in self.modules():
            if "dtype" in vars(module):
                module.dtype = dtype
        return self

    def cpu(self) -> Module:
        """The module itself: everything here is on the CPU."""
        return self

    def double(self) -> Module:
        """``to(float64)``."""
        return self.to(np.float64)

    def float(self) -> Module:  # noqa: A003
        """``to(float32)``."""
        return self.to(np.float32)

    # ------------------------------------------------------------ repr

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


# ---------------------------------------------------------------- containers

class ModuleList(Module):
    """A list of modules, registered under the names ``"0"``, ``"1"``, ...

    Indexable (negative indices and slices too), iterable, with ``len``, ``append``,
    ``extend`` and ``del``.

    >>> from tinygrad_rnn.nn import Linear
    >>> layers = ModuleList([Linear(2, 2), Linear(2, 1)])
    >>> [name for name, _ in layers.named_parameters()]
    ['0.weight', '0.bias', '1.weight', '1.bias']
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check(self, module, position) -> Module:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module at position {position}, "
                            f"got {type(module).__name__}")
        return module

    def _position(self, index: int) -> int:
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}: indices must be integers or slices, "
                            f"got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for "
                             f"{len(self)} modules")
        return int(index) % len(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return list(self._modules.values())[self._position(index)]

    def __setitem__(self, index, module) -> None:
        name = list(self._modules)[self._position(index)]
        self.add_module(name, self._check(module, index))

    def __delitem__(self, index) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else self._position(index)]
        self._modules.clear()
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; return self."""
        self.add_module(str(len(self)), self._check(module, len(self)))
        return self

    def extend(self, modules) -> ModuleList:
        """Append each of ``modules``; return self."""
        for module in modules:
            self.append(module)
        return self


class ModuleDict(Module):
    """An ordered mapping of names to modules; the names become the dotted-name prefixes.

    Supports ``[]``, ``in``, ``len``, iteration over names, ``keys``, ``values``, ``items``,
    ``update`` and ``pop``. Names must be non-empty strings without a ``.``.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, name: str) -> Module:
        if name not in self._modules:
            raise KeyError(f"{type(self).__name__}: no module named {name!r}; "
                           f"names: {list(self._modules)}")
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module for {name!r}, "
                            f"got {type(module).__name__}")
        self.add_module(name, module)

    def __delitem__(self, name: str) -> None:
        self[name]  # the KeyError with the available names
        del self._modules[name]

    def __contains__(self, name) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, name: str) -> Module:
        """Remove the module ``name`` and return it."""
        module = self[name]
        del self._modules[name]
        return module

    def update(self, modules) -> None:
        """Add (or replace) modules from a mapping or an iterable of ``(name, module)`` pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for name, module in pairs:
            self[name] = module
