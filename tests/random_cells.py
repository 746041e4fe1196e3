"""A Hypothesis strategy of random cells: each ``step`` a random program of the ops the
compiler supports (elementwise arithmetic and activations, per-unit vectors and scalars,
constants, splits and concatenations along the features), with one to three products of
per-step values with parameters, each written ``v @ W.T`` or as a linear layer
(``F.linear``, with or without a bias). Every cell it draws must compile, and its generated
path must equal its own step path."""

import numpy as np
from hypothesis import strategies as st

from tinygrad_rnn import ops
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.cell import RecurrentCell

UNARY = {
    "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu, "neg": ops.neg,
    "exp_tanh": lambda v: ops.exp(ops.tanh(v)), "log_sigmoid": lambda v: ops.log(ops.sigmoid(v)),
    "sqrt_sigmoid": lambda v: ops.sqrt(ops.sigmoid(v)), "ratio": lambda v: v / (1 + v * v),
    "one_minus": lambda v: 1 - v, "half": lambda v: v * 0.5,
    "max_const": lambda v: ops.maximum(v, 0.1), "min_const": lambda v: ops.minimum(v, 0.2),
}
BINARY = {"add": ops.add, "sub": ops.sub, "mul": ops.mul, "maximum": ops.maximum}


@st.composite
def _program(draw):
    """``(num_states, instructions)``. Values are numbered: 0 is x W_ihᵀ + b_ih (2H wide),
    1..S the states (H wide), then one per instruction's result; widths in units of H. A
    product is ``("product", source, width)``, or with a fourth item ``"linear"`` or
    ``"linear_bias"`` when it is written as a linear layer."""
    num_states = draw(st.integers(1, 2))
    widths = [2] + [1] * num_states
    # the first product reads a state, through weight_hh: (N, H) @ (H, 2H)
    instructions = [("product", 1, 2)]
    widths.append(2)
    products = draw(st.integers(1, 3))
    for _ in range(draw(st.integers(2, 8))):
        kind = draw(st.sampled_from(["unary", "binary", "unit", "scalar", "split", "concat"]
                                    + ["product"] * (len([i for i in instructions if i[0] == "product"]) < products)))
        source = draw(st.integers(0, len(widths) - 1))
        width = widths[source]
        if kind == "product":
            out = draw(st.integers(1, 2))
            written = draw(st.sampled_from(["matmul", "linear", "linear_bias"]))
            instructions.append(("product", source, out)
                                + (() if written == "matmul" else (written,)))
            widths.append(out)
        elif kind == "unary":
            instructions.append(("unary", draw(st.sampled_from(sorted(UNARY))), source))
            widths.append(width)
        elif kind == "binary":
            same = [i for i, w in enumerate(widths) if w == width]
            other = draw(st.sampled_from(same))
            instructions.append(("binary", draw(st.sampled_from(sorted(BINARY))), source, other))
            widths.append(width)
        elif kind in ("unit", "scalar"):
            instructions.append((kind, draw(st.sampled_from(["add", "mul"])), source))
            widths.append(width)
        elif kind == "split" and width == 2:
            instructions.append(("split", source, draw(st.integers(0, 1))))
            widths.append(1)
        elif kind == "concat" and width == 1:
            ones = [i for i, w in enumerate(widths) if w == 1]
            instructions.append(("concat", source, draw(st.sampled_from(ones))))
            widths.append(2)
    ones = [i for i, w in enumerate(widths) if w == 1]
    new_states = [draw(st.sampled_from(ones)) for _ in range(num_states)]
    return num_states, tuple(instructions), tuple(new_states)


def make_cell(num_states, instructions, new_states):
    """The cell class of a drawn program (see :func:`_program`)."""

    class RandomCell(RecurrentCell):
        state_names = tuple(f"s{k}" for k in range(num_states))

        def __init__(self, input_size, hidden_size, bias=True, dtype=np.float32):
            super().__init__(input_size, hidden_size, bias, dtype)
            H, extra, widths = hidden_size, {}, [2] + [1] * num_states
            for i, (kind, *args) in enumerate(instructions):
                if kind == "product" and i > 0:
                    extra[f"w{i}"] = (args[1] * H, widths[args[0]] * H)
                    if "linear_bias" in args:
                        extra[f"b{i}"] = (args[1] * H,)
                elif kind == "unit":
                    extra[f"u{i}"] = (widths[args[1]] * H,)
                elif kind == "scalar":
                    extra[f"a{i}"] = (1,)
                widths.append(_width(kind, args, widths))
            self.create_parameters(2, **extra)

        def step(self, x, state):
            H = self.hidden_size
            values = [x @ self.weight_ih.T + self.bias_ih, *state]
            for i, (kind, *args) in enumerate(instructions):
                if kind == "product":
                    weight = self.weight_hh if i == 0 else getattr(self, f"w{i}")
                    if args[2:]:   # a linear layer
                        bias = getattr(self, f"b{i}") if "linear_bias" in args else None
                        values.append(F.linear(values[args[0]], weight, bias))
                    else:
                        values.append(values[args[0]] @ weight.T)
                elif kind == "unary":
                    values.append(UNARY[args[0]](values[args[1]]))
                elif kind == "binary":
                    values.append(BINARY[args[0]](values[args[1]], values[args[2]]))
                elif kind in ("unit", "scalar"):
                    p = getattr(self, f"{'u' if kind == 'unit' else 'a'}{i}")
                    values.append(BINARY[args[0]](values[args[1]], p))
                elif kind == "split":
                    values.append(ops.split(values[args[0]], H, axis=-1)[args[1]])
                else:
                    values.append(ops.concatenate([values[args[0]], values[args[1]]], axis=-1))
            new = tuple(ops.tanh(values[i]) for i in new_states)
            return new[0], new

    RandomCell.__qualname__ = f"RandomCell{instructions}{new_states}"
    return RandomCell


def _width(kind, args, widths):
    if kind == "product":
        return args[1]
    if kind in ("unary", "unit", "scalar"):
        return widths[args[1]]
    if kind == "binary":
        return widths[args[1]]
    return 1 if kind == "split" else 2


def random_cells():
    """Cell classes drawn as random programs (see the module docstring)."""
    return _program().map(lambda drawn: make_cell(*drawn))
