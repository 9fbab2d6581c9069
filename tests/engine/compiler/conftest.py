"""Fixtures for the compiler's safety and behaviour suites (hostile, fuzz, language, diagnostics).

Programs in these suites are mostly written as the *body* of an entrypoint or as module-level
text; the ``eigen`` fixture wraps them into complete programs, compiles them and picks the
diagnostics apart, so each test states only what it is about. (Tests run with
``--import-mode=importlib``, so helpers are handed out as fixtures, not imported.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eigen_engine import compile_source
from eigen_engine.compiler import CompiledProgram, Diagnostic
from eigen_engine.errors import CompileError

IMPORTS = (
    "import math\n"
    "import numpy as np\n"
    "from eigen_lang import (\n"
    "    hybrid_program, quantum_circuit, ansatz, cost_function,\n"
    "    QubitRegister, ClassicalRegister, Param, Params,\n"
    "    h, x, y, z, s, sdg, t, tdg, sx, rx, ry, rz, p, u, cx, cnot, cy, cz, ch, swap,\n"
    "    crx, cry, crz, cp, rxx, ryy, rzz, ccx, cswap, reset, barrier, measure, measure_all,\n"
    "    Observable, I, X, Y, Z, ExpectationValue, minimize, sample, sweep,\n"
    "    create_hea_ansatz, create_qaoa_ansatz, create_ising_model_hamiltonian,\n"
    "    create_maxcut_hamiltonian,\n"
    ")\n"
)
"""The import block every wrapped program starts with (all of Eigen-Lang, numpy, math)."""


@dataclass(frozen=True, slots=True)
class Program:
    """A complete program text and the 1-based lines its snippet occupies."""

    source: str
    lines: range


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


class Eigen:
    """Build, compile and inspect programs (the ``eigen`` fixture)."""

    imports = IMPORTS

    @staticmethod
    def wrap(snippet: str, *, where: str = "body", params: str = "",
             decorator: str = "@hybrid_program()", main_guard: str = "",
             first_stmt: str = "h(0)") -> Program:
        """Build a complete program around ``snippet``.

        Args:
            snippet: Statements, not indented.
            where: ``"body"`` puts them inside the entrypoint (after ``first_stmt``),
                ``"module"`` at module level before it.
            params: The entrypoint's parameter list.
            decorator: The entrypoint's decorator line.
            main_guard: Statements for an ``if __name__ == "__main__":`` block at the end.
            first_stmt: The entrypoint's first statement.
        """
        snippet = snippet.strip("\n") + "\n"
        entry = f"{decorator}\ndef main({params}):\n    {first_stmt}\n"
        if where == "module":
            first = IMPORTS.count("\n") + 1
            text = IMPORTS + snippet
            last = text.count("\n")
            text += entry
        elif where == "body":
            head = IMPORTS + entry
            first = head.count("\n") + 1
            text = head + _indent(snippet, "    ")
            last = text.count("\n")
        else:
            raise ValueError(f"where must be 'body' or 'module', not {where!r}")
        if main_guard:
            text += ('if __name__ == "__main__":\n'
                     + _indent(main_guard.strip("\n") + "\n", "    "))
        return Program(text, range(first, last + 1))

    @staticmethod
    def compile(source: str | bytes, **options: Any) -> CompiledProgram:
        """Compile a complete program (it must compile)."""
        return compile_source(source, **options)

    def body(self, snippet: str, *, params: str = "", decorator: str = "@hybrid_program()",
             first_stmt: str = "h(0)", module: str = "", **options: Any) -> CompiledProgram:
        """Compile ``snippet`` as the entrypoint's body (it must compile).

        ``module`` is inserted at module level, between the imports and the entrypoint.
        """
        source = self.wrap(snippet, params=params, decorator=decorator,
                           first_stmt=first_stmt).source
        if module:
            source = source.replace(decorator + "\n", module.strip("\n") + "\n\n"
                                    + decorator + "\n", 1)
        return compile_source(source, **options)

    @staticmethod
    def fail(source: str | bytes, **options: Any) -> CompileError:
        """Compile a complete program that must be rejected; return the CompileError."""
        with pytest.raises(CompileError) as info:
            compile_source(source, **options)
        return info.value

    def fail_body(self, snippet: str, *, where: str = "body", params: str = "",
                  decorator: str = "@hybrid_program()", **options: Any) -> CompileError:
        """Compile ``snippet`` wrapped by :meth:`wrap`; it must be rejected."""
        return self.fail(self.wrap(snippet, where=where, params=params,
                                   decorator=decorator).source, **options)

    @staticmethod
    def plain(expr: Any) -> Any:
        """Decode the output template's ``{"$dict": [[k, v], ...]}`` into plain dicts."""
        if isinstance(expr, dict) and set(expr) == {"$dict"}:
            return {k: Eigen.plain(v) for k, v in expr["$dict"]}
        if isinstance(expr, list):
            return [Eigen.plain(v) for v in expr]
        return expr

    def outputs(self, prog: CompiledProgram) -> Any:
        """The program's output template, with ``$dict`` decoded."""
        return self.plain(prog.aqo["annotations"]["outputs"])

    @staticmethod
    def codes(exc: CompileError) -> set[str]:
        """The codes of the error diagnostics of a rejected program."""
        return {d.code for d in exc.diagnostics if d.is_error}

    @staticmethod
    def codes_in(exc: CompileError, lines: Iterable[int]) -> set[str]:
        """Error codes reported on ``lines``, or on no line at all (whole-source problems)."""
        wanted = set(lines)
        return {d.code for d in exc.diagnostics
                if d.is_error and (d.line == 0 or d.line in wanted)}

    @staticmethod
    def first_error(exc: CompileError) -> Diagnostic:
        """The first error diagnostic, in source order."""
        return next(d for d in exc.diagnostics if d.is_error)

    @staticmethod
    def warnings(prog: CompiledProgram) -> list[str]:
        """Sorted codes of a compiled program's warnings and notes."""
        return sorted(d.code for d in prog.diagnostics)

    @staticmethod
    def ops(prog: CompiledProgram, circuit: str | None = None) -> list[tuple[Any, ...]]:
        """``(op, qubits, params)`` of the main circuit or of ``annotations.circuits[id]``."""
        raw = (prog.aqo["operations"] if circuit is None
               else prog.aqo["annotations"]["circuits"][circuit]["operations"])
        return [(o["op"], tuple(o["q"]), tuple((o.get("params") or {}).values()))
                for o in raw]


@pytest.fixture(scope="session")
def eigen() -> Eigen:
    """Program builders and compile helpers (see :class:`Eigen`)."""
    return Eigen()


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A file hostile programs try to create; it must never exist."""
    return tmp_path / "CANARY"
