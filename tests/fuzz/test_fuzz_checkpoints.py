"""Fuzzing ``save`` and ``load``: any state dict and JSON metadata round-trip exactly (or
``save`` refuses them with a documented error), and whatever happens to the file's bytes
afterwards (a flipped bit, a cut, overwritten or appended bytes, or no checkpoint at all),
``load`` either returns exactly what was saved or raises a ``CheckpointError`` naming the
file."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn.serialization import CheckpointError, load, save

from contract import DOCUMENTED, FUZZ, outcome

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int8, np.bool_]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10)


@st.composite
def state_dicts(draw):
    names = draw(st.lists(st.text(min_size=1, max_size=6), max_size=4, unique=True))
    return {name: draw(hnp.arrays(draw(st.sampled_from(DTYPES)),
                                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
            for name in names}


def assert_identical(loaded, tensors, metadata):
    assert loaded.model_state.keys() == tensors.keys()
    for name, array in tensors.items():
        got = loaded.model_state[name]
        assert got.dtype == array.dtype and got.shape == array.shape
        np.testing.assert_array_equal(got, array)
    assert loaded.metadata == metadata and loaded.verified


@FUZZ
@given(tensors=state_dicts(), metadata=st.dictionaries(st.text(max_size=4), JSON, max_size=3))
def test_any_state_dict_and_metadata_round_trip_or_are_refused(tmp_path_factory, tensors, metadata):
    path = tmp_path_factory.mktemp("round") / "checkpoint.safetensors"
    saved = outcome(lambda: save(path, tensors=tensors, metadata=metadata))
    if isinstance(saved, Exception):
        assert isinstance(saved, DOCUMENTED) and str(saved).startswith("save:"), repr(saved)
        return
    assert_identical(load(path), tensors, metadata)


MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 7)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("overwrite"), st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("append"), st.just(0), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("replace"), st.just(0), st.binary(max_size=64)),
)


def mutate(data: bytes, mutation) -> bytes:
    kind, at, extra = mutation
    at = at % max(len(data), 1)
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << extra)]) + data[at + 1:]
    if kind == "cut":
        return data[:at]
    if kind == "overwrite":
        return data[:at] + extra + data[at + len(extra):]
    return data + extra if kind == "append" else extra


@FUZZ
@given(mutation=MUTATIONS, metadata=st.dictionaries(st.text(max_size=4), JSON, max_size=2))
def test_a_damaged_file_loads_exactly_or_is_a_checkpoint_error_naming_it(tmp_path_factory,
                                                                         mutation, metadata):
    path = tmp_path_factory.mktemp("damaged") / "checkpoint.safetensors"
    tensors = {"weight": np.arange(6.0).reshape(2, 3), "step": np.array(3)}
    save(path, tensors=tensors, metadata=metadata)
    path.write_bytes(mutate(path.read_bytes(), mutation))
    loaded = outcome(lambda: load(path))
    if isinstance(loaded, Exception):
        assert isinstance(loaded, CheckpointError), repr(loaded)
        assert str(loaded).startswith(str(path)), str(loaded)
        return
    assert_identical(loaded, tensors, metadata)
