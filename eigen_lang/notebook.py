"""Notebook utilities: importable in programs, meant for use outside them."""

from __future__ import annotations

from typing import Any

__all__ = ["get_program_ast", "visualize_circuit"]


def get_program_ast(source: str, **options: Any) -> dict[str, Any]:
    """Return the compiler's view of a program: the AQO document (compiled, never run).

    Raises:
        eigen_engine.errors.CompileError: the program does not compile.
    """
    from eigen_engine import compile_source

    return dict(compile_source(source, **options).aqo)


def visualize_circuit(program_or_aqo: Any, **options: Any) -> Any:
    """Draw the main circuit of a program (source text or AQO dict) with matplotlib.

    Returns:
        A matplotlib Figure (needs qiskit's drawer dependencies).
    """
    from qiskit import qasm3

    from eigen_engine import compile_source
    from eigen_engine.ir import circuit_from_aqo, to_qasm3

    if isinstance(program_or_aqo, str):
        qasm = compile_source(program_or_aqo).qasm
    else:
        qasm = to_qasm3(circuit_from_aqo(program_or_aqo))
    return qasm3.loads(qasm).draw(output="mpl", **options)
