"""Exceptions that unwind the interpreter: an error, ``return``, ``break`` and ``continue``."""

from __future__ import annotations

from typing import Any

from eigen_engine.compiler.diagnostics import Diagnostic

__all__ = ["BreakSignal", "ContinueSignal", "EvalError", "ReturnSignal"]


class EvalError(Exception):
    """Evaluation stopped at a problem; ``diagnostic`` says which."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class ReturnSignal(Exception):
    """A ``return`` on its way to the call that inlined the function; carries ``value``."""

    def __init__(self, value: Any) -> None:
        self.value = value


class BreakSignal(Exception):
    """A ``break`` on its way to the enclosing ``for`` loop."""


class ContinueSignal(Exception):
    """A ``continue`` on its way to the enclosing ``for`` loop."""
