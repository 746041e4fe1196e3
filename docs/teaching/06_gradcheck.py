r"""
06. Checking a gradient: finite differences
===========================================

A derived backward can be wrong in ways no test of the forward notices. The central
difference :math:`(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon` approximates the
derivative with an error of order :math:`\varepsilon^2`, independently of any derivation.
:func:`tinygrad_rnn.testing.gradcheck` compares the two for every element, in float64.
"""

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
# (At :math:`x = \pi/2` the slip gives the right answer, since :math:`\cos(\pi/2) = 0`: a
# check at one lucky point proves little, which is why the project's tests draw their inputs
# with Hypothesis.)
