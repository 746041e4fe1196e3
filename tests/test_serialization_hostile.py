"""Hostile and foreign checkpoint files: whatever the bytes, ``load`` fails only with a
``CheckpointError`` naming the file (and what is wrong), and says when it could not verify
what it read."""

import json
import struct

import numpy as np
import pytest
import safetensors.numpy

from tinygrad_rnn import serialization
from tinygrad_rnn.serialization import CheckpointError, load, save

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.safetensors"


def write_raw(path, header: bytes, data: bytes = b""):
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)


def test_a_header_nested_too_deeply_is_a_checkpoint_error_naming_the_file(path):
    write_raw(path, b'{"a": ' + DEEP.encode() + b"}")
    with pytest.raises(CheckpointError, match=rf"^{path}: the header's JSON is nested too deeply"):
        load(path)


def test_metadata_nested_too_deeply_is_a_checkpoint_error_naming_the_file(path):
    # A header whose checksums are right (as a hostile writer would make them) and whose user
    # metadata is nested deeper than Python's JSON reader follows.
    header = {"tinygrad_rnn.format_version": "1", "tinygrad_rnn.model_keys": "[]",
              "tinygrad_rnn.checksums": "{}", "tinygrad_rnn.metadata": DEEP}
    header["tinygrad_rnn.header_sha256"] = serialization._header_sha256({}, header)
    safetensors.numpy.save_file({}, path, metadata=header)
    with pytest.raises(CheckpointError, match=rf"^{path}: the tinygrad_rnn entries of the header "
                                              "are malformed \\(RecursionError"):
        load(path)


def test_saving_metadata_nested_too_deeply_is_a_value_error():
    nested = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(ValueError, match="save: metadata is nested too deeply for JSON"):
        save("never-written.safetensors", tensors={"a": np.zeros(1)}, metadata={"k": nested})


@pytest.mark.parametrize("dtype", ["BF16", "F8_E4M3"])
def test_an_array_of_a_dtype_numpy_lacks_is_named_with_its_dtype(path, dtype):
    header = {"w": {"dtype": dtype, "shape": [2], "data_offsets": [0, 4]}}
    write_raw(path, json.dumps(header).encode(), bytes(4))
    with pytest.raises(CheckpointError, match=rf"^{path}: array 'w' has dtype {dtype}, which NumPy "
                                              r"\(and so tinygrad_rnn\) cannot hold"):
        load(path)


def test_load_says_whether_it_verified_what_it_read(path, tmp_path):
    safetensors.numpy.save_file({"a": np.ones(2)}, path)
    plain = load(path)
    assert plain.verified is False and plain.model_state["a"].tolist() == [1, 1]
    ours = tmp_path / "ours.safetensors"
    save(ours, tensors={"a": np.ones(2)})
    assert load(ours).verified is True
