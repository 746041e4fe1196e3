"""``Optimizer``: parameter groups, per-parameter state, ``step`` and saving/resuming.

A subclass writes only ``_update(param, grad, group, state)``: the rule for one parameter.
The base class walks the groups, skips parameters without a gradient, and keeps the
per-parameter state that the rule reads and writes (momentum buffers, running averages).
"""

from __future__ import annotations

import copy
import inspect
import numbers

import numpy as np

from ..tensor import Tensor


def check_hyperparameter(optimizer: str, name: str, value, low=0.0, high=None, high_open=False):
    """Raise ``ValueError`` unless ``low <= value`` (and ``value < high`` or ``<= high``)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or np.isnan(value):
        raise ValueError(f"{optimizer}: {name} must be a real number, got {value!r}")
    too_high = high is not None and (value >= high if high_open else value > high)
    if value < low or too_high:
        bound = "" if high is None else f" and {'<' if high_open else '<='} {high}"
        raise ValueError(f"{optimizer}: {name} must be >= {low}{bound}, got {value}")


class Optimizer:
    """Base class: updates the ``.data`` of parameters in place from their ``.grad``.

    Args:
        params: an iterable of tensors, or of dicts (parameter groups), each
            ``{"params": [tensors], **options}``; a group's options override ``defaults``.
        defaults: the options (``lr`` and the like) of groups that do not set them.

    Attributes:
        param_groups: a list of dicts, each with ``"params"`` (a list of tensors) and every
            option. A learning-rate schedule changes ``group["lr"]``.
        state: per-parameter dicts of NumPy arrays and numbers, keyed by the tensor.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict[Tensor, dict] = {}  # Tensor hashes by identity
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of tensors or dicts, got a "
                "single Tensor; wrap it in a list"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own options (missing ones from ``defaults``)."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' key")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: parameters must be Tensors, got {type(param).__name__}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError(f"{name}: a parameter appears more than once")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{name}: unknown options {sorted(unknown)}; "
                             f"known: {sorted(self.defaults)}")
        group = {**self.defaults, **group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Validate a group's hyperparameters (subclasses raise ``ValueError``)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (the next ``backward`` starts afresh), or
        with ``set_to_none=False`` fill the existing gradients with zeros (as PyTorch)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad.zero_()

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param, param.grad.array, group,
                                 self.state.setdefault(param, {}))

    def _update(self, param: Tensor, grad: np.ndarray, group: dict, state: dict) -> None:
        """Change ``param.array`` in place; ``grad`` must not be modified."""
        raise NotImplementedError

    # ------------------------------------------------------------ saving and resuming

    def _indexed_params(self):
        """(index, param) pairs, numbered across groups in order."""
        params = [p for group in self.param_groups for p in group["params"]]
        return list(enumerate(params))

    def state_dict(self) -> dict:
        """A copy of the state and options; parameters are named by their index.

        ``{"state": {index: {name: array or number}}, "param_groups": [{**options,
        "params": [indices]}]}``, indices counted across the groups in order.
        """
        index_of = {id(p): i for i, p in self._indexed_params()}
        state = {index_of[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        groups, start = [], 0
        for group in self.param_groups:
            options = copy.deepcopy({k: v for k, v in group.items() if k != "params"})
            groups.append({**options, "params": list(range(start, start + len(group["params"])))})
            start += len(group["params"])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore state and options saved by ``state_dict`` (for the same parameters, by an
        optimizer of the same kind: a state whose options are another class's is refused)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             "'param_groups', as state_dict() returns")
        groups = state_dict["param_groups"]
        self._check_same_kind(groups)
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has {len(groups)} "
                             f"parameter groups, this optimizer has {len(self.param_groups)}")
        for k, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {k} has {len(saved['params'])} parameters "
                    f"in the saved state, {len(group['params'])} here"
                )
        params = self._indexed_params()
        saved_index = [i for saved in groups for i in saved["params"]]
        param_of = {i: params[j][1] for j, i in enumerate(saved_index)}
        state = {}
        for i, values in state_dict["state"].items():
            if i not in param_of:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {i}")
            state[param_of[i]] = self._restored_state(param_of[i], i, values)
        for saved, group in zip(groups, self.param_groups):
            options = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            self._check_group({**group, **options})
            group.update(options)
        self.state = state

    def _restored_state(self, param: Tensor, index: int, values: dict) -> dict:
        """A copy of one parameter's saved state, its arrays in the parameter's dtype, after
        checking that each array has the parameter's shape."""
        for key, value in values.items():
            if isinstance(value, np.ndarray) and value.shape != param.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state {key!r} of parameter "
                    f"{index} has shape {value.shape}, the parameter has shape {param.shape}"
                )
        return {k: (v.astype(param.dtype) if isinstance(v, np.ndarray) else v)
                for k, v in copy.deepcopy(values).items()}

    def _check_same_kind(self, groups) -> None:
        """Raise ValueError, naming both classes, unless every saved group has exactly this
        optimizer's options: another class's state (SGD's in Adam) would fail only later."""
        own = set(self.defaults)
        for saved in groups:
            options = set(saved) - {"params"} if isinstance(saved, dict) else set()
            if options != own:
                name = type(self).__name__
                saved_by = " or ".join(_classes_taking(options)) or "another optimizer"
                raise ValueError(
                    f"{name}.load_state_dict: the state was saved by {saved_by}, not {name}: "
                    f"its options are {sorted(options)}, {name}'s are {sorted(own)}"
                )

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for k, group in enumerate(self.param_groups):
            options = ", ".join(f"{o}={v}" for o, v in group.items() if o != "params")
            lines.append(f"  group {k}: {len(group['params'])} params, {options}")
        return "\n".join(lines + [")"])


def _classes_taking(options: set) -> list[str]:
    """The names of the optimizer classes whose constructor takes exactly ``options`` (besides
    ``params``): the classes a saved state with these options can have come from."""
    found, pending = [], list(Optimizer.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending.extend(cls.__subclasses__())
        taken = set(inspect.signature(cls.__init__).parameters) - {"self", "params"}
        if taken == options:
            found.append(cls.__name__)
    return found
