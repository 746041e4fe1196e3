"""What the conformance kit reads to say what is wrong in the author's own words: the frame
of the author's code in a traceback, the kinks a step's graph passes near, and the
tensors a step trains with although the cell does not register them."""

from __future__ import annotations

import os
import sysconfig
import traceback

import numpy as np

from ..tensor import Tensor

# The ops whose derivative jumps, with the distance of their inputs to the jump.
KINKS = {
    "Relu": lambda x: np.abs(x),
    "Abs": lambda x: np.abs(x),
    "Maximum": lambda a, b: np.abs(a - b),
}


def _foreign(path: str) -> bool:
    """Whether ``path`` is not the author's code: tinygrad_rnn's, NumPy's, Hypothesis's or
    the standard library's (but for the packages installed under it)."""
    import hypothesis

    import tinygrad_rnn

    path = os.path.abspath(path)
    packages = tuple(os.path.join(os.path.dirname(os.path.abspath(module.__file__)), "")
                     for module in (tinygrad_rnn, np, hypothesis))
    stdlib = os.path.join(os.path.abspath(sysconfig.get_paths()["stdlib"]), "")
    installed = {"site-packages", "dist-packages"} & set(path.split(os.sep))
    return path.startswith(packages) or (path.startswith(stdlib) and not installed)


def author_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of ``error``'s traceback in the author's code (outside
    tinygrad_rnn, NumPy, Hypothesis and the standard library), else the innermost one."""
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        if not _foreign(frame.filename):
            return frame
    return frames[-1] if frames else None


def describe(error: BaseException) -> str:
    """``Type: message`` and, on the next lines, where the author's code raised it."""
    text = f"{type(error).__name__}: {error}"
    if (frame := author_frame(error)) is not None:
        text += f'\n  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
        text += f"\n    {frame.line}" if frame.line else ""
    return text


def graph_nodes(outputs) -> list:
    """Every node of the graph that made ``outputs`` (tensors), each once."""
    stack = [t._node for t in outputs if isinstance(t, Tensor) and t._node is not None]
    seen, nodes = set(), []
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            nodes.append(node)
            stack += [t._node for t in node.inputs if t._node is not None]
    return nodes


def selects_by_mask(nodes) -> bool:
    """Whether the graph picks values by a mask (``where``, and ``clamp``/``clip``, which are
    built from it): the derivative jumps where the mask changes, at a point this module
    cannot measure (the mask is a constant of the graph)."""
    return any(node.name == "Where" for node in nodes)


def nearest_kink(nodes) -> tuple[float, str] | None:
    """``(distance, op)``: how close an input of ``relu``, ``abs`` or ``maximum`` among
    ``nodes`` comes to the point where its derivative jumps; None when none is used."""
    nearest = None
    for node in nodes:
        if node.name in KINKS:
            distance = float(np.min(KINKS[node.name](*(t.array for t in node.inputs)),
                                    initial=np.inf))
            if nearest is None or distance < nearest[0]:
                nearest = (distance, node.name.lower())
    return nearest


def _attributes(cell) -> dict:
    """The cell's attributes by the name an author reads: ``W``, ``weights[0]``, ``d['k']``."""
    found = {}
    for name, value in vars(cell).items():
        found[name] = value
        if isinstance(value, (list, tuple)):
            found.update({f"{name}[{k}]": item for k, item in enumerate(value)})
        elif isinstance(value, dict):
            found.update({f"{name}[{key!r}]": item for key, item in value.items()})
    return found


def unregistered(cell, nodes, inputs) -> list[str]:
    """A line for each tensor that ``nodes`` train with (it requires grad) but that is not
    a registered parameter of ``cell`` nor one of ``inputs``, and for each NumPy array
    attribute of the cell that a matrix product uses as a constant weight."""
    known = {id(t) for t in inputs} | {id(p) for p in cell.parameters()}
    names = {id(value): name for name, value in _attributes(cell).items()}
    arrays = {name: value for name, value in _attributes(cell).items()
              if isinstance(value, np.ndarray) and value.dtype.kind == "f"}
    problems = []
    for node in nodes:
        for tensor in node.inputs:
            if tensor._node is None and tensor.requires_grad and id(tensor) not in known:
                known.add(id(tensor))
                where = (f"attribute {names[id(tensor)]!r}" if id(tensor) in names
                         else f"a tensor of shape {tensor.shape}")
                problems.append(f"the step trains with {where}, which requires grad but is not "
                                f"a registered parameter: no optimizer or state dict sees it "
                                f"(assign it to an attribute as a Parameter, or use "
                                f"create_parameters; a Python list of parameters is not "
                                f"registered)")
            elif tensor._node is None and node.name == "MatMul":
                for name, array in arrays.items():
                    if array.shape == tensor.shape and np.array_equal(array, tensor.array):
                        problems.append(f"the step multiplies by attribute {name!r}, a NumPy "
                                        f"array, which is never trained: if it is a weight, make "
                                        f"it a Parameter; to keep it constant on purpose, store "
                                        f"it as a Tensor")
                        arrays.pop(name)
                        break
    return problems
