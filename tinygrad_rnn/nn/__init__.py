"""Layers built from the engine's ops: ``Module`` and its parameters, containers, layers,
initialisers (``tinygrad_rnn.nn.init``), the cell contract and the recurrent layers."""

from . import init
from .layers import Dropout, Embedding, Linear, Sequential
from .module import IncompatibleKeys, Module, ModuleDict, ModuleList, Parameter
from .cell import RecurrentCell
from .recurrent import Recurrent, detach_state, run_cell, scan
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = [
    "Dropout", "Embedding", "IncompatibleKeys", "Linear", "Module", "ModuleDict", "ModuleList",
    "Parameter", "Sequential", "init", "RecurrentCell", "Recurrent", "detach_state", "run_cell", "scan",
    "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell",
]
