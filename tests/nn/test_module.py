"""Module: registration and dotted names, modes, zero_grad, repr and the state dict."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.nn import (Dropout, Embedding, Linear, Module, ModuleDict, ModuleList,
                             Parameter, Sequential)


class Block(Module):
    """A module with its own parameter, a child, a list and a dict of children."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(2, np.float32))
        self.inner = Linear(2, 2)
        self.layers = ModuleList([Linear(2, 3), Linear(3, 2)])
        self.heads = ModuleDict({"left": Linear(2, 1), "right": Linear(2, 1, bias=False)})

    def forward(self, x):
        x = self.inner(x) * self.scale
        for layer in self.layers:
            x = layer(x)
        return self.heads["left"](x) + self.heads["right"](x)


BLOCK_NAMES = [
    "scale", "inner.weight", "inner.bias", "layers.0.weight", "layers.0.bias",
    "layers.1.weight", "layers.1.bias", "heads.left.weight", "heads.left.bias",
    "heads.right.weight",
]


# ---------------------------------------------------------------- Parameter

def test_parameter_requires_grad_and_follows_the_dtype_rules():
    assert Parameter([1.0, 2.0]).requires_grad
    assert Parameter([1.0]).dtype == np.float32
    assert Parameter(np.zeros(2)).dtype == np.float64
    with pytest.raises(TypeError):
        Parameter(np.arange(3))


def test_parameter_from_a_tensor_copies_its_values():
    source = tg.Tensor([1.0, 2.0])
    param = Parameter(source)
    param.array[0] = 5.0
    assert source.array[0] == 1.0 and isinstance(param, tg.Tensor)


# ---------------------------------------------------------------- registration and names

def test_named_parameters_are_dotted_and_in_registration_order():
    block = Block()
    assert [name for name, _ in block.named_parameters()] == BLOCK_NAMES
    assert block.heads.right.bias is None


def test_named_parameters_prefix_and_recurse():
    block = Block()
    names = [n for n, _ in block.named_parameters(prefix="net")]
    assert names[:2] == ["net.scale", "net.inner.weight"]
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["scale"]


def test_shared_parameter_is_listed_once_but_named_everywhere_in_the_state_dict():
    net = Module()
    net.a, net.b = Linear(2, 2), Linear(2, 2)
    net.b.weight = net.a.weight
    names = [name for name, _ in net.named_parameters()]
    assert names == ["a.weight", "a.bias", "b.bias"]
    assert net.num_parameters() == 4 + 2 + 2
    every_name = [name for name, _ in net.named_parameters(remove_duplicate=False)]
    assert every_name == ["a.weight", "a.bias", "b.weight", "b.bias"]
    state = net.state_dict()
    assert list(state) == every_name
    assert state["a.weight"] is state["b.weight"]
    assert not np.shares_memory(state["a.weight"], net.a.weight.array)


def test_shared_module_is_listed_once():
    layer = Linear(2, 2)
    net = Sequential(layer, layer)
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [name for name, _ in net.named_modules()] == ["", "0"]


def test_named_modules_children_and_modules():
    block = Block()
    assert [name for name, _ in block.named_modules()] == [
        "", "inner", "layers", "layers.0", "layers.1", "heads", "heads.left", "heads.right"]
    assert [type(m).__name__ for m in block.children()] == ["Linear", "ModuleList", "ModuleDict"]
    assert len(list(block.modules())) == 8


def test_assigning_none_keeps_the_name_and_removes_the_value():
    layer = Linear(2, 2)
    layer.bias = None
    assert "bias" in layer._parameters and layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer.bias = Parameter(np.zeros(2, np.float32))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_assigning_a_plain_tensor_to_a_parameter_name_is_a_type_error():
    layer = Linear(2, 2)
    with pytest.raises(TypeError, match="'weight'.*expected Parameter or None"):
        layer.weight = tg.Tensor(np.zeros((2, 2), np.float32))


