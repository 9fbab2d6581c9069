"""Diagnostics: every problem the compiler finds, as data (code, message, span, hint)."""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["CODES", "Diagnostic", "Severity", "diagnostic_at"]


class Severity(enum.StrEnum):
    """How serious a diagnostic is."""

    ERROR = "error"  # the program does not compile
    WARNING = "warning"  # compiles, but the user should change something
    NOTE = "note"  # information (e.g. a block that is skipped)


CODES: Mapping[str, str] = MappingProxyType(
    {
        # E1xx: syntax and program structure
        "E100": "syntax error",
        "E101": "source is not valid UTF-8",
        "E102": "source contains a NUL byte",
        "E110": "no @hybrid_program entrypoint",
        "E111": "more than one @hybrid_program entrypoint",
        "E112": "statement not allowed here",
        "E113": "entrypoint input has no value",
        "E114": "entrypoint name does not match",
        # E2xx: forbidden constructs
        "E201": "while loop",
        "E202": "try statement",
        "E203": "with statement",
        "E204": "lambda",
        "E205": "class definition",
        "E206": "global statement",
        "E207": "nonlocal statement",
        "E208": "async or await",
        "E209": "yield",
        "E210": "del statement",
        "E211": "import inside a function",
        "E212": "star import",
        "E213": "decorator not allowed",
        "E214": "dunder name or attribute",
        "E215": "forbidden call",
        "E216": "condition depends on a run-time value",
        "E217": "set (unordered, not deterministic)",
        "E218": "match statement",
        "E219": "assert statement",
        "E220": "assignment expression (:=)",
        "E221": "raise statement",
        "E222": "unsupported syntax",
        # E3xx: names and imports
        "E301": "import of a module that is not allowed",
        "E302": "undefined name",
        "E303": "unknown attribute",
        "E304": "name not in eigen_lang",
        "E305": "reserved for a later version",
        # E4xx: types, arity and values
        "E401": "wrong arguments",
        "E402": "bad qubit or bit",
        "E403": "qubit used twice in one gate",
        "E404": "unsupported operation on these values",
        "E405": "run-time value used where a compile-time value is needed",
        "E406": "bad argument value",
        "E407": "arithmetic error",
        "E408": "index or key error",
        "E409": "parameter count mismatch",
        "E410": "unknown input",
        # E5xx: limits (RESOURCE_EXHAUSTED)
        "E501": "source too large",
        "E502": "nesting too deep",
        "E503": "out of fuel (program does too much work)",
        "E504": "too many operations",
        "E505": "sequence too large",
        "E506": "integer too large",
        "E507": "string too long",
        "E508": "inline depth exceeded (recursion)",
        "E509": "qubit index too large",
        # W: warnings and notes
        "W100": "`if __name__ == '__main__'` block skipped",
        "W101": "ambiguous measure() call",
        "W102": "placeholder argument",
        "W103": "unused value",
        "W301": "`Eigen_lang` import alias",
        "W302": "name used without import",
        "W303": "typing name used without import",
        "W304": "unknown JobSpec or compiler option",
    }
)
"""Every diagnostic code with a short title (the message says more)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of the compiler.

    Attributes:
        code: Stable code from :data:`CODES` (``E1xx`` structure, ``E2xx`` forbidden
            construct, ``E3xx`` names, ``E4xx`` types, ``E5xx`` limits, ``W`` warnings).
        message: A sentence naming the offending code.
        line: 1-based line (0 when the problem is not tied to a place).
        col: 1-based column.
        end_line: 1-based end line, if known.
        end_col: 1-based end column (exclusive), if known.
        hint: How to fix it, where a fix exists.
        severity: Error, warning or note.
    """

    code: str
    message: str
    line: int = 0
    col: int = 0
    end_line: int | None = None
    end_col: int | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")

    @property
    def is_error(self) -> bool:
        """True for errors (warnings and notes do not stop compilation)."""
        return self.severity is Severity.ERROR

    def format(self, filename: str = "<program>") -> str:
        """Return ``file:line:col: CODE message (hint)`` — the compiler-style one-liner."""
        text = f"{filename}:{self.line}:{self.col}: {self.code} {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (``None`` fields omitted)."""
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "line": self.line,
            "col": self.col,
        }
        if self.end_line is not None:
            out["end_line"] = self.end_line
            out["end_col"] = self.end_col
        if self.hint:
            out["hint"] = self.hint
        return out


def diagnostic_at(
    node: ast.AST | None,
    code: str,
    message: str,
    hint: str | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic placed at ``node``'s source span.

    The severity defaults to ERROR for ``E`` codes and WARNING for ``W`` codes.
    """
    if severity is None:
        severity = Severity.ERROR if code.startswith("E") else Severity.WARNING
    line = getattr(node, "lineno", 0) or 0
    col = (getattr(node, "col_offset", -1) or 0) + 1 if node is not None and line else 0
    end_line = getattr(node, "end_lineno", None)
    end_col_off = getattr(node, "end_col_offset", None)
    end_col = end_col_off + 1 if end_col_off is not None else None
    return Diagnostic(code, message, line, col, end_line, end_col, hint, severity)
