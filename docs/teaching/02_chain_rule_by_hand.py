r"""
02. The chain rule by hand
==========================

A neuron computes :math:`y = \tanh(w x + b)`. Name the intermediate :math:`a = w x + b`.
The chain rule multiplies the local derivatives along the path from :math:`w` to
:math:`y`:

.. math::

   \frac{dy}{dw} = \frac{dy}{da} \frac{da}{dw} = (1 - y^2)\, x, \qquad
   \frac{dy}{db} = (1 - y^2), \qquad \frac{dy}{dx} = (1 - y^2)\, w .

Compute these by hand, then let ``backward`` do it.
"""

import numpy as np

import tinygrad_rnn as tg

grad_of = lambda t: t.grad if isinstance(t.grad, np.ndarray) else t.grad.numpy()  # noqa: E731

x_value, w_value, b_value = 0.5, -1.5, 0.25
y_value = np.tanh(w_value * x_value + b_value)
by_hand = {"w": (1 - y_value**2) * x_value, "b": 1 - y_value**2, "x": (1 - y_value**2) * w_value}

x, w, b = (tg.Tensor(np.float64(v), requires_grad=True) for v in (x_value, w_value, b_value))
y = tg.tanh(w * x + b)
y.backward()
by_backward = {"w": float(grad_of(w)), "b": float(grad_of(b)), "x": float(grad_of(x))}
for name in by_hand:
    print(f"dy/d{name}: by hand {by_hand[name]:+.6f}, by backward {by_backward[name]:+.6f}")
    assert np.isclose(by_hand[name], by_backward[name], rtol=1e-12)

# %%
# A variable used twice receives the sum of both paths' contributions. For
# :math:`z = x \cdot x + x`, :math:`dz/dx = x + x + 1`:
x = tg.Tensor(np.float64(3.0), requires_grad=True)
z = x * x + x
z.backward()
print("dz/dx =", float(grad_of(x)))
assert float(grad_of(x)) == 7.0
