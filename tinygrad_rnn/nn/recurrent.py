"""The recurrent layer: any registered cell, stacked, in one or both directions, over padded
batches of variable length, with PyTorch's shapes and state-dict names.

Shapes (T time steps, N sequences, I input features, H hidden features, L layers, D = 2
when bidirectional else 1):

* input ``(T, N, I)``, or ``(N, T, I)`` with ``batch_first``, or unbatched ``(T, I)``;
* each state tensor ``(D·L, N, H)``, layer-major then direction, never batch-first;
* output ``(T, N, D·H)``: the last layer's ``h`` at every step, the reverse direction's
  half aligned with the original time order.
"""

from __future__ import annotations

import os

import numpy as np

from .. import compiler, ops, plugins
from ..tensor import Tensor, ensure_tensor
from .cell import (STEPWISE_ENV, RecurrentCell, check_declarations, check_lengths,
                   check_step_result, checked_step, use_fused)
from .module import Module, ModuleList, unique_parameters
from .utils.rnn import PackedSequence, run_packed

_DIRECTION_SUFFIXES = ("", "_reverse")


def sequence_path(cell: RecurrentCell, fused: bool | str | None = None) -> str:
    """The path :func:`run_cell` takes: ``"kernel"`` (the cell's own ``sequence``),
    ``"generated"`` (its step compiled by :mod:`tinygrad_rnn.compiler`) or ``"step"``.

    ``fused="generated"`` forces the generated path; otherwise, when :func:`use_fused`
    agrees, the cell's own ``sequence`` if it has one, else the generated path if its step
    compiles, else the step."""
    if fused == "generated":
        return "generated"
    if not use_fused(fused):
        return "step"
    if cell.sequence is not None:
        return "kernel"
    return "generated" if compiler.why_not(cell) is None else "step"


def scan(step, inputs, state: tuple, lengths=None, reverse=False) -> tuple[Tensor, tuple]:
    """Apply ``step(input_t, state) -> (h, new_state)`` over the per-step ``inputs`` (a
    sequence of T items) from ``state``; return the stacked outputs (T, N, H) and the final
    state.

    With ``lengths``, sequence n is only ``lengths[n]`` steps long: past its end its state
    is held and its output is zero, so its final state is the one at its last valid step.
    ``reverse`` runs from the last step to the first; since the steps past a sequence's end
    change nothing, the reverse direction starts at each sequence's own last valid step.
    """
    outputs = [None] * len(inputs)
    for t in (reversed(range(len(inputs))) if reverse else range(len(inputs))):
        h, new_state = step(inputs[t], state)
        if lengths is not None:
            active = (t < lengths)[:, None]
            new_state = tuple(ops.where(active, new, old) for new, old in zip(new_state, state))
            h = ops.where(active, h, 0.0)
        outputs[t], state = h, tuple(new_state)
    return ops.stack(outputs), state


def run_cell(cell: RecurrentCell, x: Tensor, state: tuple, lengths=None, reverse=False,
             fused=None) -> tuple[Tensor, tuple]:
    """Run ``cell`` over ``x`` (T, N, I) from ``state``; return the outputs (T, N, H) and the
    final state (see :func:`scan` for ``lengths`` and ``reverse``).

    The path is :func:`sequence_path`'s: the cell's own ``sequence``, its step compiled
    into one (``fused="generated"`` raises a :class:`~tinygrad_rnn.compiler.CompileError`
    naming what cannot be compiled), or its ``step`` once per time step. Every result is
    checked against the cell contract (``check_step_result``).
    """
    path = sequence_path(cell, fused)
    if path == "step":
        return scan(checked_step(cell), ops.unstack(x), state, lengths, reverse)
    if path == "kernel":
        result = cell.sequence(x, state, lengths, reverse)
    else:
        result = compiler.run(cell, x, state, lengths, reverse)
    check_step_result(cell, result, x.shape[0], x.shape[1], where="sequence")
    return result


class Unidirectional(Module):
    """One direction: the default wrapper of a layer's cell (the same contract as wrapper
    plugins: ``num_directions``, ``cells`` and ``forward(x, states, lengths, fused)``)."""

    num_directions = 1

    def __init__(self, make_cell):
        super().__init__()
        self.cells = ModuleList([make_cell()])

    def forward(self, x, states, lengths=None, fused=None):
        output, final = run_cell(self.cells[0], x, states[0], lengths, fused=fused)
        return output, [final]


def detach_state(state):
    """``state`` cut from the graph, whatever its structure (a tensor, or tuples, lists and
    dicts of them): what truncated backpropagation through time does between chunks."""
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, dict):
        return {key: detach_state(value) for key, value in state.items()}
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(value) for value in state)
    if state is None:
        return None
    raise TypeError(f"detach_state: expected tensors in tuples, lists or dicts, got {type(state).__name__}")


