"""``op_property_test``: an op's whole test as one declaration (op, NumPy reference, bounds).

Import this module only where Hypothesis is installed (as :mod:`.strategies`).
"""

from __future__ import annotations

import inspect

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ..tensor import Tensor
from . import strategies as tst
from .gradcheck import gradcheck

F32_TOLERANCE = 1e-4   # rtol and atol of the float32 forward against the float64 reference


def op_property_test(op, reference, *, arity: int = 1, shapes="broadcast", inputs=None,
                     min_value=-5.0, max_value=5.0, away_from=None, margin: float = 1e-3,
                     kwargs=None, min_dims: int = 0, max_dims: int = 3, max_side: int = 4,
                     atol: float = 1e-10, rtol: float = 1e-7, grad_atol: float = 1e-5,
                     grad_rtol: float = 1e-3, fast_mode: bool = False):
    r"""A Hypothesis test of ``op`` against ``reference``, for pytest to collect.

    Each example draws shapes, float64 arrays :math:`x_1, \dots, x_n` (``n = arity``),
    keyword arguments :math:`\theta` and, after the forward, upstream gradients
    :math:`g_j` shaped like the outputs :math:`y_j = \mathrm{op}(x; \theta)_j`, then checks:

    1. **forward**: ``y_j.shape == r_j.shape`` and
       :math:`|y_j - r_j| \le atol + rtol\,|r_j|`, where :math:`r = \mathrm{reference}(x; \theta)`;
    2. **backward**: ``gradcheck`` passes: every entry of the Jacobian built by ``backward``
       is within :math:`grad\_atol + grad\_rtol\,|J^{num}|` of central differences;
    3. **no mutation**: after the forward and :math:`\sum_j` ``y_j.backward(g_j)`` the
       inputs' ``.data``, the :math:`g_j` and every array in :math:`\theta` are unchanged;
    4. **graph freed**: calling ``backward`` on the last output again raises a RuntimeError
       that mentions ``retain_graph``;
    5. **no aliasing**: no ``x_k.grad`` shares memory with a :math:`g_j`, with any input's
       ``.data``, or with another input's ``.grad``;
    6. **float32**: with the inputs (and float arrays in :math:`\theta`) cast to float32,
       every output and gradient is float32 and the outputs are within
       ``F32_TOLERANCE`` (relative and absolute) of :math:`r`.

    Args:
        op: called as ``op(*tensors, **kw)``; returns a Tensor or a tuple of Tensors.
        reference: called as ``reference(*arrays, **kw)`` on float64 copies; returns an
            array or a tuple of arrays, one per output of ``op``.
        arity: the number of differentiable inputs.
        shapes: ``"broadcast"`` (shapes that broadcast together, with size-1 sides and
            differing lengths), ``"same"`` (one shape for all), or a strategy of tuples of
            ``arity`` shapes (e.g. ``strategies.matmul_shapes()``).
        inputs: None, or ``inputs(shapes)`` returning a strategy of tuples of float64
            arrays of those shapes, replacing the bounds below (e.g. distinct values).
        min_value, max_value: bounds on the elements, one number or one per input.
        away_from, margin: points that every element stays ``margin`` away from (kinks,
            poles: ``away_from=[0.0]`` for ``abs`` and ``relu``).
        kwargs: keyword arguments: a dict (values that are strategies are drawn), a
            strategy of dicts, or ``kwargs(shapes)`` returning either (axes, indices).
        min_dims, max_dims, max_side: limits of the drawn shapes (``"broadcast"``/``"same"``).
        atol, rtol: tolerance of the float64 forward against ``reference``.
        grad_atol, grad_rtol, fast_mode: passed to ``gradcheck``.

    Example (a module-level name starting with ``test_`` is all pytest needs):

    >>> import numpy as np
    >>> from tinygrad_rnn.testing.ops import op_property_test
    >>> test_mul = op_property_test(lambda a, b: a * b, np.multiply, arity=2)
    >>> test_log = op_property_test(lambda x: x.log(), np.log, min_value=0.1)
    >>> test_log()   # runs the Hypothesis examples; raises on the first failure
    """
    shape_strategy = _shape_strategy(shapes, arity, min_dims, max_dims, max_side)
    lows, highs = np.broadcast_to(min_value, arity), np.broadcast_to(max_value, arity)

    def test(data):
        drawn = tuple(tuple(s) for s in data.draw(shape_strategy, label="shapes"))
        if inputs is not None:
            arrays = data.draw(inputs(drawn), label="inputs")
        else:
            arrays = tuple(data.draw(tst.floats_arrays(s, np.float64, lo, hi, away_from=away_from,
                                                       margin=margin), label=f"x{k}")
                           for k, (s, lo, hi) in enumerate(zip(drawn, lows, highs)))
        kw = data.draw(_kwargs_strategy(kwargs, drawn), label="kwargs")
        kw_copies = {k: v.copy() for k, v in kw.items() if isinstance(v, np.ndarray)}

        # 1. forward against the reference
        xs = [Tensor(a, requires_grad=True) for a in arrays]
        ys = _as_tuple(op(*xs, **kw))
        expected = _as_tuple(reference(*(a.copy() for a in arrays), **kw))
        assert len(ys) == len(expected), f"op gave {len(ys)} outputs, reference {len(expected)}"
        for y, r in zip(ys, expected):
            assert y.shape == np.shape(r), f"output shape {y.shape}, reference {np.shape(r)}"
            np.testing.assert_allclose(y.array, r, rtol=rtol, atol=atol)

        # 3. one backward, then nothing that went in has changed
        gys = [data.draw(tst.floats_arrays(y.shape, np.float64, -2, 2), label="gy") for y in ys]
        gy_copies = [g.copy() for g in gys]
        for j, (y, gy) in enumerate(zip(ys, gys)):
            y.backward(gy, retain_graph=j < len(ys) - 1)
        for x, a in zip(xs, arrays):
            np.testing.assert_array_equal(x.array, a, err_msg="an input's .data was mutated")
        for gy, copy in zip(gys, gy_copies):
            np.testing.assert_array_equal(gy, copy, err_msg="the upstream gradient was mutated")
        for k, copy in kw_copies.items():
            np.testing.assert_array_equal(kw[k], copy, err_msg=f"keyword array {k} was mutated")

        # 4. the graph is freed: a second backward must ask for retain_graph
        try:
            ys[-1].backward(gys[-1])
        except RuntimeError as error:
            assert "retain_graph" in str(error), f"unexpected message: {error}"
        else:
            raise AssertionError("a second backward through a freed graph did not raise")

        # 5. gradients are fresh arrays
        grads = [x.grad.array for x in xs if x.grad is not None]
        for k, g in enumerate(grads):
            others = gys + [x.array for x in xs] + grads[:k] + grads[k + 1:]
            assert not any(np.shares_memory(g, o) for o in others), f"gradient {k} aliases"

        # 2. backward against finite differences
        gradcheck(lambda *ts: op(*ts, **kw), [Tensor(a, requires_grad=True) for a in arrays],
                  atol=grad_atol, rtol=grad_rtol, fast_mode=fast_mode)

        # 6. float32 in, float32 out
        xs32 = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        kw32 = {k: v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype == np.float64
                else v for k, v in kw.items()}
        ys32 = _as_tuple(op(*xs32, **kw32))
        for y, r, gy in zip(ys32, expected, gys):
            assert y.dtype == np.float32, f"float32 inputs gave a {y.dtype} output"
            np.testing.assert_allclose(y.array, r, rtol=F32_TOLERANCE, atol=F32_TOLERANCE)
            y.backward(gy.astype(np.float32), retain_graph=True)
        assert all(x.grad is None or x.grad.dtype == np.float32 for x in xs32)

    # NOTE: Hypothesis seeds (derandomize) and keys its database by the test's source, which
    # is this same function for every declaration; add the declaration's own source.
    test._hypothesis_internal_add_digest = (_source(op) + _source(reference)).encode()
    return settings(deadline=None)(given(data=st.data())(test))


def _shape_strategy(shapes, arity, min_dims, max_dims, max_side):
    if shapes == "broadcast":
        return tst.broadcastable_shapes(arity, min_dims=min_dims, max_dims=max_dims,
                                        max_side=max_side)
    if shapes == "same":
        return tst.shapes(min_dims, max_dims, 1, max_side).map(lambda s: (s,) * arity)
    return shapes


def _kwargs_strategy(kwargs, shapes):
    if callable(kwargs):
        kwargs = kwargs(shapes)
    if kwargs is None:
        return st.just({})
    if isinstance(kwargs, dict):
        return st.fixed_dictionaries({k: v if isinstance(v, st.SearchStrategy) else st.just(v)
                                      for k, v in kwargs.items()})
    return kwargs


def _as_tuple(result) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _source(function) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return getattr(function, "__qualname__", repr(function))
