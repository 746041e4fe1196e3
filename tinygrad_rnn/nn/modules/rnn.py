"""``torch.nn.modules.rnn``'s classes (``RNNBase`` is the common base,
:class:`~tinygrad_rnn.nn.Recurrent`)."""

from ..recurrent import Recurrent as RNNBase
from ..rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell"]
