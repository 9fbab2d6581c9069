"""``DiagnosticsReport``: compiler diagnostics rendered like a compiler, as text and HTML.

Each diagnostic shows ``file:line:col: severity CODE message``, the source line, a caret
under the column (with ``~`` to the end of the span on the same line) and the hint::

    cell:4:5: error E201 `while` loops are not allowed
        while True:
        ^~~~~~~~~~~
      hint: loop over a compile-time range instead: `for i in range(n):`

It is a display object, not an exception: the magics show it as cell output, never as a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eigen_jupyter.widgets.markup import escape

__all__ = ["DiagnosticsReport", "caret_line"]

_COLORS = {"error": "#b91c1c", "warning": "#b45309", "note": "#4b5563"}
_PRE = ("margin:2px 0;padding:6px 8px;border-left:3px solid {color};"
        "background:var(--jp-layout-color2, #f8f8f8);white-space:pre;overflow-x:auto;"
        "font-family:var(--jp-code-font-family, monospace);font-size:12px")


def caret_line(source_line: str, col: int, end_col: int | None = None) -> str:
    """The marker under ``source_line``: spaces (tabs kept) up to ``col``, ``^``, then ``~``
    up to ``end_col`` (exclusive, 1-based) when the span ends on this line."""
    col = max(col, 1)
    prefix = "".join("\t" if ch == "\t" else " " for ch in source_line[: col - 1])
    width = 1
    if end_col is not None and end_col > col:
        width = min(end_col, len(source_line) + 1) - col
    return prefix + "^" + "~" * max(width - 1, 0)


@dataclass(frozen=True, slots=True)
class _Item:
    severity: str
    code: str
    message: str
    line: int
    col: int
    end_line: int | None
    end_col: int | None
    hint: str | None


def _item(d: Any) -> _Item:
    severity = getattr(d, "severity", "error")
    return _Item(
        severity=str(getattr(severity, "value", severity)),
        code=str(getattr(d, "code", "") or ""),
        message=str(getattr(d, "message", d)),
        line=int(getattr(d, "line", 0) or 0),
        col=int(getattr(d, "col", 0) or 0),
        end_line=getattr(d, "end_line", None),
        end_col=getattr(d, "end_col", None),
        hint=getattr(d, "hint", None),
    )


class DiagnosticsReport:
    """Compiler diagnostics of one program, for display.

    Args:
        diagnostics: ``Diagnostic`` objects (anything with ``code``, ``message``, ``line``,
            ``col`` and optionally ``end_line``, ``end_col``, ``hint``, ``severity``).
        source: The program text, to quote the offending lines.
        filename: Shown in front of ``line:col`` (``cell`` for a notebook cell).
        line_offset: Added to every line number shown, e.g. 1 for a cell body that follows
            a ``%%eigen`` line, so numbers match what the editor shows.
        title: Headline; by default it counts errors and warnings.

    Example:
        >>> try:  # doctest: +SKIP
        ...     engine.compile(source)
        ... except CompileError as exc:
        ...     display(DiagnosticsReport(exc.diagnostics, source))
    """

    def __init__(self, diagnostics: Iterable[Any], source: str = "", *,
                 filename: str = "cell", line_offset: int = 0, title: str | None = None) -> None:
        self.items: tuple[_Item, ...] = tuple(_item(d) for d in diagnostics)
        self.source_lines: Sequence[str] = source.splitlines()
        self.filename = filename
        self.line_offset = line_offset
        self._title = title

    @property
    def errors(self) -> int:
        """Number of error diagnostics."""
        return sum(1 for i in self.items if i.severity == "error")

    @property
    def warnings(self) -> int:
        """Number of warning diagnostics."""
        return sum(1 for i in self.items if i.severity == "warning")

    @property
    def title(self) -> str:
        """The headline, e.g. ``2 errors, 1 warning``."""
        if self._title is not None:
            return self._title
        parts = []
        if self.errors:
            parts.append(f"{self.errors} error{'s' * (self.errors != 1)}")
        if self.warnings:
            parts.append(f"{self.warnings} warning{'s' * (self.warnings != 1)}")
        notes = len(self.items) - self.errors - self.warnings
        if notes:
            parts.append(f"{notes} note{'s' * (notes != 1)}")
        return ", ".join(parts) or "no problems found"

    def _blocks(self) -> list[tuple[_Item, str, list[str]]]:
        """Per diagnostic: the item, its headline, and the quoted lines (source, caret, hint)."""
        out = []
        for item in self.items:
            where = (f"{self.filename}:{item.line + self.line_offset}:{item.col}"
                     if item.line else self.filename)
            head = f"{where}: {item.severity} {item.code} {item.message}".replace("  ", " ")
            body: list[str] = []
            if 0 < item.line <= len(self.source_lines):
                text = self.source_lines[item.line - 1]
                end_col = item.end_col if item.end_line in (None, item.line) else len(text) + 1
                body.append("    " + text)
                if item.col:
                    body.append("    " + caret_line(text, item.col, end_col))
            if item.hint:
                body.append(f"  hint: {item.hint}")
            out.append((item, head, body))
        return out

    def __str__(self) -> str:
        lines = []
        for _, head, body in self._blocks():
            lines.append(head)
            lines.extend(body)
        lines.append(self.title)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        blocks = []
        for item, head, body in self._blocks():
            color = _COLORS.get(item.severity, "#4b5563")
            text = (f'<span style="color:{color};font-weight:600">{escape(head)}</span>'
                    + "".join("\n" + escape(b) for b in body))
            blocks.append(f'<pre style="{_PRE.format(color=color)}">{text}</pre>')
        color = _COLORS["error"] if self.errors else "#15803d"
        headline = f'<div style="color:{color};font-weight:600">{escape(self.title)}</div>'
        return f"<div>{''.join(blocks)}{headline}</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": str(self), "text/html": self._repr_html_()}

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __repr__(self) -> str:
        return f"DiagnosticsReport({self.title})"
