"""Trace a cell's ``step`` into a graph of the engine's own Functions.

The step runs once on probe tensors while every ``Function.apply`` is recorded: which
Function, on which tensors, with which options, giving which tensor. A tensor that no
recorded call made is a leaf: the input ``x``, a state tensor, a parameter of the cell
(found by identity, its submodules' too), or else a constant (a Python number the step
used, or an array or tensor it made outside the engine's ops; one that requires a gradient
is refused, since its gradient would be lost). The result is a :class:`Graph` of
:class:`Value` s in the order the step computed them. A call of a Function that equals a
few of the others (:data:`COMPOSED`: ``Linear`` is ``x Wᵀ + b``) is recorded as those, so
that the compiler plans its product as it plans any other.

A graph is only worth compiling if it is the same whatever the values: a step that takes
a Python ``if`` on a tensor's value, or computes a constant from the input, would give a
kernel that is right for the probe only. :func:`trace` therefore runs the step three times
(:data:`PROBES`: two batch sizes, probes of opposite signs) and compares the graphs
(:meth:`Graph.signature`); any difference is a :class:`CompileError` that says where. The
step runs as it always does, side effects included.
"""

from __future__ import annotations

import contextlib
import linecache
import pathlib
import sys
import threading
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..function import Function
from ..ops import elementwise, linalg, shape
from ..tensor import Tensor

PROBE_BATCHES = (2, 3)          # two batch sizes, so that a shape tied to the batch shows
# (batch, sign) of each trace; the second repeats the first batch, so that a step that keeps
# something of an earlier call on the cell (and uses it when the shapes fit) shows too.
PROBES = ((PROBE_BATCHES[0], 1.0), (PROBE_BATCHES[0], -1.0), (PROBE_BATCHES[1], -1.0))
ENGINE = pathlib.Path(__file__).resolve().parents[1]   # the tinygrad_rnn package
_LOCK = threading.Lock()        # one trace at a time: recording patches Function.apply


class CompileError(ValueError):
    """A step that cannot be compiled; the message names the op or construct and why."""


@dataclass(eq=False)
class Value:
    """One array of the traced step.

    ``kind`` is ``"x"``, ``"state"``, ``"parameter"``, ``"constant"`` (leaves) or ``"op"``
    (the output of ``function`` applied to ``inputs`` with ``options``). ``name`` is a
    leaf's name (``"x"``, the state's or parameter's name); ``source`` the line of the
    cell's code that made an op, for the comments of the generated code; ``part_of`` the
    Function that an op is a part of, when the step called one of :data:`COMPOSED`.
    """

    index: int
    kind: str
    shape: tuple
    name: str = ""
    function: type | None = None
    inputs: tuple = ()
    options: dict = field(default_factory=dict)
    data: np.ndarray | None = None
    source: str = ""
    part_of: str = ""

    @property
    def label(self) -> str:
        if self.kind != "op":
            return f"{self.kind} {self.name}"
        return self.function.__name__ + (f" of {self.part_of}" if self.part_of else "")


@dataclass
class Graph:
    """The traced step: its values in order, and the values it returned."""

    cell_name: str
    batch: int
    values: list
    output: Value
    new_state: tuple

    def signature(self) -> list:
        """What must not change between two traces: each value's kind, op, wiring, options
        and shape (with the batch written as ``"N"``), and each constant's value."""
        rows, batched = [], set()
        for v in self.values:
            if v.kind in ("x", "state") or any(i.index in batched for i in v.inputs):
                batched.add(v.index)
            shape = tuple("N" if (i == 0 and v.index in batched) else s
                          for i, s in enumerate(v.shape))
            data = None if v.data is None else (v.data.shape, v.data.tobytes())
            rows.append((v.kind, v.name, v.label, tuple(i.index for i in v.inputs),
                         _options_key(v.options), shape, data))
        rows.append(("returns", self.output.index, tuple(v.index for v in self.new_state)))
        return rows


def _options_key(options: dict):
    """Options in a comparable form (arrays by value)."""
    def key(item):
        if isinstance(item, np.ndarray):
            return ("array", item.shape, item.tobytes())
        if isinstance(item, (tuple, list)):
            return tuple(map(key, item))
        return repr(item)
    return tuple(sorted((name, key(option)) for name, option in options.items()))


def _caller_line() -> str:
    """``file:line  code`` of the innermost frame outside the engine: the cell's own line;
    and, when that is in a helper of ``step``, the line that called it."""
    frame = sys._getframe(2)
    while frame is not None and ENGINE in pathlib.Path(frame.f_code.co_filename).parents:
        frame = frame.f_back
    if frame is None:
        return ""
    path = pathlib.Path(frame.f_code.co_filename)
    code = linecache.getline(str(path), frame.f_lineno).strip()
    line = f"{path.name}:{frame.f_lineno}  {code}"
    caller = frame.f_back
    if frame.f_code.co_name != "step" and caller is not None:
        line += f"  (called at line {caller.f_lineno})"
    return line


def _linear_parts(x: Value, weight: Value, bias: Value | None = None) -> list:
    """``Linear``'s y = x Wᵀ + b as the Functions it equals: ``(Function, inputs, options,
    shape)`` each, an input given as an int being the result of that earlier part."""
    y = x.shape[:-1] + weight.shape[:1]
    parts = [(shape.Permute, (weight,), {"axes": (1, 0)}, weight.shape[::-1]),
             (linalg.MatMul, (x, 0), {}, y)]
    return parts + [(elementwise.Add, (1, bias), {}, y)] if bias is not None else parts


# The Functions recorded as the parts they equal (a function of their inputs giving those).
COMPOSED = {linalg.Linear: _linear_parts}


