"""``nn.functional``, the loss and activation modules, ``nn.utils.rnn`` and packed input to
the recurrent layers against PyTorch run live, on the same float64 inputs. Skipped where
PyTorch is not installed; the torch-free counterparts are the declarations in
``tests/test_functional.py`` and the golden checks in ``test_packed_sequence.py``."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is needed to compare with it live")

import tinygrad_rnn as tg  # noqa: E402
import tinygrad_rnn.nn.functional as F  # noqa: E402
from tinygrad_rnn import Tensor  # noqa: E402

TF = torch.nn.functional
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 2, 5))
TARGET = rng.integers(0, 4, (3, 2, 5))
TARGET[0, 0, :2] = -1
P = 1 / (1 + np.exp(-X))
LABELS = (rng.random(X.shape) > 0.5).astype(np.float64)
W = rng.uniform(0.5, 2.0, 4)


def both(ours, theirs, *arrays, grad=True):
    """The value and the input gradients of sum(out * weights) in both frameworks."""
    ts = [Tensor(a, requires_grad=grad) for a in arrays]
    ps = [torch.tensor(a, requires_grad=grad) for a in arrays]
    y, z = ours(*ts), theirs(*ps)
    np.testing.assert_allclose(y.array, z.detach().numpy(), rtol=1e-10, atol=1e-12)
    if grad:
        g = np.random.default_rng(1).standard_normal(y.shape)
        (y * Tensor(g)).sum().backward()
        (z * torch.tensor(g)).sum().backward()
        for t, p in zip(ts, ps):
            np.testing.assert_allclose(t.grad.array, p.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_pytorch(reduction):
    kw = {"reduction": reduction}
    t, tt = TARGET, torch.tensor(TARGET)
    both(lambda x: F.cross_entropy(x, t, weight=W, ignore_index=-1, **kw),
         lambda x: TF.cross_entropy(x, tt, weight=torch.tensor(W), ignore_index=-1, **kw), X)
    both(lambda x: F.cross_entropy(x, t, weight=W, ignore_index=-1, label_smoothing=0.3, **kw),
         lambda x: TF.cross_entropy(x, tt, weight=torch.tensor(W), ignore_index=-1,
                                    label_smoothing=0.3, **kw), X)
    both(lambda x: F.cross_entropy(x, t, ignore_index=-1, label_smoothing=0.1, **kw),
         lambda x: TF.cross_entropy(x, tt, ignore_index=-1, label_smoothing=0.1, **kw), X)
    both(lambda x: F.nll_loss(F.log_softmax(x, 1), t, ignore_index=-1, **kw),
         lambda x: TF.nll_loss(TF.log_softmax(x, 1), tt, ignore_index=-1, **kw), X)
    both(lambda x, y: F.mse_loss(x, y, **kw), lambda x, y: TF.mse_loss(x, y, **kw), X, P)
    both(lambda x, y: F.l1_loss(x, y, **kw), lambda x, y: TF.l1_loss(x, y, **kw), X, P)
    both(lambda p: F.binary_cross_entropy(p, Tensor(LABELS), **kw),
         lambda p: TF.binary_cross_entropy(p, torch.tensor(LABELS), **kw), P)
    both(lambda x: F.binary_cross_entropy_with_logits(
            x, Tensor(LABELS), weight=P, pos_weight=np.full(5, 2.5), **kw),
         lambda x: TF.binary_cross_entropy_with_logits(
            x, torch.tensor(LABELS), weight=torch.tensor(P), pos_weight=torch.full((5,), 2.5), **kw),
         X)


def test_modules_match_pytorch():
    pairs = [(tg.nn.CrossEntropyLoss(ignore_index=-1), torch.nn.CrossEntropyLoss(ignore_index=-1)),
             (tg.nn.NLLLoss(ignore_index=-1, reduction="sum"),
              torch.nn.NLLLoss(ignore_index=-1, reduction="sum"))]
    for ours, theirs in pairs:
        both(lambda x: ours(x, TARGET), lambda x: theirs(x, torch.tensor(TARGET)), X)
    for ours, theirs in [(tg.nn.MSELoss(), torch.nn.MSELoss()), (tg.nn.L1Loss(), torch.nn.L1Loss()),
                         (tg.nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss())]:
        both(lambda x: ours(x, Tensor(P)), lambda x: theirs(x, torch.tensor(P)), X)
    for name, args in [("ReLU", ()), ("Tanh", ()), ("Sigmoid", ()), ("Softmax", (1,)),
                       ("LogSoftmax", (-1,)), ("Identity", ()), ("Flatten", ()), ("Flatten", (0, 2))]:
        both(getattr(tg.nn, name)(*args), getattr(torch.nn, name)(*args), X)


@pytest.mark.parametrize("mode, pad", [("constant", (1, 2, 0, 1)), ("constant", (-1, 2)),
                                       ("reflect", (2, 1)), ("replicate", (1, 3, 2, 0)),
                                       ("circular", (2, 1))])
def test_pad_matches_pytorch(mode, pad):
    x = X[0] if mode in ("reflect", "circular") else X   # PyTorch's shape rules for these modes
    value = {"value": 0.5} if mode == "constant" else {}
    both(lambda a: F.pad(a, pad, mode, **value), lambda a: TF.pad(a, pad, mode, **value), x)


def test_functional_rest_matches_pytorch():
    both(lambda x: F.softmax(x, dim=2), lambda x: TF.softmax(x, dim=2), X)
    both(lambda x: F.relu(x), lambda x: TF.relu(x), X)
    w = rng.standard_normal((6, 5))
    both(lambda x, w, b: F.linear(x, w, b), lambda x, w, b: TF.linear(x, w, b), X, w, w[:, 0])
    both(lambda w: F.embedding(TARGET.clip(0), w, padding_idx=1),
         lambda w: TF.embedding(torch.tensor(TARGET.clip(0)), w, padding_idx=1), w)
    np.testing.assert_array_equal(F.one_hot(TARGET.clip(0)).array,
                                  TF.one_hot(torch.tensor(TARGET.clip(0))).numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_pytorch(batch_first, side):
    sequences = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    both(lambda *xs: tg.nn.utils.rnn.pad_sequence(xs, batch_first, -1.0, side),
         lambda *xs: torch.nn.utils.rnn.pad_sequence(xs, batch_first, -1.0, side), *sequences)


LENGTHS = [[3, 5, 2, 5], [5, 3, 3, 1]]   # ties; the second one sorted


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_matches_pytorch(lengths, batch_first):
    enforce_sorted = lengths == sorted(lengths, reverse=True)
    x = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2))
    ours = tg.nn.utils.rnn.pack_padded_sequence(Tensor(x), lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths),
                                                     batch_first, enforce_sorted)
    np.testing.assert_array_equal(ours.data.array, theirs.data.numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for field in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(ours, field), getattr(theirs, field)
        assert (a is None and b is None) or a.tolist() == b.tolist()
    padded, got = tg.nn.utils.rnn.pad_packed_sequence(ours, batch_first, -2.0, total_length=6)
    expected, want = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, -2.0, 6)
    np.testing.assert_array_equal(padded.array, expected.numpy())
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("lengths", LENGTHS)
def test_packed_lstm_matches_pytorch_with_hn_in_batch_order(lengths):
    enforce_sorted = lengths == sorted(lengths, reverse=True)
    tg.manual_seed(0)
    ours = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    theirs = torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((5, 4, 2))
    h0 = rng.standard_normal((4, 4, 3))
    out, (h, c) = ours(tg.nn.utils.rnn.pack_padded_sequence(Tensor(x), lengths,
                                                            enforce_sorted=enforce_sorted),
                       (Tensor(h0), Tensor(h0)))
    tout, (th, tc) = theirs(torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), torch.tensor(lengths), enforce_sorted=enforce_sorted),
        (torch.tensor(h0), torch.tensor(h0)))
    np.testing.assert_allclose(out.data.array, tout.data.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(h.array, th.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(c.array, tc.detach().numpy(), rtol=1e-10)
