"""Every per-op scalar rule equals its Function's own ``forward`` and ``backward``, element
by element, values and gradients, in float64 and float32, special values included: the
generated loops are pasted from these rules, so the generator and the engine cannot drift
apart. A new elementwise op with a ``scalar`` rule is picked up here with no new test."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn import ops
from tinygrad_rnn.compiler import rules
from tinygrad_rnn.function import Context, Function
from tinygrad_rnn.ops import elementwise

RULED = sorted((cls for module in (ops.elementwise, ops.linalg, ops.shape, ops.reduce, ops.nn)
                for _, cls in inspect.getmembers(module, inspect.isclass)
                if issubclass(cls, Function) and rules.rule_for(cls) is not None),
               key=lambda cls: cls.__name__)
OPTIONS = {elementwise.Cast: lambda dtype: {"dtype": dtype}}
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.nan, np.inf, -np.inf, 30.0, -30.0]


def test_the_compiler_knows_the_elementwise_primitives():
    names = {cls.__name__ for cls in RULED}
    assert {"Add", "Mul", "Neg", "Pow", "Exp", "Log", "Abs", "Tanh", "Sigmoid", "Relu",
            "Maximum", "Cast"} <= names


def elements(dtype):
    finite = st.floats(-20, 20, width=32 if dtype == np.float32 else 64)
    return st.one_of(finite, st.sampled_from(SPECIAL))


def engine(function, arrays, gy):
    """``function``'s own forward and backward on ``arrays`` (one gradient per input)."""
    ctx = Context((True,) * len(arrays))
    y = np.asarray(function.forward(ctx, *arrays, **OPTIONS.get(function, lambda d: {})(
        arrays[0].dtype)))
    grads = function.backward(ctx, gy)
    return y, grads if isinstance(grads, tuple) else (grads,)


def by_rule(rule, arrays, y, gy):
    """The rule, evaluated one element at a time as the generated loop does."""
    names = rule.inputs
    ys, grads = [], [[] for _ in names]
    for k in range(y.size):
        values = {name: a.reshape(-1)[k] for name, a in zip(names, arrays)}
        ys.append(rules.evaluate(rule.y, **values))
        scope = dict(values, y=y.reshape(-1)[k], gy=gy.reshape(-1)[k])
        for g, expression in zip(grads, rule.grads):
            g.append(rules.evaluate(expression, **scope))
    dtype = arrays[0].dtype
    return (np.array(ys, dtype).reshape(y.shape),
            [np.array(g, dtype).reshape(y.shape) for g in grads])


@pytest.mark.parametrize("function", RULED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_rule_equals_the_functions_forward_and_backward(function, dtype, data):
    rule = rules.rule_for(function)
    shape = data.draw(hnp.array_shapes(max_dims=2, max_side=4))
    arrays = [data.draw(hnp.arrays(dtype, shape, elements=elements(dtype))) for _ in rule.inputs]
    if function is elementwise.Pow:   # NOTE: exponents that do not overflow
        arrays[1] = np.clip(arrays[1], -3, 3)
    gy = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-3, 3, width=32)))
    tolerance = 1e-6 if dtype == np.float32 else 1e-13   # float32: exp, log, pow of libm
    with np.errstate(all="ignore"):
        y, grads = engine(function, arrays, gy)
        y_rule, grads_rule = by_rule(rule, arrays, y, gy)
        np.testing.assert_allclose(y_rule, y, rtol=tolerance, atol=0, equal_nan=True)
        for g_rule, g in zip(grads_rule, grads):
            np.testing.assert_allclose(g_rule, g, rtol=tolerance, atol=tolerance,
                                       equal_nan=True)


def test_render_substitutes_names_with_parentheses():
    assert rules.render("gy * b", {"gy": "g3", "b": "v1 + v2"}) == "g3 * (v1 + v2)"
    assert rules.render("tanh(x)", {"x": "f0[t, n, 4 + j]"}) == "tanh(f0[t, n, 4 + j])"
