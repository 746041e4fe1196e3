"""Tied weights (Press & Wolf), as in PyTorch's word-level language model: the decoder's
weight is the encoder's. The state dict names the shared array under both names, loading
keeps the tie, and checkpoints cross between tinygrad_rnn and PyTorch strictly both ways."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.serialization import load, save

VOCABULARY, SIZE = 11, 6
# PyTorch's keys for this model (torch 2.x, RNNModel of examples/word_language_model with
# tie_weights=True), the order included.
TORCH_KEYS = ["encoder.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
              "rnn.bias_hh_l0", "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1",
              "rnn.bias_hh_l1", "decoder.weight", "decoder.bias"]


def tied_model(nn):
    """The tied word-level model, written once for either framework's ``nn``."""

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.2)
            self.encoder = nn.Embedding(VOCABULARY, SIZE)
            self.rnn = nn.LSTM(SIZE, SIZE, 2, dropout=0.2)
            self.decoder = nn.Linear(SIZE, VOCABULARY)
            self.decoder.weight = self.encoder.weight

        def forward(self, tokens, hidden):
            output, hidden = self.rnn(self.drop(self.encoder(tokens)), hidden)
            return self.decoder(self.drop(output)), hidden

    return RNNModel()


def test_the_tied_state_dict_names_the_shared_array_under_both_names():
    model = tied_model(tg.nn)
    state = model.state_dict()
    assert list(state) == TORCH_KEYS
    assert state["encoder.weight"] is state["decoder.weight"]
    assert len(list(model.parameters())) == len(TORCH_KEYS) - 1   # the shared one once
    assert model.decoder.weight is model.encoder.weight


def test_loading_keeps_the_tie_and_takes_the_values():
    source, target = tied_model(tg.nn), tied_model(tg.nn)
    assert target.load_state_dict(source.state_dict()) == ([], [])
    assert target.decoder.weight is target.encoder.weight
    for name, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], value)
    with pytest.raises(ValueError, match="missing key 'decoder.weight'"):
        target.load_state_dict({k: v for k, v in source.state_dict().items()
                                if k != "decoder.weight"})


def test_a_tied_checkpoint_round_trips_through_a_file(tmp_path):
    source, target = tied_model(tg.nn), tied_model(tg.nn)
    save(tmp_path / "tied.safetensors", model=source)
    checkpoint = load(tmp_path / "tied.safetensors", model=target)
    assert list(checkpoint) == TORCH_KEYS
    assert target.decoder.weight is target.encoder.weight
    np.testing.assert_array_equal(target.encoder.weight.array, source.encoder.weight.array)


def test_tied_state_dicts_load_strictly_across_frameworks_both_ways():
    torch = pytest.importorskip("torch", reason="PyTorch is needed to compare with it live")
    ours, theirs = tied_model(tg.nn), tied_model(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == TORCH_KEYS
    # PyTorch → tinygrad_rnn, strict.
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert ours.decoder.weight is ours.encoder.weight
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name], value.numpy())
    # tinygrad_rnn → PyTorch, strict, after a change on our side.
    ours.encoder.weight.array[...] += 1.0
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert theirs.decoder.weight is theirs.encoder.weight
    for name, value in ours.state_dict().items():
        np.testing.assert_array_equal(theirs.state_dict()[name].numpy(), value)