def test_plain_attributes_are_not_registered_and_deletion_works():
    net = Module()
    net.note, net.tensor = "hi", tg.Tensor([1.0])
    net.layer = Linear(1, 1)
    assert list(net._parameters) == [] and list(net._modules) == ["layer"]
    del net.layer
    assert list(net.named_parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'layer'"):
        net.layer


def test_registering_before_super_init_is_a_clear_error():
    class Forgetful(Module):
        def __init__(self):
            self.weight = Parameter([1.0])

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgetful()


def test_register_rejects_dotted_names_and_existing_attributes():
    net = Module()
    with pytest.raises(KeyError, match="'\\.'"):
        net.register_parameter("a.b", Parameter([1.0]))
    with pytest.raises(KeyError, match="already exists"):
        net.add_module("training", Linear(1, 1))


def test_module_list_indexing_append_len_and_delete():
    layers = ModuleList([Linear(1, 2), Linear(2, 3)])
    layers.append(Linear(3, 4))
    assert len(layers) == 3 and layers[-1].out_features == 4
    assert [m.out_features for m in layers[1:]] == [3, 4]
    del layers[0]
    assert [name for name, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert layers[0].out_features == 3
    with pytest.raises(IndexError, match="out of range"):
        layers[5]
    with pytest.raises(TypeError, match="expected a Module"):
        layers.append("not a module")


def test_module_dict_access_and_errors():
    heads = ModuleDict({"a": Linear(1, 1)})
    heads["b"] = Linear(1, 2)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert heads.pop("a").out_features == 1 and list(heads.keys()) == ["b"]
    with pytest.raises(KeyError, match="names: \\['b'\\]"):
        heads["missing"]


# ---------------------------------------------------------------- modes and gradients

def test_train_and_eval_reach_every_module():
    block = Block()
    assert block.eval() is block
    assert not any(m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules())


def test_zero_grad_sets_every_gradient_to_none():
    block = Block()
    block(tg.Tensor(np.ones((3, 2), np.float32))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_zero_grad_without_set_to_none_zeroes_the_gradients_in_place():
    block = Block()
    block(tg.Tensor(np.ones((3, 2), np.float32))).sum().backward()
    grads = [p.grad for p in block.parameters()]
    block.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.array.any() for p, g in zip(block.parameters(), grads))


def test_double_and_float_convert_parameters_and_recorded_dtypes_in_place():
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(2, 3, bidirectional=True)
    reference = tg.nn.LSTM(2, 3, bidirectional=True, dtype=np.float64)
    reference.load_state_dict({k: v.astype(np.float64) for k, v in lstm.state_dict().items()})
    weight = lstm.weight_ih_l0
    assert lstm.double() is lstm and lstm.weight_ih_l0 is weight
    assert all(v.dtype == np.float64 for v in lstm.state_dict().values())
    x = tg.Tensor(np.random.default_rng(0).standard_normal((4, 1, 2)))
    np.testing.assert_array_equal(lstm(x)[0].array, reference(x)[0].array)
    assert lstm.to("cpu", dtype=np.float32) is lstm and lstm.cpu() is lstm
    assert all(v.dtype == np.float32 for v in lstm.float().state_dict().values())
    assert lstm(x.to(np.float32))[0].dtype == np.float32


def test_to_another_device_or_an_integer_dtype_is_refused():
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        tg.nn.Linear(2, 2).to("cuda")
    with pytest.raises(TypeError, match="parameters must be float32 or float64"):
        tg.nn.Linear(2, 2).to(np.int64)


def test_apply_visits_children_first_and_requires_grad_freezes():
    net = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.Sequential(tg.nn.Tanh()))
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Linear", "Tanh", "Sequential", "Sequential"]
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    assert all(p.requires_grad for p in net.requires_grad_().parameters())


def test_call_runs_forward_and_a_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        Module()(1)


# ---------------------------------------------------------------- repr

def test_repr_is_nested_like_pytorch():
    net = Sequential(Linear(3, 4), Dropout(0.25),
                     ModuleDict({"emb": Embedding(5, 2, padding_idx=0)}))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): Dropout(p=0.25)\n"
        "  (2): ModuleDict(\n"
        "    (emb): Embedding(5, 2, padding_idx=0)\n"
        "  )\n"
        ")"
    )
    assert repr(Linear(2, 1, bias=False)) == "Linear(in_features=2, out_features=1, bias=False)"


# ---------------------------------------------------------------- state dict

def test_state_dict_holds_copies_in_named_parameters_order():
    block = Block()
    state = block.state_dict()
    assert list(state) == BLOCK_NAMES
    state["scale"][0] = 99.0
    assert block.scale.array[0] == 1.0


def test_state_dict_round_trip_gives_identical_arrays_and_outputs():
    tg.manual_seed(1)
    source, target = Block(), Block()
    x = tg.Tensor(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32))
    assert not np.array_equal(source(x).array, target(x).array)
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == []
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.array, b.array, err_msg=name)
    np.testing.assert_array_equal(source(x).array, target(x).array)


@given(st.integers(1, 6), st.integers(1, 6), st.booleans(),
       st.sampled_from([np.float32, np.float64]))
