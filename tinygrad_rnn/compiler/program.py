"""A compiled step, :class:`Program`, and compiling one once per kind of cell.

:func:`compile_cell` traces a cell's step (``trace``), plans its time loop (``lower``),
writes the two kernels (``codegen``) and loads them (``cache``), once per signature: the
cell's class, dtype, options, sizes and constant arrays. :func:`why_not` says why a step
cannot be compiled. :mod:`~tinygrad_rnn.compiler.sequence` runs a :class:`Program`.
"""

from __future__ import annotations

import functools
import operator
import time
import weakref
from dataclasses import dataclass, field

import numpy as np

from ..ops.shape import GetItem, Permute, is_basic
from ..tensor import Tensor
from . import cache, codegen
from .lower import Plan, lower
from .trace import CompileError, trace


@dataclass
class Program:
    """A compiled step: its plan, generated source, loaded module (the kernels and the
    ``run_forward`` and ``run_backward`` that call them) and compile time (s)."""

    plan: Plan
    source: str
    module: object
    seconds: float
    _prelude: dict = field(default_factory=dict, repr=False)

    @functools.cached_property
    def parameters(self) -> list[str]:
        """The names of the cell's parameters that the step uses, in the order it met them."""
        return [v.name for v in self.plan.graph.values if v.kind == "parameter"]

    @functools.cached_property
    def parameter_getters(self) -> tuple:
        """One ``operator.attrgetter`` per name of :attr:`parameters`: a dotted name
        (``inp.weight``, of a submodule) is resolved attribute by attribute."""
        return tuple(map(operator.attrgetter, self.parameters))

    @property
    def products(self) -> list[str]:
        """One line per per-step product: the cell's line that made it."""
        return [p.source for p in self.plan.products]

    @functools.cached_property
    def parameter_indices(self) -> tuple[int, ...]:
        """The value index of each parameter, in :attr:`parameters`' order."""
        return tuple(v.index for v in self.plan.graph.values if v.kind == "parameter")

    @functools.cached_property
    def constants(self) -> dict:
        """{value index: array} of the step's constants (the leaves that are not parameters)."""
        return {v.index: v.data for v in self.plan.leaves if v.kind != "parameter"}

    def prelude(self, wanted: tuple) -> list:
        """The prelude's steps, when ``wanted`` says which of x and the parameters
        (:attr:`parameters`' order) need a gradient; worked out once per ``wanted``. Each is
        ``(index, Function, input indices, options, which inputs take a gradient, view)``;
        ``view`` is None, or ``(the parameter's position, [(Function, options), ...])`` for
        a value that is a slice of one parameter (a basic slice, or a chain of slices and
        transposes): its gradient is added into the same slice of the parameter's gradient,
        rather than spread over an array of the parameter's shape of its own."""
        if wanted not in self._prelude:
            needs = {0: wanted[0], **dict(zip(self.parameter_indices, wanted[1:]))}
            views = {index: (k, []) for k, index in enumerate(self.parameter_indices)}
            steps = []
            for v in self.plan.prelude:
                inputs = tuple(i.index for i in v.inputs)
                taking = tuple(needs.get(i, False) for i in inputs)
                if inputs[0] in views and _is_view(v.function, v.options):
                    root, chain = views[inputs[0]]
                    views[v.index] = (root, chain + [(v.function, v.options)])
                view = views.get(v.index)
                if view is not None and GetItem not in [link for link, _ in view[1]]:
                    view = None   # a transpose's own backward is a view: nothing to save
                steps.append((v.index, v.function, inputs, v.options, taking, view))
                needs[v.index] = any(taking)
            self._prelude[wanted] = steps
        return self._prelude[wanted]

    @functools.cached_property
    def loop_inputs(self) -> tuple:
        """The index of each prelude value that ``run_forward`` takes, in its order: the
        hoisted values, the per-unit vectors and scalars, the matrices (three tuples)."""
        plan = self.plan
        return (tuple(v.index for v in plan.frontiers),
                tuple(v.index for v in plan.units + plan.scalars),
                tuple(v.index for v in plan.matrices))

    @functools.cached_property
    def gradient_targets(self) -> tuple:
        """``(frontiers, per-unit values, product matrices)``: the value index (and for the
        per-unit ones the shape) that each gradient ``run_backward`` returns belongs to."""
        plan = self.plan
        return (tuple(v.index for v in plan.frontiers),
                tuple((v.index, v.shape) for v in plan.units + plan.scalars),
                tuple(plan.matrices[p.index].index for p in plan.products))


