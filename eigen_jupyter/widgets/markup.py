"""HTML and text building blocks shared by the widgets' live views and static reprs.

Everything here returns strings; values coming from programs or the engine are escaped.
The HTML uses inline styles only, so it renders the same in JupyterLab, nbconvert output and
sanitising renderers such as GitHub's.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "STATE_COLORS",
    "badge_html",
    "format_duration",
    "format_value",
    "img_html",
    "kv_table_html",
    "mimebundle",
    "table_html",
    "text_table",
]

STATE_COLORS: Mapping[str, str] = {
    "PENDING": "#6b7280",
    "COMPILING": "#7c3aed",
    "QUEUED": "#b45309",
    "RUNNING": "#1d4ed8",
    "DONE": "#15803d",
    "ERROR": "#b91c1c",
    "CANCELLED": "#4b5563",
}
"""Badge colour per job state (readable on light and dark themes)."""

_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid #d1d5db;"
_FONT = "font-family:var(--jp-ui-font-family, sans-serif);font-size:13px;"


def escape(value: object) -> str:
    """HTML-escape ``str(value)``."""
    return html.escape(str(value), quote=True)


def badge_html(state: str) -> str:
    """A coloured pill showing a job state."""
    color = STATE_COLORS.get(state, "#6b7280")
    return (f'<span style="background:{color};color:#fff;border-radius:9px;padding:1px 8px;'
            f'font-weight:600;font-size:12px;letter-spacing:0.03em">{escape(state)}</span>')


def format_duration(seconds: float | None) -> str:
    """``0.42 s``, ``12.3 s``, ``3 min 05 s``, ``1 h 02 min``; ``-`` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_value(value: Any, *, limit: int = 200) -> str:
    """A short, readable text form of a result value (floats to 6 significant digits)."""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, list | tuple) and all(isinstance(v, float) for v in value):
        text = "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_html(header: Sequence[str], rows: Iterable[Sequence[str]], *,
               raw_columns: Iterable[int] = ()) -> str:
    """An HTML table; cells are escaped except in ``raw_columns`` (already HTML)."""
    raw = set(raw_columns)
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td style="{_CELL}">{cell if i in raw else escape(cell)}</td>'
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return (f'<table style="border-collapse:collapse;{_FONT}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def kv_table_html(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column key/value table (values escaped)."""
    rows = "".join(
        f'<tr><th style="{_CELL}font-weight:600">{escape(k)}</th>'
        f'<td style="{_CELL}font-family:var(--jp-code-font-family, monospace)">{escape(v)}</td>'
        f"</tr>"
        for k, v in pairs
    )
    return f'<table style="border-collapse:collapse;{_FONT}"><tbody>{rows}</tbody></table>'


def text_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    all_rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in all_rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def img_html(png: bytes, alt: str) -> str:
    """An ``<img>`` with the PNG inline as a data URI (so static HTML needs no files)."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" '
            f'style="max-width:100%"/>')


def mimebundle(text: str, html_text: str, png: bytes | None = None, *,
               svg: str | None = None) -> dict[str, str]:
    """A display bundle with ``text/plain``, ``text/html`` and, if given, ``image/png``
    and ``image/svg+xml`` (the static image forms of a plot)."""
    bundle = {"text/plain": text, "text/html": f'<div style="{_FONT}">{html_text}</div>'}
    if png:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    if svg:
        bundle["image/svg+xml"] = svg
    return bundle
