"""Whole objects, PyTorch's way: ``save(model, f)`` and ``load(f)`` rebuild the module tree
(and arrays, tensors, containers) without pickle; only tinygrad_rnn's classes, the
registered plugins' and allow-listed ones are rebuilt; damaged files are still refused."""

import io
import json
import os
import struct
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import safetensors.numpy

import tinygrad_rnn as tg
from tinygrad_rnn import nn, serialization
from tinygrad_rnn.serialization import CheckpointError, UntrustedClassError, load, save


class WordLM(nn.Module):
    """A user's language model: embedding, two LSTM layers, a decoder tied to the embedding."""

    def __init__(self, vocabulary=20, size=6):
        super().__init__()
        self.encoder = nn.Embedding(vocabulary, size)
        self.rnn = nn.LSTM(size, size, 2, dropout=0.2)
        self.drop = nn.Dropout(0.2)
        self.decoder = nn.Linear(size, vocabulary)
        self.decoder.weight = self.encoder.weight
        self.size = size

    def forward(self, tokens):
        output, _ = self.rnn(self.drop(self.encoder(tokens)))
        return self.decoder(self.drop(output))


TOKENS = np.array([[1, 2, 3], [4, 5, 19]])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.safetensors"


@pytest.fixture(autouse=True)
def empty_allow_list():
    serialization.clear_safe_globals()
    yield
    serialization.clear_safe_globals()


def round_trip(obj, **load_options):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer, **load_options)


def assert_same_module(original, rebuilt):
    assert type(rebuilt) is type(original) and rebuilt is not original
    assert repr(rebuilt) == repr(original)
    assert rebuilt.training == original.training
    for (name, p), (name2, q) in zip(original.named_parameters(), rebuilt.named_parameters(),
                                     strict=True):
        assert name == name2 and type(q) is type(p) and q.requires_grad == p.requires_grad
        np.testing.assert_array_equal(q.numpy(), p.numpy())
        assert q.dtype == p.dtype


# ---------------------------------------------------------------- round trips

def test_a_users_model_round_trips_through_a_path_once_allowed(path):
    model = WordLM().eval()
    save(model, path)
    with serialization.safe_globals([WordLM]):
        rebuilt = load(path)
    assert_same_module(model, rebuilt)
    assert rebuilt.size == 6 and not rebuilt.training
    np.testing.assert_array_equal(rebuilt(TOKENS).numpy(), model(TOKENS).numpy())
    assert rebuilt.decoder.weight is rebuilt.encoder.weight   # tied weights stay tied
    assert os.listdir(path.parent) == [path.name]             # atomic: no leftovers


def test_a_rebuilt_model_trains_like_the_original():
    serialization.add_safe_globals([WordLM])
    model = WordLM()
    rebuilt = round_trip(model)
    for m in (model, rebuilt):
        tg.manual_seed(3)
        m(TOKENS).sum().backward()
    for p, q in zip(model.parameters(), rebuilt.parameters(), strict=True):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: nn.Linear(3, 2),
    lambda: nn.Linear(3, 2, bias=False, dtype=np.float64),
    lambda: nn.Embedding(7, 3, padding_idx=2),
    lambda: nn.Dropout(0.3),
    lambda: nn.LSTM(3, 4, 2, dropout=0.2, proj_size=2),
    lambda: nn.GRU(3, 4, bidirectional=True, batch_first=True),
    lambda: nn.RNN(3, 4, nonlinearity="relu", dtype=np.float64),
    lambda: nn.LSTMCell(3, 4),
    lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Dropout(0.1), nn.Linear(4, 1)),
    lambda: nn.CrossEntropyLoss(weight=tg.tensor([1.0, 2.0]), ignore_index=0),
], ids=["linear", "linear-f64-nobias", "embedding", "dropout", "lstm", "gru-bi", "rnn-relu",
        "lstm-cell", "sequential", "loss"])
def test_tinygrad_rnns_own_modules_and_plugin_cells_load_by_themselves(make):
    module = make()
    assert_same_module(module, round_trip(module))


@pytest.mark.parametrize("layer", [nn.LSTM(3, 4, 2), nn.GRU(3, 4, bidirectional=True),
                                   nn.Recurrent("mgu", 3, 4)], ids=["lstm", "gru-bi", "mgu"])
def test_a_rebuilt_recurrent_layer_computes_the_same(layer):
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(round_trip(layer)(x)[0].numpy(), layer(x)[0].numpy())


def test_a_cell_registered_in_this_process_loads_by_itself():
    from tinygrad_rnn import plugins
    from tinygrad_rnn.nn.rnn import builtin
    from tinygrad_rnn.nn.recurrent import resolve_cell

    class Doubled(resolve_cell(builtin("rnn"))):
        pass

    plugins.register("doubled-for-save", Doubled)
    try:
        layer = nn.Recurrent("doubled-for-save", 3, 4)
        assert type(round_trip(layer).cells[0]) is Doubled
    finally:
        plugins.unregister("doubled-for-save")
    with pytest.raises(UntrustedClassError, match="Doubled"):
        round_trip(layer)


