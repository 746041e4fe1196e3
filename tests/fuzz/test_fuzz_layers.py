"""Fuzzing the recurrent layers on both paths: random cells, depths, directions, layouts,
batches (empty ones too), lengths with NaN in the padding, and initial states as tensors,
NumPy arrays or None. Outputs, final states and every gradient equal PyTorch's (its packed
sequences for ``lengths``); without torch, the fused path must equal the step-by-step one
(Numba kernels against autograd ops: two independent implementations). A mistake in an
argument is an error naming that argument (see ``contract``)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Tensor, nn

from contract import DOCUMENTED, FUZZ, assert_same_values, outcome, torch

LAYERS = {"RNN": {"nonlinearity": "tanh"}, "RNN-relu": {"nonlinearity": "relu"}, "LSTM": {},
          "LSTM-proj": {"proj_size": 2}, "GRU": {}}
I, H = 2, 3


@st.composite
def layer_calls(draw):
    """A layer's options and one call's arguments."""
    kind = draw(st.sampled_from(sorted(LAYERS)))
    options = dict(LAYERS[kind], num_layers=draw(st.integers(1, 2)),
                   bidirectional=draw(st.booleans()), batch_first=draw(st.booleans()))
    T, N = draw(st.integers(1, 4)), draw(st.integers(0, 3))
    lengths = draw(st.none() | st.lists(st.integers(1, T), min_size=N, max_size=N))
    state_as = draw(st.sampled_from(["none", "tensor", "array"]))
    return kind.split("-")[0], options, T, N, lengths, state_as, draw(st.integers(0, 2**16))


def build(name, options, seed, fused=None):
    tg.manual_seed(seed)
    return getattr(nn, name)(I, H, dtype=np.float64, fused=fused, **options)


def arguments(layer, T, N, lengths, state_as, seed):
    """x (NaN past each length), the initial state and the weights of the loss."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, I))
    for n, length in enumerate(lengths or []):
        x[length:, n] = np.nan
    D, L = layer.num_directions, layer.num_layers
    sizes = layer.cells[0].state_sizes
    state = tuple(rng.standard_normal((D * L, N, size)) for size in sizes)
    return x, state, rng


def ours(layer, x, state, lengths, state_as, rng):
    """Outputs, final states and gradients (x, then each parameter by name) of our layer."""
    x_in = Tensor(x.swapaxes(0, 1) if layer.batch_first else x, requires_grad=True)
    if state_as == "none":
        given_state = None
    else:
        parts = tuple(Tensor(s) if state_as == "tensor" else s for s in state)
        given_state = parts[0] if len(parts) == 1 else parts
    output, final = layer(x_in, given_state, None if lengths is None else np.array(lengths))
    final = final if isinstance(final, tuple) else (final,)
    loss = (output * rng_weights(rng, output.shape)).sum() + sum(f.sum() for f in final)
    loss.backward()
    grads = {"x": x_in.grad} | {name: p.grad for name, p in layer.named_parameters()}
    return [output.array, *(f.array for f in final)], {
        name: np.asarray(getattr(g, "array", g)) for name, g in grads.items()}


def rng_weights(rng, shape):
    return Tensor(np.random.default_rng(len(shape) + sum(shape)).standard_normal(shape))


