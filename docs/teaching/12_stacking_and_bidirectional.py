r"""
12. Stacking and both directions
================================

A stacked RNN feeds each layer's outputs to the next, each layer with its own weights; a
bidirectional one runs a second cell from the end of the sequence back to its start and
puts the two outputs side by side, so step :math:`t` sees the past and the future (lecture
note 4, ``004_b458bdf2b022d4e7.md``). Build a two-layer bidirectional GRU out of four
one-layer, one-direction GRUs and compare with ``nn.GRU(num_layers=2, bidirectional=True)``.
"""

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
