"""The Eigen-Lang compiler: source -> ast -> checks -> static evaluation -> AQO (never executes)."""

from eigen_engine.compiler.diagnostics import CODES, Diagnostic, Severity
from eigen_engine.compiler.limits import DEFAULT_LIMITS, Limits
from eigen_engine.compiler.program import CompiledProgram, compile_source

__all__ = [
    "CODES",
    "DEFAULT_LIMITS",
    "CompiledProgram",
    "Diagnostic",
    "Limits",
    "Severity",
    "compile_source",
]
