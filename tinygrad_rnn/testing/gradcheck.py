"""``gradcheck``: compare the gradients ``backward`` computes with finite differences.

Two Jacobians of ``fn`` are compared for every input that requires grad: the analytic one,
built row by row from ``backward`` with one-hot upstream gradients, and the numeric one,
built column by column from central differences. In fast mode both are reduced to one
number per input, the product vᵀ J u with random directions u and v.
"""

from __future__ import annotations

import numpy as np

from ..autograd import enable_grad, no_grad
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and the numeric gradient of a function disagree."""


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              fast_mode: bool = False, raise_exception: bool = True, seed: int = 0) -> bool:
    r"""Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    For every input :math:`x` that requires grad and every output :math:`y` of ``fn``, the
    numeric Jacobian is the central difference

    .. math::

        J^{num}_{ij} = \frac{y_i(x + \epsilon e_j) - y_i(x - \epsilon e_j)}{2 \epsilon},

    where :math:`e_j` is the one-hot vector of element :math:`j` of :math:`x` (error of
    order :math:`\epsilon^2`), and the analytic Jacobian :math:`J^{an}` has row :math:`i`
    equal to the ``.grad`` that ``y.backward(e_i)`` leaves in :math:`x`. An entry passes when

    .. math::

        |J^{an}_{ij} - J^{num}_{ij}| \le atol + rtol \cdot |J^{num}_{ij}|.

    With ``fast_mode`` the comparison is of one scalar per input,
    :math:`v^\top J u` for random :math:`u` (shaped like the input) and :math:`v` (shaped like
    the outputs) drawn from ``np.random.default_rng(seed)``: the analytic value is
    :math:`\langle \mathrm{grad}(v), u \rangle` after one ``backward`` with upstream
    :math:`v`, the numeric one :math:`v \cdot (y(x + \epsilon u) - y(x - \epsilon u)) / 2\epsilon`,
    with the same pass criterion. When that scalar fails, the full Jacobian of that input is
    computed to name the worst entry.

    Args:
        fn: called as ``fn(*inputs)``; returns a Tensor or a tuple of Tensors (all outputs
            are checked).
        inputs: a sequence of arguments for ``fn``. Tensors that require grad are checked and
            must be float64; every other entry is passed through unchanged as a constant.
        eps: the finite-difference step.
        atol, rtol: the absolute and relative tolerance of the pass criterion.
        fast_mode: compare :math:`v^\top J u` instead of the whole Jacobian.
        raise_exception: on failure raise :class:`GradcheckError` (else return False).
        seed: seeds the random directions of ``fast_mode``.

    Returns:
        True when every comparison passes; False on failure if ``raise_exception`` is false.

    Raises:
        GradcheckError: a gradient is wrong, or has the wrong shape or dtype. The message
            names the input (index and shape), the worst entry (input element and output
            element as multi-indices), the analytic and numeric values and the tolerance.
        TypeError: an input that requires grad is not float64, or ``fn`` returned something
            other than Tensors.
        ValueError: no input requires grad.

    The inputs are left as they were: each checked input gets a private copy of its data for
    the perturbations, and the original array and ``.grad`` are put back afterwards, even when
    ``fn`` raises.

    Example:

    >>> import numpy as np
    >>> from tinygrad_rnn import Function
    >>> from tinygrad_rnn.tensor import Tensor
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * gy
    >>> x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    >>> gradcheck(Cube.apply, [x]), gradcheck(Cube.apply, [x], fast_mode=True)
    (True, True)
    """
    inputs = tuple(inputs)
    checked = _checked_indices(inputs)
    saved = [(inputs[k].array, inputs[k].grad) for k in checked]
    try:
        for k in checked:
            inputs[k].array = np.array(inputs[k].array, copy=True)
        check = _check_fast if fast_mode else _check_full
        failure = check(fn, inputs, checked, eps, atol, rtol, seed)
    finally:
        for k, (data, grad) in zip(checked, saved):
            inputs[k].array, inputs[k].grad = data, grad
    if failure is None:
        return True
    if raise_exception:
        raise GradcheckError(failure)
    return False


# ---------------------------------------------------------------- the two checks

def _check_full(fn, inputs, checked, eps, atol, rtol, seed):
    """Compare the whole Jacobian of each checked input; the first failure's message or None."""
    outputs = _outputs_with_graph(fn, inputs)
    analytic = _analytic_jacobians(outputs, inputs, checked)
    if isinstance(analytic, str):
        return analytic
    for k in checked:
        numeric = _numeric_jacobian(fn, inputs, k, eps)
        failure = _compare_jacobians(analytic[k], numeric, inputs[k].shape, outputs, k, atol, rtol)
        if failure is not None:
            return failure
    return None


