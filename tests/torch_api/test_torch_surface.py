"""The rest of PyTorch's surface that recurrent programs use: in-place methods and their
rules, ``.data``, ``Generator``, ``inference_mode``, the ``nn.modules`` paths,
``ParameterList`` and ``flatten_parameters`` (values against PyTorch are in
``torch_api_cases.py``)."""

# .data here is PyTorch's: a tensor sharing the values (the NumPy array is .array)

import importlib

import numpy as np
import pytest

import tinygrad_rnn as tg

IN_PLACE = {
    "add_": lambda t: t.add_(1.0), "sub_": lambda t: t.sub_(1.0, alpha=2),
    "mul_": lambda t: t.mul_(2.0), "div_": lambda t: t.div_(2.0),
    "copy_": lambda t: t.copy_(tg.zeros(2)), "clamp_": lambda t: t.clamp_(0.0, 1.0),
    "uniform_": lambda t: t.uniform_(), "normal_": lambda t: t.normal_(),
    "masked_fill_": lambda t: t.masked_fill_(tg.tensor([True, False]), 0.0),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_on_a_leaf_requiring_grad_raises_pytorchs_error_outside_no_grad(name):
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being "
                                           r"used in an in-place operation\.$"):
        IN_PLACE[name](w)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    with tg.no_grad():
        assert IN_PLACE[name](w) is w   # allowed inside no_grad, and returns the tensor
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_through_a_graph_raises_and_names_the_out_of_place_form(name):
    h = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="write x = x \\+ y"):
        IN_PLACE[name](h)


def test_in_place_with_an_operand_that_requires_grad_raises_outside_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place arithmetic on a tensor in a graph"):
        tg.zeros(2).add_(w)
    with pytest.raises(RuntimeError, match="in-place arithmetic on a tensor in a graph"):
        tg.zeros(2).copy_(w)


def test_in_place_methods_write_into_memory_shared_with_numpy():
    array = np.zeros(3, np.float32)
    t = tg.from_numpy(array)
    t.add_(tg.tensor([1.0, 2.0, 3.0]), alpha=2).clamp_(max=4.0)
    np.testing.assert_array_equal(array, [2.0, 4.0, 4.0])
    t.uniform_(-1, 1, generator=tg.Generator().manual_seed(0))
    assert (array >= -1).all() and (array < 1).all() and len(set(array)) == 3


def test_uniform_takes_from_and_to_by_keyword_as_pytorch():
    t = tg.zeros(500).uniform_(**{"from": 2.0, "to": 3.0})
    assert 2.0 <= t.min().item() and t.max().item() < 3.0


def test_data_shares_memory_and_is_cut_from_the_graph():
    p = tg.nn.Parameter(tg.tensor([1.0, 2.0]))
    d = p.data
    assert isinstance(d, tg.Tensor) and not d.requires_grad and d.is_leaf
    d[0] = 5.0
    d.mul_(2)
    np.testing.assert_array_equal(p.numpy(), [10.0, 4.0])
    p.data = tg.tensor([0.5, 0.5])
    np.testing.assert_array_equal(p.numpy(), [0.5, 0.5])
    assert p.requires_grad
    with pytest.raises(TypeError, match="assign a Tensor to .data"):
        p.data = [1.0, 2.0]


def test_array_is_the_numpy_array_itself():
    t = tg.tensor([1.0, 2.0])
    assert isinstance(t.array, np.ndarray) and np.shares_memory(t.array, t.data.array)
    assert not np.shares_memory(t.numpy(), t.array)


def test_generator_streams_are_reproducible_and_separate_from_the_global_one():
    first = tg.rand(3, generator=tg.Generator().manual_seed(11))
    tg.manual_seed(0)
    again = tg.rand(3, generator=tg.Generator().manual_seed(11))
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    g = tg.Generator()
    state = g.get_state()
    drawn = tg.randperm(10, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(tg.randperm(10, generator=g).numpy(), drawn.numpy())
    assert sorted(drawn.tolist()) == list(range(10))
    assert g.manual_seed(4).initial_seed() == 4 and g.device == "cpu"
    for draw in (lambda g: tg.randn(2, generator=g), lambda g: tg.randint(0, 9, (4,), generator=g),
                 lambda g: tg.multinomial(tg.ones(5), 3, generator=g),
                 lambda g: tg.zeros(3).normal_(generator=g),
                 lambda g: tg.nn.init.uniform_(tg.zeros(3), generator=g),
                 lambda g: tg.dropout(tg.ones(8), 0.5, generator=g)):
        np.testing.assert_array_equal(draw(tg.Generator().manual_seed(1)).numpy(),
                                      draw(tg.Generator().manual_seed(1)).numpy())
    with pytest.raises(TypeError, match="expected a tinygrad_rnn.Generator, got int"):
        tg.rand(2, generator=3)
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        tg.Generator(device="cuda")


def test_inference_mode_records_no_graph_as_a_block_and_as_decorators():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode()
    def called():
        return x * 2

    @tg.inference_mode
    def bare():
        return x * 2

    assert not called().requires_grad and not bare().requires_grad and tg.is_grad_enabled()


MODULE_PATHS = {
    "rnn": ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "RNNBase"],
    "linear": ["Linear", "Identity"], "sparse": ["Embedding"], "dropout": ["Dropout"],
    "container": ["Sequential", "ModuleList", "ModuleDict", "ParameterList"],
    "loss": ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss",
             "SmoothL1Loss", "HuberLoss", "KLDivLoss"],
    "activation": ["ReLU", "LeakyReLU", "GELU", "Softplus", "Tanh", "Sigmoid", "Softmax",
                   "LogSoftmax"],
    "normalization": ["LayerNorm"], "flatten": ["Flatten"], "module": ["Module"],
}


