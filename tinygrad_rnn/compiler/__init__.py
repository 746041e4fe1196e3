"""The cell compiler: a cell's whole-sequence forward and backward, generated from its ``step``.

``trace`` records the step as a graph of the engine's Functions; ``lower`` plans the time
loop (what is hoisted before it, what each step does); ``codegen`` writes the plan as two
Numba kernels from the per-op rules (``rules``); ``cache`` keeps the generated modules on
disk; ``program`` compiles a cell's step once per kind of cell; ``sequence`` runs it as one
``Function``. The docs page "How your cell becomes a kernel" walks through it with the MGU.
"""

from .program import Program, compile_cell, why_not
from .sequence import GeneratedSequence, run
from .trace import CompileError

__all__ = ["CompileError", "GeneratedSequence", "Program", "compile_cell", "run", "why_not"]