# The built-in plugins, by the name they register: the distribution that provides each.
BUILTIN_PLUGINS = {
    ("cell", "rnn"): "tinygrad-rnn-rnn", ("cell", "lstm"): "tinygrad-rnn-lstm",
    ("cell", "gru"): "tinygrad-rnn-gru", ("wrapper", "bidirectional"): "tinygrad-rnn-bidirectional",
}


def load_plugin(name: str, kind: str):
    """``plugins.get(name, kind)``; when a built-in (``name`` bare or ``dist:name``) is not
    installed at all, the error names the distribution that ships it and how to install it.
    (Installed but disabled or ambiguous: the registry's own error says so, and the way out.)
    """
    try:
        return plugins.get(name, kind=kind)
    except plugins.PluginError as error:
        short = name.rpartition(":")[2]
        distribution = BUILTIN_PLUGINS.get((kind, short))
        if distribution is None or any(row.name == short and row.distribution == distribution
                                       for row in plugins.available(kind)):
            raise
        folder = distribution.removeprefix("tinygrad-rnn-")
        raise plugins.PluginError(
            f"{error}\nThe {kind} {short!r} ships in the distribution {distribution}, which is "
            f"not installed: install it with `pip install -e plugins/{folder}` from a "
            f"tinygrad_rnn checkout"
        ) from error


def resolve_cell(cell) -> type:
    """A cell class from a registered name (``"lstm"``, ``"dist:name"``) or a class."""
    if isinstance(cell, str):
        return load_plugin(cell, "cell")
    if isinstance(cell, type):
        return cell
    raise TypeError(f"Recurrent: cell must be a registered name or a class, got {cell!r}")


