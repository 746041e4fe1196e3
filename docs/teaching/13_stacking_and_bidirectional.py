r"""
13. Stacking and both directions
================================

A stacked RNN feeds each layer's outputs to the next, each layer with its own weights; a
bidirectional one runs a second cell from the end of the sequence back to its start and
puts the two outputs side by side, so step :math:`t` sees the past and the future (lecture
note 4, on stacked and bidirectional RNNs). Build a two-layer bidirectional GRU out of four
one-layer, one-direction GRUs and compare with ``nn.GRU(num_layers=2, bidirectional=True)``.
"""

import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg

T, N, I, H = 5, 2, 3, 4
rng = np.random.default_rng(4)
x = rng.standard_normal((T, N, I))

_ = tg.manual_seed(0)
deep = tg.nn.GRU(I, H, num_layers=2, bidirectional=True, dtype=np.float64)
weights = deep.state_dict()


def one_direction(inputs, layer, suffix):
    """A one-layer GRU holding the weights ``*_l{layer}{suffix}`` of ``deep``, run forward."""
    gru = tg.nn.GRU(inputs.shape[-1], H, dtype=np.float64)
    gru.load_state_dict({name: weights[name[:-3] + f"_l{layer}{suffix}"]
                         for name in gru.state_dict()})
    return gru(tg.Tensor(np.ascontiguousarray(inputs)))[0].numpy()


layer_input = x
for layer in range(2):
    ahead = one_direction(layer_input, layer, "")
    back = one_direction(layer_input[::-1], layer, "_reverse")[::-1]   # reverse, run, reverse back
    layer_input = np.concatenate([ahead, back], axis=-1)               # y_t = [→h_t ; ←h_t]

output, h_n = deep(tg.Tensor(x))
print("output", output.shape, " h_n", h_n.shape, " largest difference",
      float(abs(output.numpy() - layer_input).max()))
assert np.allclose(output.numpy(), layer_input, rtol=1e-12, atol=1e-14)

# %%
# ``h_n`` stacks every layer's and direction's final state, layer-major: index 3 is layer
# 1's reverse direction, whose final state is its output at the *first* step.
assert np.allclose(h_n.numpy()[3], layer_input[0, :, H:])

# %%
# What step :math:`t` of the output depends on: the gradient of one output feature at step
# 3 with respect to every input step, for the bidirectional layer and for a one-direction
# one. The left-to-right output at step 3 depends on steps 1 to 3 only; the bidirectional
# one on every step, future included.
x_leaf = tg.Tensor(x, requires_grad=True)
deep(x_leaf)[0][2, 0, 0].backward()
influence = {"bidirectional": np.abs(x_leaf.grad.numpy()[:, 0]).sum(axis=1)}
ahead_only = tg.nn.GRU(I, H, num_layers=2, dtype=np.float64)
x_leaf = tg.Tensor(x, requires_grad=True)
ahead_only(x_leaf)[0][2, 0, 0].backward()
influence["left to right"] = np.abs(x_leaf.grad.numpy()[:, 0]).sum(axis=1)
fig, ax = plt.subplots(figsize=(5, 2.8), layout="constrained")
for offset, (name, values) in zip((-0.2, 0.2), influence.items()):
    ax.bar(np.arange(1, T + 1) + offset, values, width=0.4, label=name)
ax.set(xlabel="input step", ylabel="|d output_3 / d x_t|")
ax.legend(fontsize=8)
assert influence["bidirectional"][3:].min() > 0 and influence["left to right"][3:].max() == 0

# %%
# Exercise
# --------
#
# Check the layout of the final states for the one-direction, two-layer GRU just built:
# ``h_n[1]`` (the top layer) must be its output at the last step.
#
# .. raw:: html
#
#    <details><summary>Solution (click to open)</summary>

output, h_n = ahead_only(tg.Tensor(x))
print("h_n", h_n.shape, "equals the last output:", np.allclose(h_n.numpy()[1], output.numpy()[-1]))
assert np.allclose(h_n.numpy()[1], output.numpy()[-1])

# %%
# .. raw:: html
#
#    </details>