def _check_fast(fn, inputs, checked, eps, atol, rtol, seed):
    """Compare vᵀ J u for each checked input; on failure locate the worst Jacobian entry."""
    rng = np.random.default_rng(seed)
    u = {k: rng.standard_normal(inputs[k].shape) for k in checked}
    outputs = _outputs_with_graph(fn, inputs)
    v = [rng.standard_normal(y.shape) for y in outputs]
    grads = _vector_jacobian_products(outputs, v, inputs, checked)
    if isinstance(grads, str):
        return grads
    v_flat = np.concatenate([vj.reshape(-1) for vj in v])
    for k in checked:
        analytic = float(np.sum(grads[k] * u[k]))
        data = inputs[k].array
        original = data.copy()
        try:
            data[...] = original + eps * u[k]
            plus = _evaluate(fn, inputs)
            data[...] = original - eps * u[k]
            minus = _evaluate(fn, inputs)
        finally:
            data[...] = original
        numeric = float((plus - minus) @ v_flat / (2 * eps))
        error, tolerance = abs(analytic - numeric), atol + rtol * abs(numeric)
        if error <= tolerance:
            continue
        jacobians = _analytic_jacobians(outputs, inputs, [k])
        if isinstance(jacobians, str):
            return jacobians
        located = _compare_jacobians(jacobians[k], _numeric_jacobian(fn, inputs, k, eps),
                                     inputs[k].shape, outputs, k, atol, rtol)
        return (
            f"gradcheck (fast mode): input {k} (shape {inputs[k].shape}) has a wrong gradient: "
            f"v^T J u is analytic {analytic:.10g} but numeric {numeric:.10g}; "
            f"|analytic - numeric| = {error:.3g} exceeds the tolerance {tolerance:.3g} "
            f"(atol={atol} + rtol={rtol} * |numeric|, seed={seed}).\n"
            + (located or "The full Jacobian check finds no single entry over the tolerance.")
        )
    return None


# ---------------------------------------------------------------- Jacobians

def _analytic_jacobians(outputs, inputs, checked):
    """{k: array of shape (total output size, input k size)} from one-hot backward calls."""
    sizes = [y.numel() for y in outputs]
    jacobians = {k: np.zeros((sum(sizes), inputs[k].numel())) for k in checked}
    row = 0
    for y in outputs:
        for e in range(y.numel()):
            if y.requires_grad:   # an output cut from the graph has a zero Jacobian
                one_hot = np.zeros(y.shape, y.dtype)
                one_hot.reshape(-1)[e] = 1
                grads = _vector_jacobian_products([y], [one_hot], inputs, checked)
                if isinstance(grads, str):
                    return grads
                for k in checked:
                    jacobians[k][row] = grads[k].reshape(-1)
            row += 1
    return jacobians


def _vector_jacobian_products(outputs, upstream, inputs, checked):
    """{k: gradient of input k} after backward from every output with its upstream gradient.

    Each input's ``.grad`` is cleared first (the caller restores it afterwards). Returns a
    message instead when a gradient has the wrong shape or dtype.
    """
    for k in checked:
        inputs[k].grad = None
    for y, gy in zip(outputs, upstream):
        if y.requires_grad:
            y.backward(gy, retain_graph=True)
    grads = {}
    for k in checked:
        x, gx = inputs[k], inputs[k].grad
        gx = gx.array if gx is not None else None
        if gx is None:   # the input did not reach any output
            gx = np.zeros(x.shape, x.dtype)
        if not isinstance(gx, np.ndarray) or gx.shape != x.shape or gx.dtype != x.dtype:
            return (
                f"gradcheck: input {k} (shape {x.shape}) got an analytic gradient of "
                f"{type(gx).__name__} shape {np.shape(gx)} dtype {getattr(gx, 'dtype', None)}, "
                f"expected shape {x.shape} dtype {x.dtype}"
            )
        grads[k] = gx.copy()
    return grads


