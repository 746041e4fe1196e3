"""Layers built from the engine's ops: ``Module`` and its parameters, containers, layers,
initialisers (``tinygrad_rnn.nn.init``), activations and losses (also as functions in
``tinygrad_rnn.nn.functional``), the cell contract, the recurrent layers and ``nn.utils``
(clipping, packed sequences)."""

from . import functional, init
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .layers import Dropout, Embedding, Flatten, Identity, Linear, Sequential
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss, SmoothL1Loss)
from .module import IncompatibleKeys, Module, ModuleDict, ModuleList, Parameter
from .normalization import LayerNorm
from .parameter_list import ParameterList
from .cell import RecurrentCell
from .recurrent import Recurrent, detach_state, run_cell, scan
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from . import modules, utils

__all__ = [
    "Dropout", "Embedding", "IncompatibleKeys", "Linear", "Module", "ModuleDict", "ModuleList",
    "Parameter", "Sequential", "init", "RecurrentCell", "Recurrent", "detach_state", "run_cell", "scan",
    "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell",
    "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Tanh", "Flatten", "Identity",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss",
    "GELU", "HuberLoss", "KLDivLoss", "LayerNorm", "LeakyReLU", "ParameterList",
    "SmoothL1Loss", "Softplus", "modules",
]