def pytorchs(name, options, layer, x, state, lengths, state_as):
    """The same through torch.nn with our weights."""
    module = getattr(torch.nn, name)(I, H, dtype=torch.float64, **{
        k: v for k, v in options.items()})
    module.load_state_dict({k: torch.from_numpy(p.array.copy()) for k, p in layer.named_parameters()})
    batch_first = options["batch_first"]
    x_in = torch.from_numpy((x.swapaxes(0, 1) if batch_first else x).copy()).requires_grad_()
    given_state = None if state_as == "none" else tuple(torch.from_numpy(s) for s in state)
    if given_state is not None and len(given_state) == 1:
        given_state = given_state[0]
    packed = x_in
    if lengths is not None and x.shape[1]:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x_in, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    output, final = module(packed, given_state)
    if lengths is not None and x.shape[1]:
        output, _ = torch.nn.utils.rnn.pad_packed_sequence(output, batch_first=batch_first,
                                                           total_length=x.shape[0])
    final = final if isinstance(final, tuple) else (final,)
    weights = rng_weights(None, tuple(output.shape)).array
    loss = (output * torch.from_numpy(weights)).sum() + sum(f.sum() for f in final)
    loss.backward()
    grads = {"x": x_in.grad} | {k: p.grad for k, p in module.named_parameters()}
    return [output.detach().numpy(), *(f.detach().numpy() for f in final)], {
        k: (np.zeros(p.shape) if g is None else g.numpy()) for (k, g), p in
        zip(grads.items(), [x_in, *module.parameters()])}


def assert_same_results(got, expected):
    (values, grads), (expected_values, expected_grads) = got, expected
    for value, expected_value in zip(values, expected_values, strict=True):
        assert_same_values(value, expected_value, 1e-9)
    assert grads.keys() == expected_grads.keys()
    for key in grads:
        assert_same_values(grads[key], expected_grads[key], 1e-9)


@FUZZ
@given(call=layer_calls())
def test_layers_on_both_paths_give_pytorchs_outputs_states_and_gradients(call):
    name, options, T, N, lengths, state_as, seed = call
    results = []
    for fused in (True, False):
        layer = build(name, options, seed, fused)
        x, state, rng = arguments(layer, T, N, lengths, state_as, seed)
        results.append(ours(layer, x, state, lengths, state_as, rng))
    if torch is None:
        assert_same_results(results[0], results[1])
        return
    expected = pytorchs(name, options, layer, x, state, lengths, state_as)
    for result in results:
        assert_same_results(result, expected)


MISTAKES = {
    # name: (what the call passes, the word its error must contain)
    "state of another batch": (lambda T, N, D: dict(state=np.zeros((D, N + 1, H))), "state"),
    "state that is a number": (lambda T, N, D: dict(state=3), "state"),
    "state of int dtype": (lambda T, N, D: dict(state=np.zeros((D, N, H), np.int64)), "state"),
    "lengths past the end": (lambda T, N, D: dict(lengths=np.full(N, T + 1)), "lengths"),
    "lengths of zero": (lambda T, N, D: dict(lengths=np.zeros(N, np.int64)), "lengths"),
    "lengths as floats": (lambda T, N, D: dict(lengths=np.ones(N)), "lengths"),
    "lengths for another batch": (lambda T, N, D: dict(lengths=np.ones(N + 1, np.int64)), "lengths"),
    "x of other features": (lambda T, N, D: dict(x=np.zeros((T, N, I + 1))), "input"),
    "x of float32": (lambda T, N, D: dict(x=np.zeros((T, N, I), np.float32)), "input"),
    "x of four axes": (lambda T, N, D: dict(x=np.zeros((T, N, I, 1))), "input"),
}


@FUZZ
@given(mistake=st.sampled_from(sorted(MISTAKES)), fused=st.booleans(),
       name=st.sampled_from(["RNN", "GRU"]), T=st.integers(1, 3), N=st.integers(1, 3))
def test_a_mistaken_argument_is_an_error_naming_it(mistake, fused, name, T, N):
    make, word = MISTAKES[mistake]
    layer = build(name, {}, 0, fused)
    call = dict(x=np.zeros((T, N, I)), state=None, lengths=None) | make(T, N, 1)
    error = outcome(lambda: layer(Tensor(call["x"]) if call["x"].dtype.kind == "f" else call["x"],
                                  call["state"], call["lengths"]))
    assert isinstance(error, DOCUMENTED), f"{mistake}: got {error!r}"
    assert word in str(error), f"{mistake}: {error} does not name {word!r}"