def _numeric_jacobian(fn, inputs, k, eps):
    """Array of shape (total output size, input k size) from central differences."""
    data = inputs[k].array
    if data.size == 0:
        return np.zeros((_evaluate(fn, inputs).size, 0))
    columns = []
    for index in np.ndindex(data.shape):
        original = data[index]
        try:
            data[index] = original + eps
            plus = _evaluate(fn, inputs)
            data[index] = original - eps
            minus = _evaluate(fn, inputs)
        finally:
            data[index] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)


def _compare_jacobians(analytic, numeric, input_shape, outputs, k, atol, rtol):
    """The message for the worst failing entry of input ``k``'s Jacobian, or None."""
    if analytic.size == 0:
        return None
    error = np.abs(analytic - numeric)
    tolerance = atol + rtol * np.abs(numeric)
    # NOTE: a NaN fails ``error <= tolerance``, and counts as the worst entry.
    failing = ~(error <= tolerance)
    if not failing.any():
        return None
    excess = np.where(failing, np.nan_to_num(error - tolerance, nan=np.inf), -np.inf)
    row, column = np.unravel_index(np.argmax(excess), excess.shape)
    j, out_index = _output_position(outputs, row)
    in_index = _multi_index(column, input_shape)
    return (
        f"gradcheck: input {k} (shape {input_shape}) has a wrong gradient: "
        f"d output {j}{out_index} / d input {k}{in_index} is analytic "
        f"{analytic[row, column]:.10g} but numeric {numeric[row, column]:.10g}; "
        f"|analytic - numeric| = {error[row, column]:.3g} exceeds the tolerance "
        f"{tolerance[row, column]:.3g} (atol={atol} + rtol={rtol} * |numeric|); "
        f"{int(failing.sum())} of {failing.size} entries of this Jacobian fail"
    )


# ---------------------------------------------------------------- helpers

def _checked_indices(inputs) -> list[int]:
    """Indices of the inputs that require grad, after checking they are float64."""
    checked = [k for k, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck: no input is a Tensor with requires_grad=True; nothing to check"
        )
    for k in checked:
        if inputs[k].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {k} is {inputs[k].dtype}; finite differences need float64 — "
                f"pass Tensor(x, dtype=np.float64, requires_grad=True)"
            )
    return checked


def _outputs(result) -> tuple:
    """``fn``'s result as a tuple of Tensors."""
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    for j, y in enumerate(outputs):
        if not isinstance(y, Tensor):
            raise TypeError(
                f"gradcheck: fn returned {type(y).__name__} as output {j}; expected Tensors"
            )
    return outputs


def _outputs_with_graph(fn, inputs) -> tuple:
    with enable_grad():   # a caller inside no_grad() still gets a graph to differentiate
        return _outputs(fn(*inputs))


def _evaluate(fn, inputs) -> np.ndarray:
    """All outputs of ``fn``, flattened and concatenated into a fresh float64 vector."""
    with no_grad():
        outputs = _outputs(fn(*inputs))
    # NOTE: copy, since an output may alias an input's data that is perturbed next.
    return np.concatenate([np.array(y.array, np.float64).reshape(-1) for y in outputs])


def _output_position(outputs, row: int):
    """(output number, multi-index in that output) of a row of the stacked Jacobian."""
    for j, y in enumerate(outputs):
        if row < y.numel():
            return j, _multi_index(row, y.shape)
        row -= y.numel()
    raise IndexError(row)


def _multi_index(flat: int, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape))