@pytest.mark.parametrize("path", sorted(MODULE_PATHS))
def test_nn_modules_paths_name_the_same_classes(path):
    module = importlib.import_module(f"tinygrad_rnn.nn.modules.{path}")
    for name in MODULE_PATHS[path]:
        expected = tg.nn.Recurrent if name == "RNNBase" else getattr(tg.nn, name)
        assert getattr(module, name) is expected, f"{path}.{name}"


@pytest.mark.parametrize("path", sorted(MODULE_PATHS))
def test_nn_modules_paths_are_pytorchs(path):
    torch = pytest.importorskip("torch")
    theirs = importlib.import_module(f"torch.nn.modules.{path}")
    assert all(hasattr(theirs, name) for name in MODULE_PATHS[path])


def test_flatten_parameters_is_a_no_op_on_every_recurrent_layer():
    for layer in (tg.nn.RNN(2, 3), tg.nn.LSTM(2, 3, num_layers=2), tg.nn.GRU(2, 3, bidirectional=True)):
        before = {k: v.copy() for k, v in layer.state_dict().items()}
        assert layer.flatten_parameters() is None
        for name, value in layer.state_dict().items():
            np.testing.assert_array_equal(value, before[name])


def test_parameter_list_registers_its_parameters_for_the_optimizer():
    class Mixture(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = tg.nn.ParameterList([tg.nn.Parameter(tg.ones(2)) for _ in range(2)])
            self.weights.append(tg.zeros(3))

        def forward(self):
            return sum(w.sum() for w in self.weights)

    model = Mixture()
    assert [name for name, _ in model.named_parameters()] == ["weights.0", "weights.1", "weights.2"]
    assert len(model.weights) == 3 and model.weights[-1].shape == (3,)
    assert all(isinstance(p, tg.nn.Parameter) and p.requires_grad for p in model.weights)
    model().backward()
    np.testing.assert_array_equal(model.weights[2].grad.numpy(), [1.0, 1.0, 1.0])
    model.weights[0] = tg.nn.Parameter(tg.zeros(4))
    assert model.weights[0].shape == (4,) and len(model.state_dict()) == 3
    with pytest.raises(TypeError, match="expected a Parameter or a Tensor, got list"):
        model.weights.append([1.0])


def test_layer_norm_module_has_pytorchs_parameters_and_repr():
    norm = tg.nn.LayerNorm((3, 4), elementwise_affine=True, bias=False)
    assert norm.weight.shape == (3, 4) and norm.bias is None
    assert [name for name, _ in norm.named_parameters()] == ["weight"]
    assert repr(tg.nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"
    with pytest.raises(ValueError, match="normalized_shape must be positive ints"):
        tg.nn.LayerNorm(0)


def test_in_place_misuse_raises_a_clear_error():
    with pytest.raises(ValueError, match="copy_: a source of shape \\(3,\\) does not broadcast"):
        tg.zeros(2).copy_(tg.zeros(3))
    with pytest.raises(TypeError, match="masked_fill_: mask must be a boolean tensor"):
        tg.zeros(2).masked_fill_(tg.tensor([1, 0]), 0.0)
    with pytest.raises(TypeError, match="uniform_: expected a float tensor, got int64"):
        tg.tensor([1, 2]).uniform_()
    with pytest.raises(ValueError, match="rounding_mode must be None, 'trunc' or 'floor'"):
        tg.ones(1).div_(2, rounding_mode="round")
    with pytest.raises(ValueError, match="clamp_: give at least one of min and max"):
        tg.ones(1).clamp_()


def test_modules_print_their_options_and_layer_norm_resets_its_affine_parameters():
    assert repr(tg.nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(tg.nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(tg.nn.Softplus(2.0)) == "Softplus(beta=2.0, threshold=20.0)"
    assert repr(tg.nn.HuberLoss(reduction="sum")) == "HuberLoss(reduction='sum')"
    norm = tg.nn.LayerNorm(3)
    with tg.no_grad():
        norm.weight.mul_(5)
        norm.bias.add_(1)
    norm.reset_parameters()
    assert norm.weight.tolist() == [1.0, 1.0, 1.0] and norm.bias.tolist() == [0.0, 0.0, 0.0]
    weights = tg.nn.ParameterList([tg.zeros(1), tg.zeros(2), tg.zeros(3)])
    assert [p.shape for p in weights[1:]] == [(2,), (3,)]
    assert "(2): Parameter containing: [float32 of shape (3,)]" in repr(weights)


def test_generator_seed_draws_a_fresh_seed_it_reports():
    g = tg.Generator()
    seed = g.seed()
    assert g.initial_seed() == seed
    np.testing.assert_array_equal(tg.rand(3, generator=g).numpy(),
                                  tg.rand(3, generator=tg.Generator().manual_seed(seed)).numpy())