def _is_view(function, options: dict) -> bool:
    """Whether ``function`` with ``options`` always returns a view of its one input that
    selects no element twice, so that its gradient is added in place through the same view."""
    return function is Permute or (function is GetItem and is_basic(options["index"]))


# ---------------------------------------------------------------- compiling, once per kind of cell

_PLAIN = (bool, int, float, str, type(None), np.dtype)
_PROGRAMS: dict = {}                              # signature -> Program or CompileError
_BY_CELL: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _signature(cell) -> tuple:
    """What a step's graph may depend on: the class, the dtype, the cell's plain
    attributes (sizes and options) and its parameters' shapes; and those of its submodules
    (an ``nn.Linear``'s), by their names."""
    return cell.dtype, _layout(cell)


def _layout(module) -> tuple:
    """``module``'s class, plain attributes and parameters' shapes, and its submodules'."""
    plain = tuple([(k, v) for k, v in vars(module).items() if type(v) in _PLAIN])
    shapes = tuple([p.shape for p in module._parameters.values() if p is not None])
    layout = type(module), plain, shapes
    if module._modules:
        layout += tuple([(name, _layout(m)) for name, m in module._modules.items()
                         if m is not None])
    return layout


def _constants(cell) -> tuple:
    """The arrays and tensors the cell and its submodules hold besides their parameters (a
    step may use them as constants), by value."""
    held = [(f"{name}.{k}", v.array if isinstance(v, Tensor) else v)
            for name, module in cell.named_modules() for k, v in vars(module).items()
            if isinstance(v, (np.ndarray, Tensor))]
    return tuple((k, v.shape, v.tobytes()) for k, v in held)


def compile_cell(cell) -> Program:
    """The :class:`Program` of ``cell``'s step, traced and generated once per signature
    (class, options, dtype, sizes, submodules, and the arrays and tensors it holds besides
    its parameters) and loaded from the disk cache when it is there; :class:`CompileError`
    when the step cannot be compiled. NOTE: an array attribute changed in place after the
    first call is not seen; build a new cell."""
    known = _BY_CELL.get(cell)
    if known is not None and known[0] == _signature(cell):
        result = known[1]
    else:
        missing = [name for name in ("named_parameters", "check_sequence", "state_sizes",
                                     "dtype", "_parameters") if not hasattr(cell, name)]
        if missing:
            raise CompileError(f"cannot compile {type(cell).__name__}.step: the cell has no "
                               f"{', '.join(missing)} (subclass RecurrentCell)")
        signature = _signature(cell)
        key = (signature, _constants(cell))
        if key not in _PROGRAMS:
            _PROGRAMS[key] = _build(cell)
        result = _PROGRAMS[key]
        _BY_CELL[cell] = (signature, result)
    if isinstance(result, CompileError):
        raise result
    return result


def why_not(cell) -> str | None:
    """Why ``cell``'s step cannot be compiled (the :class:`CompileError`'s message), or None
    when it can."""
    try:
        compile_cell(cell)
    except CompileError as error:
        return str(error)
    return None


def _build(cell):
    start = time.perf_counter()
    try:
        plan = lower(trace(cell), cell.dtype)
    except CompileError as error:
        return CompileError(f"cannot compile {type(cell).__name__}.step: {error}")
    except Exception as error:  # noqa: BLE001  (the step path will raise it where it belongs)
        return CompileError(f"cannot compile {type(cell).__name__}.step: tracing it raised "
                            f"{type(error).__name__}: {error}")
    # NOTE: not the input size, which the loops never see (x enters through the prelude's
    # products): the layers of a stack share one module, compiled once.
    title = (f"{type(cell).__name__}.step ({np.dtype(cell.dtype).name}, state sizes "
             f"{tuple(cell.state_sizes)})")
    source = codegen.generate(plan, cell.dtype, title)
    module = cache.load(source)
    return Program(plan, source, module, time.perf_counter() - start)