@pytest.mark.parametrize("array", [np.arange(6, dtype=np.int32).reshape(2, 3), np.float64(2.5) *
                                   np.ones((0, 3)), np.array(True), np.arange(10.0)[::3]],
                         ids=["int32", "empty", "0-d bool", "strided view"])
def test_an_array_loads_back_as_that_array(array):
    loaded = round_trip(array)
    assert type(loaded) is np.ndarray and loaded.dtype == array.dtype
    np.testing.assert_array_equal(loaded, array)


def test_tensors_and_nested_containers_round_trip():
    weight = nn.Parameter(np.ones((2, 2), np.float32))
    obj = {"model": nn.Linear(2, 1).state_dict(), "epoch": 3, "best": float("inf"),
           "history": [0.5, None, "text", (1, 2)], "tensor": tg.tensor([1, 2]),
           "pair": [weight, weight], "step": np.int64(7), 5: np.dtype("float32")}
    loaded = round_trip(obj)
    assert set(loaded) == set(obj) and loaded["epoch"] == 3 and loaded["best"] == float("inf")
    assert loaded["history"] == [0.5, None, "text", (1, 2)]
    assert loaded["step"] == 7 and type(loaded["step"]) is np.int64
    assert loaded[5] == np.float32
    assert loaded["tensor"].dtype == np.int64 and loaded["tensor"].tolist() == [1, 2]
    first, second = loaded["pair"]
    assert first is second and isinstance(first, nn.Parameter) and first.requires_grad
    np.testing.assert_array_equal(loaded["model"]["weight"], obj["model"]["weight"])


def test_a_whole_model_file_is_also_its_checkpoint(path):
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    save(model, path)
    assert set(safetensors.numpy.load_file(path)) == {"0.weight", "0.bias", "1.weight", "1.bias"}
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    load(path, fresh)
    np.testing.assert_array_equal(fresh[1].bias.numpy(), model[1].bias.numpy())


def test_pytorchs_load_arguments_are_accepted(path):
    save(nn.Linear(2, 2), path)
    assert isinstance(load(path, map_location="cpu", weights_only=True), nn.Linear)
    assert isinstance(load(path, "cpu"), nn.Linear)
    with pytest.raises(RuntimeError, match="load: map_location: device 'cuda:0' is not available"):
        load(path, map_location="cuda:0")


def test_serialization_is_reachable_as_pytorchs():
    assert tg.serialization.safe_globals is serialization.safe_globals
    assert tg.serialization.add_safe_globals is serialization.add_safe_globals


# ---------------------------------------------------------------- the allow-list

def test_another_class_is_refused_naming_it_and_the_allow_list_call(path):
    save(WordLM(), path)
    with pytest.raises(UntrustedClassError, match=(
            rf"^{path}: the file holds an object of class {__name__}.WordLM, which is not a "
            r"tinygrad_rnn class.*add_safe_globals\(\[WordLM\]\).*safe_globals\(\[WordLM\]\)")):
        load(path)


def test_safe_globals_allows_only_inside_its_block(path):
    save(WordLM(), path)
    with serialization.safe_globals([WordLM]):
        assert serialization.get_safe_globals() == [WordLM]
        load(path)
    assert serialization.get_safe_globals() == []
    with pytest.raises(UntrustedClassError):
        load(path)


def test_add_safe_globals_allows_until_cleared(path):
    save(WordLM(), path)
    serialization.add_safe_globals([WordLM])
    assert isinstance(load(path), WordLM)
    serialization.clear_safe_globals()
    with pytest.raises(UntrustedClassError):
        load(path)
    with pytest.raises(TypeError, match="expected classes"):
        serialization.add_safe_globals(["WordLM"])


def test_weights_only_false_trusts_the_classes_defined_here(path):
    save(WordLM(), path)
    assert isinstance(load(path, weights_only=False), WordLM)


class Settings:
    def __init__(self, rate):
        self.rate = rate


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.settings = Settings(0.5)
        self.activation = np.tanh


def test_save_names_an_attribute_it_cannot_store(path):
    with pytest.raises(TypeError, match=r"save: Holder.settings is a test_serialization_objects."
                                        r"Settings, .*add_safe_globals\(\[Settings\]\)"):
        save(Holder(), path)
    with serialization.safe_globals([Settings]), pytest.raises(
            TypeError, match=r"save: Holder.activation is a numpy.ufunc, .* code, not data"):
        save(Holder(), path)
    assert not path.exists()


def test_a_plain_object_is_stored_by_its_attributes_once_allowed(path):
    holder = Holder()
    del holder.activation
    with serialization.safe_globals([Holder, Settings]):
        save(holder, path)
        loaded = load(path)
    assert type(loaded.settings) is Settings and loaded.settings.rate == 0.5


# ---------------------------------------------------------------- hostile and damaged files