def test_load_of_its_own_state_dict_is_the_identity(in_features, out_features, bias, dtype):
    layer = Linear(in_features, out_features, bias=bias, dtype=dtype)
    before = layer.state_dict()
    layer.load_state_dict(layer.state_dict())
    after = layer.state_dict()
    assert list(before) == list(after)
    for name in before:
        assert after[name].dtype == before[name].dtype
        np.testing.assert_array_equal(after[name], before[name])


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    block = Block()
    before = block.state_dict()
    bad = dict(before)
    del bad["scale"]                                               # missing
    bad["extra.weight"] = np.zeros(1, np.float32)                  # unexpected
    bad["inner.weight"] = np.zeros((3, 2), np.float32)             # shape
    bad["inner.bias"] = before["inner.bias"].astype(np.float64)    # dtype
    bad["layers.0.bias"] = [0.0, 0.0, 0.0]                         # not an array
    bad["heads.left.bias"] = np.full(1, 7.0, np.float32)           # fine, but not loaded
    with pytest.raises(ValueError) as raised:
        block.load_state_dict(bad)
    message = str(raised.value)
    assert "5 problem(s)" in message and "nothing was loaded" in message
    for expected in ["missing key 'scale'", "unexpected key 'extra.weight'",
                     "'inner.weight': shape mismatch: expected (2, 2), got (3, 2)",
                     "'inner.bias': dtype mismatch: expected float32, got float64",
                     "'layers.0.bias': expected a NumPy array, got list"]:
        assert expected in message
    for name, array in block.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_non_strict_load_skips_missing_and_unexpected_but_loads_the_rest():
    layer = Linear(2, 2)
    new_weight = np.full((2, 2), 3.0, np.float32)
    result = layer.load_state_dict({"weight": new_weight, "other": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(layer.weight.array, new_weight)
    with pytest.raises(ValueError, match="shape mismatch"):
        layer.load_state_dict({"weight": np.zeros((1, 2), np.float32)}, strict=False)


def test_load_state_dict_accepts_tensors_and_keeps_parameter_identity():
    layer = Linear(2, 1)
    weight = layer.weight
    layer.load_state_dict({"weight": tg.Tensor(np.ones((1, 2), np.float32)),
                           "bias": np.zeros(1, np.float32)})
    assert layer.weight is weight
    np.testing.assert_array_equal(weight.array, np.ones((1, 2)))


class Renamed(Module):
    """A layer that names its parameters its own way, as the recurrent layers do."""

    def __init__(self):
        super().__init__()
        self.w = Parameter(np.zeros(2, np.float32))

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield (f"{prefix}.weight_ih_l0" if prefix else "weight_ih_l0"), self.w


def test_overriding_named_parameters_renames_the_state_dict_also_inside_a_parent():
    net = Module()
    net.rnn = Renamed()
    assert list(net.state_dict()) == ["rnn.weight_ih_l0"]
    net.load_state_dict({"rnn.weight_ih_l0": np.ones(2, np.float32)})
    np.testing.assert_array_equal(net.rnn.w.array, np.ones(2))


# ---------------------------------------------------------------- misuse

def test_registration_type_errors_name_what_was_given():
    net = Module()
    with pytest.raises(TypeError, match="cannot register str as parameter 'w'"):
        net.register_parameter("w", "oops")
    with pytest.raises(TypeError, match="a name must be a str, got int"):
        net.add_module(3, Linear(1, 1))
    with pytest.raises(TypeError, match="mode must be a bool"):
        net.train("yes")
    with pytest.raises(TypeError, match="expected a mapping"):
        net.load_state_dict([("w", np.zeros(1))])


def test_deleting_a_parameter_and_dir_lists_registered_names():
    layer = Linear(1, 1)
    assert {"weight", "bias", "forward"} <= set(dir(layer))
    del layer.bias
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer.note = 1
    del layer.note
    assert not hasattr(layer, "note")


def test_module_list_assignment_and_bad_index_type():
    layers = ModuleList([Linear(1, 1), Linear(1, 1)])
    replacement = Linear(1, 5)
    layers[-1] = replacement
    assert layers[1] is replacement and [n for n, _ in layers.named_parameters()][2] == "1.weight"
    with pytest.raises(TypeError, match="indices must be integers or slices, got str"):
        layers["0"]


def test_module_dict_delete_values_items_and_bad_value():
    heads = ModuleDict([("a", Linear(1, 1)), ("b", Linear(1, 2))])
    del heads["a"]
    assert [m.out_features for m in heads.values()] == [2]
    assert [name for name, _ in heads.items()] == ["b"]
    with pytest.raises(KeyError, match="no module named 'a'"):
        del heads["a"]
    with pytest.raises(TypeError, match="expected a Module for 'c', got int"):
        heads["c"] = 3
