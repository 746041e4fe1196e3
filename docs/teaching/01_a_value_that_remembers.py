r"""
01. A value that remembers how it was made
==========================================

Automatic differentiation starts with one idea: a number that remembers which numbers it
was computed from, and how. You will write that number yourself, as a class of a dozen
lines, and grow it over the first three steps into a working autograd engine; step 3 then
opens the library's engine and finds the same algorithm, over arrays.

A ``Value`` holds its number, ``data``, the values it was computed from, ``inputs``, and,
for each input, the *local derivative* of the result with respect to it. For
:math:`y = a + b` both local derivatives are 1; for :math:`y = a b` they are
:math:`\partial y / \partial a = b` and :math:`\partial y / \partial b = a`; for
:math:`y = \tanh(a)` it is :math:`1 - y^2`.
"""

import math


from tinygrad_rnn.viz import draw


class Value:
    """A number, the values it was computed from, and the local derivatives."""

    def __init__(self, data, inputs=(), local_grads=(), op=""):
        self.data, self.inputs, self.local_grads, self.op = data, inputs, local_grads, op
        self.grad = 0.0                      # dL/d(this value), filled in by a backward pass

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "×")

    __radd__, __rmul__ = __add__, __mul__    # 2 * x works as x * 2

    def tanh(self):
        y = math.tanh(self.data)
        return Value(y, (self,), (1 - y * y,), "tanh")


# %%
# A neuron, :math:`y = \tanh(w x + b)`, built from these values. Each operation leaves a
# node; the picture is the graph the values recorded (leaves in blue, on the left).

x, w, b = Value(0.5), Value(-1.5), Value(0.25)
a = w * x + b
y = a.tanh()
print(f"y = {y.data:.6f}, made by {y.op!r} from a = {a.data}")
assert math.isclose(y.data, math.tanh(-1.5 * 0.5 + 0.25))


def label(v):
    return f"{v.op or 'leaf'}\n{v.data:.3g}"


ax = draw(y, inputs=lambda v: v.inputs, label=label)
ax.set_title("the graph of y = tanh(w·x + b)")

# %%
# The chain rule by hand
# ----------------------
#
# The derivative of :math:`y` with respect to a leaf is the product of the local
# derivatives along the path from :math:`y` back to it:
# :math:`dy/dw = (dy/da)(da/d(wx))(d(wx)/dw) = (1 - y^2) \cdot 1 \cdot x`. Every factor
# is stored in the graph, so you can follow the path by hand:

wx = a.inputs[0]                          # the node w·x
dy_da = y.local_grads[0]                  # tanh: 1 - y²
da_dwx, da_db = a.local_grads             # +: 1 and 1
dwx_dw, dwx_dx = wx.local_grads           # ×: x and w
dy_dw = dy_da * da_dwx * dwx_dw
print(f"dy/dw = {dy_dw:.6f} by following the path; by the formula (1 - y²)·x = "
      f"{(1 - y.data**2) * x.data:.6f}")
assert math.isclose(dy_dw, (1 - y.data**2) * x.data)

# %%
# Exercise
# --------
#
# Give ``Value`` subtraction without a new local derivative: :math:`a - b = a + (-1)
# \cdot b`, built from the two operations you have. Then check that
# :math:`d(a - b)/db = -1` by following the path as above.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

Value.__sub__ = lambda self, other: self + (-1.0) * other
d = x - w
minus_w = d.inputs[1]                                # the node (-1)·w
dd_dw = d.local_grads[1] * minus_w.local_grads[0]    # through (-1)·w, whose input 0 is w
print("x - w =", d.data, " d(x - w)/dw =", dd_dw)
assert minus_w.inputs[0] is w and d.data == 0.5 - (-1.5) and dd_dw == -1.0

# %%
# .. raw:: html
#
#    </details>
#
# Following paths by hand does not scale: a value used twice has two paths, and a network
# has millions. Step 2 automates it.