class Recurrent(Module):
    """A stack of ``num_layers`` recurrent layers of any registered cell.

    Args:
        cell: a registered cell name (see ``tinygrad-rnn cells``) or a cell class.
        input_size, hidden_size: I and H.
        num_layers: L; layer k > 0 reads the D·H outputs of layer k - 1.
        bias: whether the cells have biases.
        batch_first: input and output are (N, T, ·) instead of (T, N, ·); states are not.
        dropout: dropout probability on the outputs of every layer but the last, in
            training mode only.
        bidirectional: run a second cell per layer from the end of each sequence to its
            start, through the ``bidirectional`` wrapper plugin.
        dtype: the parameters' dtype, float32 or float64; inputs must match it.
        fused: None (the default) takes a cell's own whole-sequence path when it has one,
            else its step compiled into one (:mod:`tinygrad_rnn.compiler`) when it
            compiles, unless ``TINYGRAD_RNN_STEPWISE=1``; False forces the step-by-step
            path; ``"generated"`` forces the compiled one.
        **cell_options: passed to the cell (``nonlinearity="relu"``, ``proj_size=…``).

    Call ``layer(x, state=None, lengths=None)``; it returns ``(output, final_state)``. A
    state is one tensor (or NumPy array) for a one-state cell, a tuple in the cell's
    ``state_names`` order otherwise (the LSTM's ``(h, c)``); None means zeros. The steps of
    ``x`` past a sequence's length are never read (they may hold anything, NaN included).
    A batch of no sequences, (T, 0, I), gives empty outputs and states of the right shapes.
    ``x`` may also be a :class:`~tinygrad_rnn.nn.utils.rnn.PackedSequence` (then the output
    is one too).
    """

    def __init__(self, cell, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype=np.float32, fused=None, **cell_options):
        super().__init__()
        cell_class = resolve_cell(cell)
        if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{type(self).__name__}: num_layers must be a positive int, got {num_layers!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must lie in [0, 1], got {dropout}")
        wrapper = load_plugin("bidirectional", "wrapper") if bidirectional else Unidirectional
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.batch_first, self.dropout, self.fused = batch_first, dropout, fused
        self.dtype = np.dtype(dtype)
        self.layers = ModuleList()
        layer_input = input_size
        for _ in range(num_layers):
            self.layers.append(wrapper(lambda size=layer_input: cell_class(
                size, hidden_size, bias=bias, dtype=dtype, **cell_options)))
            check_declarations(self.layers[-1].cells[0])
            layer_input = wrapper.num_directions * self.layers[-1].cells[0].output_size
        self.num_directions = wrapper.num_directions

    @property
    def cells(self) -> list[RecurrentCell]:
        """Every cell, layer-major then direction: the order of the state tensors."""
        return [cell for layer in self.layers for cell in layer.cells]

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """PyTorch's names, in PyTorch's order: ``weight_ih_l{k}``, ``weight_hh_l{k}``,
        ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and a cell's own extras), with ``_reverse`` added
        for the reverse direction. ``remove_duplicate`` as :meth:`Module.named_parameters`."""
        prefix = f"{prefix}." if prefix else ""
        pairs = ((f"{prefix}{name}_l{k}{_DIRECTION_SUFFIXES[direction]}", parameter)
                 for k, layer in enumerate(self.layers)
                 for direction, cell in enumerate(layer.cells)
                 for name, parameter in cell.named_parameters(remove_duplicate=False))
        return unique_parameters(pairs) if remove_duplicate else pairs

    def __getattr__(self, name):
        """``layer.weight_ih_l0`` and the like, as on a PyTorch recurrent layer."""
        if "_l" in name and not name.startswith("_"):
            parameters = dict(Recurrent.named_parameters(self))
            if name in parameters:
                return parameters[name]
        return super().__getattr__(name)

    # ------------------------------------------------------------ forward

    def flatten_parameters(self) -> None:
        """Does nothing, on purpose: PyTorch's call packs the weights into one block of
        GPU memory for cuDNN; here the weights are NumPy arrays on the CPU already in the
        layout the kernels read, so there is nothing to pack. Kept so that PyTorch
        programs, which call it before each forward, run unchanged."""

    def forward(self, x, state=None, lengths=None):
        if isinstance(x, PackedSequence):
            return run_packed(self, x, state, lengths)
        x, batched = self._check_input(x)
        if self.batch_first and batched:
            x = ops.swapaxes(x, 0, 1)
        if not batched:
            x = ops.unsqueeze(x, 1)
        steps, batch = x.shape[0], x.shape[1]
        states = self._check_state(state, batch, batched)
        lengths = check_lengths(type(self).__name__, lengths, steps, batch)
        if lengths is not None and np.any(lengths < steps):
            # NOTE: the steps past a sequence's end are zeroed before any cell reads them, as
            # PyTorch's packed sequences never read them: NaN or inf there would otherwise
            # reach the gradients (0 · NaN is NaN), on either path.
            x = ops.where((np.arange(steps)[:, None] < lengths)[:, :, None], x, 0.0)
        fused = self.fused if batch else False   # NOTE: the fused kernels need a sequence
        finals, D = [], self.num_directions
        for k, layer in enumerate(self.layers):
            x, layer_finals = layer(x, states[k * D:(k + 1) * D], lengths, fused)
            finals.extend(layer_finals)
            if k < self.num_layers - 1:
                x = ops.dropout(x, self.dropout, training=self.training)
        if not batched:
            x = ops.squeeze(x, 1)
        elif self.batch_first:
            x = ops.swapaxes(x, 0, 1)
        final = tuple(ops.stack([f[i] for f in finals]) for i in range(len(finals[0])))
        if not batched:
            final = tuple(ops.squeeze(f, 1) for f in final)
        return x, final[0] if len(final) == 1 else final

    def _check_input(self, x):
        name = type(self).__name__
        x = x if isinstance(x, Tensor) else ensure_tensor(x)
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of 3 dimensions (T, N, I) or 2 (T, I), got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input with {self.input_size} features (input_size) on its "
                f"last axis, got shape {x.shape}"
            )
        if x.dtype != self.dtype:
            raise TypeError(
                f"{name}: input dtype {x.dtype} differs from the parameters' {self.dtype}; "
                f"convert the input or build the layer with dtype=np.{x.dtype}"
            )
        if x.shape[1 if self.batch_first and x.ndim == 3 else 0] == 0:
            raise ValueError(f"{name}: input of shape {x.shape} is empty: it has no time steps")
        return x, x.ndim == 3

    def _check_state(self, state, batch, batched):
        name, cells = type(self).__name__, self.cells
        cell = cells[0]
        if state is None:
            return [c.initial_state(batch) for c in cells]
        parts = (state,) if isinstance(state, (Tensor, np.ndarray)) else state
        if not isinstance(parts, (tuple, list)) or not all(
                isinstance(part, (Tensor, np.ndarray)) for part in parts):
            raise TypeError(
                f"{name}: state (PyTorch's hx) must be a Tensor or a NumPy array, or a tuple of "
                f"them {cell.state_names}; got {type(state).__name__}"
            )
        if len(parts) != len(cell.state_names):
            raise ValueError(
                f"{name}: expected a state of {len(cell.state_names)} tensor(s) "
                f"{cell.state_names}, got {len(parts)}"
            )
        checked = []
        for part, state_name, size in zip(parts, cell.state_names, cell.state_sizes):
            expected = (len(cells), batch, size) if batched else (len(cells), size)
            if part.shape != expected:
                raise ValueError(f"{name}: expected state {state_name!r} of shape {expected}, got {part.shape}")
            if part.dtype != self.dtype:
                raise TypeError(f"{name}: state {state_name!r} has dtype {part.dtype}, expected {self.dtype}")
            part = ensure_tensor(part)
            checked.append(ops.unstack(part if batched else ops.unsqueeze(part, 1)))
        return [tuple(per_state[i] for per_state in checked) for i in range(len(cells))]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        cell = self.cells[0]
        options = [f"{self.input_size}, {self.hidden_size}"]
        if type(self) is Recurrent:
            options.insert(0, f"cell={type(cell).__name__}")
        if self.num_layers != 1:
            options.append(f"num_layers={self.num_layers}")
        if self.batch_first:
            options.append("batch_first=True")
        if self.dropout:
            options.append(f"dropout={self.dropout}")
        if self.num_directions == 2:
            options.append("bidirectional=True")
        return ", ".join(options)