@contextlib.contextmanager
def _recording():
    """Record every ``Function.apply`` made inside the block as ``(function, inputs, options,
    result, source)``. NOTE: the patch is process-wide: another thread's ops made during a
    trace would be recorded too (and then fail the comparison of the traces)."""
    calls = []
    original = Function.__dict__["apply"]

    def apply(cls, *inputs, **options):
        result = original.__func__(cls, *inputs, **options)
        calls.append((cls, inputs, options, result, _caller_line()))
        return result

    with _LOCK:
        Function.apply = classmethod(apply)
        try:
            yield calls
        finally:
            Function.apply = original


def _record(cell, batch: int, sign: float) -> Graph:
    """Run ``cell.step`` once on probes of ``batch`` rows, values of ``sign``; its graph."""
    rng = np.random.default_rng(batch)
    draw = lambda size: Tensor(sign * rng.uniform(0.1, 1.0, (batch, size)).astype(cell.dtype))
    x = draw(cell.input_size)
    state = tuple(draw(size) for size in cell.state_sizes)
    with no_grad(), _recording() as calls:
        result = cell.step(x, state)
    from ..nn.contract import CellContractError, check_step_result   # NOTE: nn imports us
    try:
        check_step_result(cell, result, None, batch)
    except CellContractError as error:
        raise CompileError(str(error)) from None
    h, new_state = result
    values, by_tensor = [], {}

    def leaf(tensor, kind, name, data=None):
        value = Value(len(values), kind, tensor.shape, name, data=data)
        values.append(value)
        by_tensor[id(tensor)] = value
        return value

    leaf(x, "x", "x")
    for tensor, name in zip(state, cell.state_names):
        leaf(tensor, "state", name)
    parameters = {id(p): name for name, p in cell.named_parameters()}
    keep = [x, *state]   # NOTE: ids are only unique while the tensors live
    for function, inputs, options, result, source in calls:
        keep.append(result)
        arguments = []
        for tensor in inputs:
            tensor = tensor if isinstance(tensor, Tensor) else Tensor(tensor)
            known = by_tensor.get(id(tensor))
            if known is None:
                if id(tensor) in parameters:
                    known = leaf(tensor, "parameter", parameters[id(tensor)])
                elif tensor.requires_grad:
                    raise CompileError(f"{function.__name__} (at {source}) reads a tensor of "
                                       f"shape {tensor.shape} that requires a gradient but is "
                                       f"not a parameter of the cell: a compiled step takes "
                                       f"it as a constant, so register it as a Parameter")
                else:
                    known = leaf(tensor, "constant", "", data=np.array(tensor.array))
                keep.append(tensor)
            arguments.append(known)
        if isinstance(result, tuple):
            raise CompileError(f"{function.__name__} (at {source}) returns several tensors; "
                               f"a compiled step takes ops of one result")
        composed = function in COMPOSED
        parts = (COMPOSED[function](*arguments, **options) if composed
                 else [(function, tuple(arguments), options, result.shape)])
        made = []
        for part, inputs, part_options, part_shape in parts:
            inputs = tuple(made[i] if isinstance(i, int) else i for i in inputs)
            made.append(Value(len(values), "op", part_shape, function=part, inputs=inputs,
                              options=part_options, source=source,
                              part_of=function.__name__ if composed else ""))
            values.append(made[-1])
        value = made[-1]
        by_tensor[id(result)] = value
    returned = [h, *new_state]
    for tensor in returned:
        if id(tensor) not in by_tensor:
            raise CompileError("the step returns a tensor that it did not compute from its "
                               "inputs, state or parameters with engine ops")
    return Graph(type(cell).__name__, batch, values, by_tensor[id(h)],
                 tuple(by_tensor[id(s)] for s in new_state))


def trace(cell) -> Graph:
    """The graph of ``cell.step``, checked to be the same for every probe (see the module
    docstring); :class:`CompileError` if it is not."""
    first = _record(cell, PROBE_BATCHES[0], 1.0)
    a = first.signature()
    for batch, sign in PROBES[1:]:
        b = _record(cell, batch, sign).signature()
        if a != b:
            where = next((i for i, (p, q) in enumerate(zip(a, b)) if p != q), min(len(a), len(b)))
            if where >= len(first.values):
                what = "the number of values"
            else:
                value = first.values[where]
                what = f"value {where} ({value.label}, at {value.source or 'a leaf'})"
                axis = _batch_axis(a[where], b[where], batch)
                if axis is not None:
                    raise CompileError(f"a value has the batch on axis {axis}: {what} has "
                                       f"shape {value.shape} for a batch of "
                                       f"{PROBE_BATCHES[0]}; a compiled step keeps each "
                                       f"per-step value as (batch, features): write h @ W.T "
                                       f"rather than (W @ h.T).T")
            raise CompileError(f"the step's graph depends on the values it is given: two "
                               f"traces differ at {what} (a Python branch on a tensor's value, "
                               f"a constant computed from the input, or state kept on the cell?)")
    return first


def _batch_axis(row, other, batch: int) -> int | None:
    """The axis other than 0 that carries the batch, when two traces' rows of one value
    differ only there (its size the first probe's batch in ``row``, ``batch`` in ``other``)."""
    shape, other_shape = row[5], other[5]   # a row of Graph.signature: the shape is its sixth
    if row[:5] + row[6:] != other[:5] + other[6:] or len(shape) != len(other_shape):
        return None
    moved = [i for i, (n, m) in enumerate(zip(shape, other_shape)) if n != m]
    if moved and all(shape[i] == PROBE_BATCHES[0] and other_shape[i] == batch for i in moved):
        return moved[0]
    return None