def write_object(path, tree, arrays=None):
    """A file as save writes it (checksums right), holding ``tree``: what a hostile writer
    can make."""
    arrays = arrays or {}
    header = {"tinygrad_rnn.format_version": "1", "tinygrad_rnn.model_keys": "[]",
              "tinygrad_rnn.object": json.dumps(tree),
              "tinygrad_rnn.checksums": json.dumps(
                  {name: serialization._array_sha256(a) for name, a in arrays.items()})}
    header["tinygrad_rnn.header_sha256"] = serialization._header_sha256(arrays, header)
    safetensors.numpy.save_file(arrays, path, metadata=header)


@pytest.mark.parametrize("name", ["os:system", "builtins:eval", "subprocess:Popen",
                                  "tinygrad_rnn.__main__:main", "tinygrad_rnn.nn:functional"])
def test_a_file_naming_any_other_callable_is_refused_and_nothing_is_imported(path, name):
    write_object(path, {"root": {"object": 0}, "tensors": [],
                        "objects": [{"class": name, "state": {"dict": []}}]})
    with pytest.raises(UntrustedClassError, match=f"^{path}: the file holds an object of class"):
        load(path)
    assert "tinygrad_rnn.__main__" not in sys.modules


def test_a_tinygrad_rnn_class_whose_module_is_not_imported_asks_for_the_import(path):
    write_object(path, {"root": {"object": 0}, "tensors": [], "objects": [
        {"class": "tinygrad_rnn.not_imported_here:Model", "state": {"dict": []}}]})
    with pytest.raises(UntrustedClassError, match=(
            r"whose module is not imported \(loading imports nothing the file names\): if you "
            r"trust the file, import tinygrad_rnn.not_imported_here first")):
        load(path)


@pytest.mark.parametrize("tree, message", [
    ({"root": {"tensor": 3}, "tensors": [], "objects": []}, "reference to row 3"),
    ({"root": {"pickle": "x"}, "tensors": [], "objects": []}, "unknown kind"),
    ({"root": {"scalar": ["O", 1]}, "tensors": [], "objects": []}, "not a number's"),
    ({"root": {"object": 0}, "tensors": [], "objects": [
        {"class": "tinygrad_rnn.nn.layers:Linear",
         "state": {"dict": [["_parameters", {"dict": [["weight", 1]]}]]}}]}, "_parameters"),
    ({"root": {"object": 0}, "tensors": [], "objects": [
        {"class": "tinygrad_rnn.nn.layers:Linear",
         "state": {"dict": [["__class__", 1]]}}]}, "not a dict of names"),
    ({"root": None}, "not {root, tensors, objects}"),
])
def test_a_malformed_object_is_a_checkpoint_error_naming_the_file(path, tree, message):
    write_object(path, tree)
    with pytest.raises(CheckpointError,
                       match=rf"^{path}: the saved object is malformed.*{message}"):
        load(path)


def test_a_flipped_bit_anywhere_in_a_model_files_header_is_rejected(path):
    save(nn.Linear(2, 1), path)
    original = path.read_bytes()
    (length,) = struct.unpack("<Q", original[:8])
    for offset in range(8, 8 + length, 3):
        damaged = bytearray(original)
        damaged[offset] ^= 1 << (offset % 8)
        path.write_bytes(bytes(damaged))
        with pytest.raises(CheckpointError):
            load(path)


@pytest.mark.parametrize("keep", [5, 100, -3])
def test_a_truncated_model_file_is_rejected(path, keep):
    save(WordLM(), path)
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(CheckpointError, match="truncated"):
        load(path)


def test_a_text_file_object_is_refused_clearly(path):
    save(nn.Linear(2, 1), path)
    with open(path, encoding="latin-1") as text, pytest.raises(TypeError, match="binary mode"):
        load(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.sampled_from(
        ["list", "tuple", "dict", "array", "tensor", "object", "float", "scalar", "dtype", "inf",
         "f4", "O", "tinygrad_rnn.nn.layers:Linear", "_parameters", "_modules", "training"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["list", "tuple", "dict", "array", "tensor", "object", "float", "scalar",
                         "dtype", "root", "tensors", "objects", "class", "state", "parameter",
                         "requires_grad"]), children, max_size=3),
    max_leaves=12)


@settings(deadline=None, max_examples=150)
@given(tree=JSON | st.fixed_dictionaries({"root": JSON, "tensors": JSON, "objects": JSON}))
def test_any_object_description_loads_or_is_a_checkpoint_error(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("hostile") / "model.safetensors"
    write_object(path, tree, {"a": np.arange(3.0)})
    try:
        load(path)
    except CheckpointError as error:
        assert str(error).startswith(f"{path}: ")


def test_save_of_an_object_takes_nothing_beside_it(path):
    with pytest.raises(TypeError, match=r"save\(obj, f\) stores obj alone; to save more, put it"):
        save(nn.Linear(2, 1), path, metadata={"epoch": 3})
    assert not path.exists()
