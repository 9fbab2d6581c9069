"""Human output of the ``eigen`` command: tables, count histograms, job summaries."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from eigen_engine.qrtx.records import JobRecord

__all__ = ["age", "counts_table", "job_line", "job_summary", "outputs_text", "table"]

_BAR = 40


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain left-aligned text table with a header rule."""
    cells = [[str(h) for h in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def counts_table(counts: Mapping[str, int], *, limit: int = 16) -> str:
    """Counts as a sorted table with probability bars (most frequent first)."""
    total = sum(counts.values()) or 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [
        (bits, n, f"{n / total:6.1%}", "#" * max(1, round(_BAR * n / total)) if n else "")
        for bits, n in ordered[:limit]
    ]
    text = table(("outcome", "count", "prob", ""), rows)
    if len(ordered) > limit:
        text += f"\n... {len(ordered) - limit} more outcomes (use --json for all)"
    return text


def outputs_text(outputs: Any) -> str:
    """What the program returned, as ``name: value`` lines (JSON for nested values)."""
    if isinstance(outputs, Mapping):
        return "\n".join(f"{k}: {_value(v)}" for k, v in outputs.items())
    return _value(outputs)


def age(created_at: float, now: float | None = None) -> str:
    """How long ago, compactly: ``12s``, ``5m``, ``3h``, ``2d``."""
    seconds = max(0.0, (time.time() if now is None else now) - created_at)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def progress_text(record: JobRecord) -> str:
    """``iter 12, best -5.8123, 37 evals`` for a hybrid job with progress, else ``""``."""
    p = record.progress
    if not p.evaluations:
        return ""
    best = "" if p.best_value is None else f", best {p.best_value:.6g}"
    return f"iter {p.iteration}{best}, {p.evaluations} evals"


def job_line(record: JobRecord) -> str:
    """One line about a job's state, for progress displays."""
    parts = [record.id, record.state.value]
    progress = progress_text(record)
    if progress:
        parts.append(progress)
    if record.error_message and record.is_terminal:
        parts.append(record.error_message)
    return "  ".join(parts)


def job_summary(record: JobRecord) -> str:
    """A multi-line description of a job record (``eigen status``)."""
    lines = [
        f"job       {record.id}",
        f"name      {record.name}",
        f"state     {record.state.value}",
        f"target    {record.target}",
        f"priority  {record.priority}",
        f"shots     {record.shots}",
        f"seed      {record.seed}",
        f"attempt   {record.attempt} of {record.max_attempts}",
    ]
    if record.owner:
        lines.append(f"owner     {record.owner}")
    progress = progress_text(record)
    if progress:
        lines.append(f"progress  {progress}")
    if record.error_message:
        code = record.error_code.value if record.error_code else ""
        lines.append(f"error     {code}: {record.error_message}")
    if record.dependencies:
        lines.append(f"depends   {', '.join(record.dependencies)}")
    start = record.created_at
    for state, stamp in record.timestamps.items():
        lines.append(f"  {state.value:<10} +{stamp - start:8.3f} s")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)
