"""``torch.nn.modules.container``'s classes."""

from ..layers import Sequential
from ..module import ModuleDict, ModuleList
from ..parameter_list import ParameterList

__all__ = ["ModuleDict", "ModuleList", "ParameterList", "Sequential"]
