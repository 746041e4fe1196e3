"""An optimizer refuses, at load time and naming both classes, a state that another optimizer
class saved (it used to accept it and fail at the next step with ``KeyError: 'step'``)."""

import numpy as np
import pytest

from tinygrad_rnn import Tensor
from tinygrad_rnn.optim import SGD, Adagrad, Adam, AdamW


def stepped(make):
    w = Tensor(np.ones(3), requires_grad=True)
    optimizer = make([w])
    (w * w).sum().backward()
    optimizer.step()
    return optimizer


@pytest.mark.parametrize("saver, loader, saved_by", [
    (lambda p: SGD(p, lr=0.1), Adam, "SGD"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9), Adagrad, "SGD"),
    (Adam, Adagrad, "Adam or AdamW"),
    (Adagrad, SGD, "Adagrad"),
])
def test_another_classes_state_is_refused_naming_both(saver, loader, saved_by):
    target = stepped(lambda p: loader(p, lr=0.1))
    with pytest.raises(ValueError, match=rf"^{loader.__name__}.load_state_dict: the state was "
                                         rf"saved by {saved_by}, not {loader.__name__}: its options"):
        target.load_state_dict(stepped(saver).state_dict())


def test_adam_and_adamw_share_their_state_as_in_pytorch():
    adamw = stepped(lambda p: AdamW(p, lr=0.1))
    adamw.load_state_dict(stepped(Adam).state_dict())
    assert adamw.state_dict()["state"][0]["step"] == 1
