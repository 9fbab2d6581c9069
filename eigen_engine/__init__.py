"""Eigen engine: compile, schedule, run and store hybrid quantum-classical jobs.

Importing this package never imports qiskit, qiskit_aer or cirq (drivers load them lazily).
"""

from eigen_engine.compiler import CompiledProgram, compile_source
from eigen_engine.errors import CompileError, EigenError

__version__ = "0.1.0"

__all__ = ["CompileError", "CompiledProgram", "EigenError", "__version__", "compile_source"]
