r"""
06. Checking a gradient: finite differences
===========================================

A derived backward can be wrong in ways no test of the forward notices. The central
difference :math:`(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon` approximates the
derivative with an error of order :math:`\varepsilon^2`, independently of any derivation
(step 2 used it on scalars). :func:`tinygrad_rnn.testing.gradcheck` compares the two for
every element, in float64.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.testing import GradcheckError, gradcheck


class Sin(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * np.cos(x)


class WrongSin(Sin):
    """The same forward, and a backward with a classic slip of sign: d sin/dx = -cos."""

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return -gy * np.cos(x)


x = tg.Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
print("correct backward passes:", gradcheck(lambda x: Sin.apply(x), [x]))

# %%
# The wrong one is caught, with the worst element named:
try:
    gradcheck(lambda x: WrongSin.apply(x), [x])
    raise AssertionError("gradcheck accepted a wrong backward")
except GradcheckError as error:
    print(str(error).splitlines()[0])

# %%
# How small should :math:`\varepsilon` be? The error of the central difference for
# :math:`\sin'(1)`: it falls as :math:`\varepsilon^2` until the rounding of float64
# (about :math:`10^{-16}` relative) divided by :math:`\varepsilon` takes over.
eps = np.logspace(-12, -1, 45)
error = abs((np.sin(1 + eps) - np.sin(1 - eps)) / (2 * eps) - np.cos(1))
fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
ax.loglog(eps, error, label="central difference")
ax.loglog(eps, eps**2 * np.cos(1) / 6, "--", label="truncation, ε² |f‴| / 6")
ax.loglog(eps, 1.1e-16 / eps, ":", label="rounding, ~10⁻¹⁶ / ε")
ax.set(xlabel="ε", ylabel="error of the derivative", ylim=(1e-18, 1))
ax.legend(fontsize=8)
best = eps[np.argmin(error)]
print(f"smallest error {error.min():.1e} at ε = {best:.0e}")
assert 1e-7 < best < 1e-3

# %%
# (At :math:`x = \pi/2` the slip gives the right answer, since :math:`\cos(\pi/2) = 0`: a
# check at one lucky point proves little, which is why the project's tests draw their inputs
# with Hypothesis.)
#
# Exercise
# --------
#
# ``Softplus`` of step 5 with its backward divided by two is wrong everywhere. Show that
# ``gradcheck`` raises on it.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>


class HalfSoftplus(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return 0.5 * gy / (1.0 + np.exp(-x))


try:
    gradcheck(lambda x: HalfSoftplus.apply(x), [x])
    caught = False
except GradcheckError:
    caught = True
print("gradcheck raised:", caught)
assert caught

# %%
# .. raw:: html
#
#    </details>
