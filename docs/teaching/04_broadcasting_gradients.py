r"""
04. Broadcasting and its gradient
=================================

Adding a bias of shape ``(H,)`` to a batch of shape ``(N, H)`` copies the bias to every
row. A value used several times receives the sum of its uses' gradients (step 2), so the
bias's gradient is the batch gradient summed over the rows: in general, summed over every
axis along which the input was repeated. The engine does this in one place, for every
operation that broadcasts.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

rng = np.random.default_rng(0)
x = tg.Tensor(rng.standard_normal((5, 3)), requires_grad=True)        # (N, H)
bias = tg.Tensor(rng.standard_normal(3), requires_grad=True)           # (H,)
column = tg.Tensor(rng.standard_normal((5, 1)), requires_grad=True)    # (N, 1)
upstream = rng.standard_normal((5, 3))                                 # dL/d(output)

out = x + bias + column
(out * tg.Tensor(upstream)).sum().backward()

print("bias grad  ", bias.grad.numpy())
print("column grad", column.grad.numpy().ravel())
assert np.allclose(x.grad.numpy(), upstream)                           # no copy: passed on
assert np.allclose(bias.grad.numpy(), upstream.sum(axis=0))            # the new leading axis
assert np.allclose(column.grad.numpy(), upstream.sum(axis=1, keepdims=True))  # its size-1 axis

# %%
# The picture: the upstream gradient, and what each input receives. The bias's three
# numbers are the column sums, the column's five numbers the row sums.
fig, panels = plt.subplots(1, 3, figsize=(8, 2.8), width_ratios=[3, 3, 1],
                           layout="constrained")
shown = [("dL/d(out), (5, 3)", upstream), ("bias grad, (3,)", bias.grad.numpy()[None]),
         ("column grad, (5, 1)", column.grad.numpy())]
for ax, (title, values) in zip(panels, shown):
    ax.imshow(values, cmap="coolwarm", vmin=-4, vmax=4)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([]), ax.set_yticks([])

# %%
# Exercise
# --------
#
# A tensor of shape ``(1, 3)`` added to one of shape ``(4, 5, 3)`` is repeated along two
# axes. Predict its gradient for the loss ``out.sum()`` and check it.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

small = tg.Tensor(np.zeros((1, 3)), requires_grad=True)
(tg.Tensor(np.ones((4, 5, 3))) + small).sum().backward()
print(small.grad.numpy())                        # each element was used 4 · 5 = 20 times
assert np.array_equal(small.grad.numpy(), np.full((1, 3), 20.0))

# %%
# .. raw:: html
#
#    </details>
