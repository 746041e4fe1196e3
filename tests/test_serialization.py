"""Checkpoints: round trips, atomic writes, and clear errors for damaged or mismatched files."""

import json
import os
import struct

import numpy as np
import pytest
import safetensors.numpy

import tinygrad_rnn as tg
from tinygrad_rnn import serialization
from tinygrad_rnn.nn import Embedding, Linear, Module
from tinygrad_rnn.serialization import Checkpoint, CheckpointError, load, save


class Net(Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.embed = Embedding(10, 3, padding_idx=0)
        self.proj = Linear(3, hidden)
        self.out = Linear(hidden, 2, dtype=np.float64)

    def forward(self, tokens):
        return self.out(self.proj(self.embed(tokens)).tanh())


class FakeOptimizer:
    """Stands in for tinygrad_rnn.optim: the same state_dict layout, remembers what it loads."""

    def __init__(self, fail=False):
        self.fail, self.loaded = fail, None

    def state_dict(self):
        return {"state": {0: {"exp_avg": np.arange(6.0).reshape(2, 3), "step": 7},
                          2: {"exp_avg": np.ones(4, np.float32), "step": np.int64(7)}},
                "param_groups": [{"lr": 0.01, "betas": [0.9, 0.999], "params": [0, 1, 2]}]}

    def load_state_dict(self, state):
        if self.fail:
            raise ValueError("FakeOptimizer: refused")
        self.loaded = state


TOKENS = np.array([[1, 0, 5], [9, 2, 0]])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.safetensors"


def other_net(seed=1, **kwargs):
    tg.manual_seed(seed)
    return Net(**kwargs)


def flip_bit(path, offset, bit=0):
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def header_length(path):
    return struct.unpack("<Q", path.read_bytes()[:8])[0]


# ---------------------------------------------------------------- round trips

def test_round_trip_gives_identical_arrays_and_outputs(path):
    source, target = other_net(0), other_net(1)
    save(path, source)
    checkpoint = load(path, target)
    assert isinstance(checkpoint, Checkpoint)
    assert list(checkpoint.model_state) == list(source.state_dict())
    for name, array in source.state_dict().items():
        assert checkpoint.model_state[name].dtype == array.dtype
        np.testing.assert_array_equal(checkpoint.model_state[name], array)
        np.testing.assert_array_equal(target.state_dict()[name], array)
    np.testing.assert_array_equal(target(TOKENS).array, source(TOKENS).array)


def test_metadata_round_trip(path):
    metadata = {"epoch": 3, "loss": 0.125, "tags": ["lstm", None, True], "nested": {"a": [1, 2]}}
    save(path, other_net(), metadata=metadata)
    assert load(path).metadata == metadata
    save(path, other_net())
    assert load(path).metadata == {}


@pytest.mark.parametrize("metadata, where", [
    ({"weights": np.zeros(2)}, "metadata\\['weights'\\] is a ndarray"),
    ({"x": float("nan")}, "metadata\\['x'\\] is nan"),
    ({1: "a"}, "key 1 of type int"),
    ({"f": [1, {2, 3}]}, "metadata\\['f'\\]\\[1\\] is a set"),
])
def test_metadata_that_is_not_json_is_a_type_error_naming_the_culprit(path, metadata, where):
    with pytest.raises(TypeError, match=where):
        save(path, other_net(), metadata=metadata)
    assert not path.exists()


def test_optimizer_round_trip(path):
    optimizer = FakeOptimizer()
    save(path, other_net(), optimizer)
    saved = optimizer.state_dict()
    restored = FakeOptimizer()
    state = load(path, optimizer=restored).optimizer_state
    assert restored.loaded is state
    assert state["param_groups"] == saved["param_groups"]
    assert set(state["state"]) == {0, 2}
    for index, entries in saved["state"].items():
        np.testing.assert_array_equal(state["state"][index]["exp_avg"], entries["exp_avg"])
        assert state["state"][index]["exp_avg"].dtype == entries["exp_avg"].dtype
        assert state["state"][index]["step"] == 7


def test_optimizer_arrays_live_under_the_optimizer_prefix_and_model_names_are_plain(path):
    net = other_net()
    save(path, net, FakeOptimizer())
    names = set(safetensors.numpy.load_file(path))
    optimizer_names = {"optimizer.state.0.exp_avg", "optimizer.state.2.exp_avg"}
    assert names == set(net.state_dict()) | optimizer_names


def test_a_failing_optimizer_load_puts_the_model_back(path):
    save(path, other_net(0), FakeOptimizer())
    target = other_net(1)
    before = target.state_dict()
    with pytest.raises(ValueError, match="refused"):
        load(path, target, FakeOptimizer(fail=True))
    for name, array in target.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_tensors_argument_saves_a_plain_state_dict(path):
    arrays = {"a": np.arange(3.0), "b.c": np.ones((2, 2), np.float32)}
    save(path, tensors=arrays)
    state = load(path).model_state
    assert list(state) == ["a", "b.c"]
    np.testing.assert_array_equal(state["b.c"], arrays["b.c"])
    with pytest.raises(ValueError, match="not both"):
        save(path, other_net(), tensors=arrays)


def test_a_non_contiguous_array_is_saved_in_logical_order(path):
    transposed = np.arange(6.0).reshape(2, 3).T
    save(path, tensors={"t": transposed})
    np.testing.assert_array_equal(load(path).model_state["t"], transposed)


def test_a_plain_safetensors_file_loads_without_checks(path):
    net = other_net()
    safetensors.numpy.save_file(net.state_dict(), path)
    target = other_net(5)
    load(path, target)
    np.testing.assert_array_equal(target.proj.weight.array, net.proj.weight.array)


def test_the_file_never_needs_pickle(path):
    save(path, other_net(), FakeOptimizer(), {"epoch": 1})
    raw = path.read_bytes()
    header = json.loads(raw[8:8 + header_length(path)])
    assert all(isinstance(value, str) for value in header["__metadata__"].values())
    dtypes = {entry["dtype"] for name, entry in header.items() if name != "__metadata__"}
    assert dtypes <= {"F32", "F64"}


# ---------------------------------------------------------------- atomic writes

def test_a_failure_midway_leaves_the_previous_checkpoint_and_no_temp_file(path, monkeypatch):
    save(path, other_net(0), metadata={"version": "old"})
    previous = path.read_bytes()

    def write_half_then_fail(file, data):
        file.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(serialization, "_write_all", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save(path, other_net(1), metadata={"version": "new"})
    with pytest.raises(OSError, match="disk full"):
        save(other_net(1), path)   # the whole model, PyTorch's way
    assert path.read_bytes() == previous
    assert load(path).metadata == {"version": "old"}
    assert os.listdir(path.parent) == [path.name]


def test_an_interrupt_midway_also_cleans_up(path, monkeypatch):
    def interrupted(file, data):
        file.write(data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(path, other_net())
    assert os.listdir(path.parent) == []


def test_save_keeps_the_permissions_of_the_file_it_replaces(path):
    save(path, other_net())
    os.chmod(path, 0o640)
    save(path, other_net())
    assert path.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- damaged files

@pytest.mark.parametrize("keep, message", [
    (5, "fewer than the 8-byte header length: the file is truncated"),
    (100, "header length \\d+ exceeds file size 100: the file is truncated"),
])
def test_a_file_cut_inside_the_header_is_rejected_naming_the_file(path, keep, message):
    save(path, other_net())
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(CheckpointError, match=message) as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_a_file_cut_inside_the_data_is_rejected(path):
    save(path, other_net())
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(CheckpointError, match="the file is truncated") as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_an_empty_file_is_rejected(path):
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="has 0 bytes"):
        load(path)


def test_a_flipped_bit_in_the_data_is_rejected_naming_the_array(path):
    save(path, other_net())
    flip_bit(path, 8 + header_length(path) + 5, bit=3)
    with pytest.raises(CheckpointError, match="do not match their checksum: the data is corrupted"
                       ) as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_a_flipped_bit_in_a_header_string_is_rejected(path):
    save(path, other_net(), metadata={"note": "hello"})
    offset = path.read_bytes().index(b"hello")
    flip_bit(path, offset, bit=0)   # "hello" -> "iello": still valid JSON
    with pytest.raises(CheckpointError, match="header's checksum does not match") as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_a_bit_flip_anywhere_in_the_header_is_rejected(path):
    """One flip per header byte (the bit rotating with the offset): ~1,000 damaged files."""
    save(path, Linear(2, 1), FakeOptimizer(), {"epoch": 1})
    original = path.read_bytes()
    for offset in range(8 + header_length(path)):
        damaged = bytearray(original)
        damaged[offset] ^= 1 << (offset % 8)
        path.write_bytes(bytes(damaged))
        with pytest.raises(CheckpointError):
            load(path)


def test_a_file_that_is_not_a_checkpoint_is_rejected(path):
    path.write_bytes(struct.pack("<Q", 4) + b"nope")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load(path)


# ---------------------------------------------------------------- mismatched models

def test_loading_into_a_model_of_another_shape_lists_every_mismatch(path):
    save(path, other_net(hidden=4))
    target = other_net(hidden=5)
    before = target.state_dict()
    with pytest.raises(CheckpointError) as raised:
        load(path, target)
    message = str(raised.value)
    assert str(path) in message and "3 problem(s)" in message
    for name in ["proj.weight", "proj.bias", "out.weight"]:
        assert f"'{name}': shape mismatch" in message
    for name, array in target.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_loading_a_checkpoint_without_optimizer_state_into_an_optimizer_fails(path):
    save(path, other_net())
    with pytest.raises(CheckpointError, match="holds no optimizer state"):
        load(path, optimizer=FakeOptimizer())


# ---------------------------------------------------------------- PyTorch

def test_pytorch_reads_the_same_arrays(path):
    torch = pytest.importorskip("torch")
    import safetensors.torch

    net = other_net()
    save(path, net, FakeOptimizer())
    loaded = safetensors.torch.load_file(path)
    for name, array in net.state_dict().items():
        assert loaded[name].dtype == getattr(torch, str(array.dtype))
        np.testing.assert_array_equal(loaded[name].numpy(), array)


def test_a_saved_linear_loads_into_pytorchs_linear(path):
    torch = pytest.importorskip("torch")
    import safetensors.torch

    layer = Linear(3, 2)
    save(path, layer)
    theirs = torch.nn.Linear(3, 2)
    theirs.load_state_dict(safetensors.torch.load_file(path))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(tg.Tensor(x)).array, expected, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- misuse

@pytest.mark.parametrize("kwargs, error, message", [
    ({"tensors": {"": np.zeros(1)}}, TypeError, "names must be non-empty str"),
    ({"tensors": {"a": [1.0]}}, TypeError, "'a' is a list, expected an array or a Tensor"),
    ({"tensors": {"a": np.zeros(1)}, "optimizer": {"state": {}}}, TypeError,
     "keys 'state' and 'param_groups'"),
    ({"tensors": {"a": np.zeros(1)}, "optimizer": {"state": {"0": {}}, "param_groups": []}},
     TypeError, "must be int parameter indices, got '0'"),
    ({"tensors": {"optimizer.state.0.exp_avg": np.zeros(1)}, "optimizer": FakeOptimizer()},
     ValueError, "clash with the optimizer's"),
    ({"tensors": {"a": np.zeros(1)}, "metadata": [1, 2]}, TypeError, "metadata must be a dict"),
])
def test_save_rejects_bad_arguments_and_writes_nothing(path, kwargs, error, message):
    with pytest.raises(error, match=message):
        save(path, **kwargs)
    assert not path.exists()


def test_a_header_that_is_json_but_not_an_object_is_rejected(path):
    path.write_bytes(struct.pack("<Q", 2) + b"[]")
    with pytest.raises(CheckpointError, match="not a JSON object"):
        load(path)


def test_consistent_but_incomplete_tinygrad_entries_are_rejected(path):
    arrays = {"a": np.zeros(2)}
    header = {"tinygrad_rnn.format_version": "1"}   # no model_keys, no checksums
    header["tinygrad_rnn.header_sha256"] = serialization._header_sha256(arrays, header)
    safetensors.numpy.save_file(arrays, path, metadata=header)
    with pytest.raises(CheckpointError, match="tinygrad_rnn entries of the header are malformed"):
        load(path)


def test_a_plain_safetensors_file_has_no_optimizer_state(path):
    safetensors.numpy.save_file({"a": np.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not written by tinygrad_rnn.save"):
        load(path, optimizer=FakeOptimizer())


def test_a_file_from_a_newer_format_version_is_rejected(path):
    arrays = {"a": np.zeros(2)}
    header = {"tinygrad_rnn.format_version": str(serialization.FORMAT_VERSION + 1)}
    safetensors.numpy.save_file(arrays, path, metadata=header)
    with pytest.raises(CheckpointError, match="format version '2' is not supported"):
        load(path)
