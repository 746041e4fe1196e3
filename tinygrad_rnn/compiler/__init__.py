"""The cell compiler: a cell's whole-sequence forward and backward, generated from its ``step``.

``trace`` records the step as a graph of the engine's Functions; ``lower`` plans the time
loop (what is hoisted before it, what each step does); ``codegen`` writes the plan as two
Numba kernels from the per-op rules (``rules``); ``cache`` keeps the generated modules on
disk; ``sequence`` runs them as one ``Function``. The docs page "How your cell becomes a
kernel" walks through it with the MGU.
"""

from .sequence import GeneratedSequence, Program, compile_cell, run, why_not
from .trace import CompileError

__all__ = ["CompileError", "GeneratedSequence", "Program", "compile_cell", "run", "why_not"]
