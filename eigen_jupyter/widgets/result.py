"""``ResultView``: a finished job's result — counts histogram, outputs, run metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eigen_jupyter.widgets.convergence import convergence_svg
from eigen_jupyter.widgets.histogram import counts_svg
from eigen_jupyter.widgets.markup import escape, format_value, kv_table_html, mimebundle

__all__ = ["ResultView", "format_shots", "output_rows", "shots_used"]

_META_KEYS = ("device", "target", "shots", "seed", "noise_model", "method", "driver")


def shots_used(result: Any) -> tuple[int, ...]:
    """The shot counts a finished job sampled with, smallest first; ``()`` if it sampled none.

    A job's ``shots`` option is always set (a default), but only some jobs sample: a
    sampling job does; a hybrid job samples only in the plan nodes that ask for it (a
    ``sample``, a sweep of counts, an expectation value with shots) and evaluates the others
    exactly. Its result metadata summarises each node (``nodes``), with the shots it used
    (``None``: exact); a ``minimize`` node's are those of its objective's estimates.

    Args:
        result: A ``JobResult`` (``counts``, ``metadata``).
    """
    meta = result.metadata or {}
    nodes = meta.get("nodes")
    if isinstance(nodes, Mapping):
        used = {_shot_count(s.get("shots")) for s in nodes.values() if isinstance(s, Mapping)}
        return tuple(sorted(n for n in used if n))
    if not result.counts:
        return ()
    return (_shot_count(meta.get("shots")) or sum(result.counts.values()),)


def format_shots(shots: Sequence[int]) -> str:
    """``"1000 shots"``, ``"200, 1000 shots"``, or ``""`` for none."""
    return f"{', '.join(str(n) for n in shots)} shots" if shots else ""


def _shot_count(value: Any) -> int:
    """``value`` if it is a positive integer, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def output_rows(outputs: Any) -> list[tuple[str, str]]:
    """A program's outputs as (name, value) rows: one per key of a dict, else one row."""
    if outputs is None:
        return []
    if isinstance(outputs, Mapping):
        return [(str(k), format_value(v)) for k, v in outputs.items()]
    return [("output", format_value(outputs))]


class ResultView:
    """Static view of a ``JobResult``: the counts as a histogram, the outputs as a table.

    Args:
        result: A ``JobResult`` (``job_id``, ``counts``, ``outputs``, ``metadata``).
        title: Heading; defaults to the job id.
        history: Convergence points of a hybrid job (see
            :func:`~eigen_jupyter.widgets.convergence.read_iterations`), plotted when given.
    """

    def __init__(self, result: Any, *, title: str | None = None,
                 history: Sequence[Mapping[str, Any]] = ()) -> None:
        self.result = result
        self.title = title or f"Result of {result.job_id}"
        self.history = list(history)
        self._svg: str | None = None
        self._plot: str | None = None

    def histogram_svg(self) -> str | None:
        """The counts histogram as SVG, or ``None`` when the job has no counts."""
        if not self.result.counts:
            return None
        if self._svg is None:
            self._svg = counts_svg(self.result.counts, title=self.title)
        return self._svg

    def convergence_svg(self) -> str | None:
        """The convergence plot as SVG, or ``None`` without a history."""
        if not self.history:
            return None
        if self._plot is None:
            self._plot = convergence_svg(self.history, title="Convergence")
        return self._plot

    def metadata_rows(self) -> list[tuple[str, str]]:
        """The metadata worth showing (device, shots, seed, ...) as rows; shots only when
        the job sampled (see :func:`shots_used`)."""
        meta = self.result.metadata or {}
        rows = []
        for key in _META_KEYS:
            if key == "shots":  # not the job's shots option, which every job has
                value = ", ".join(str(n) for n in shots_used(self.result))
            else:
                value = "" if meta.get(key) is None else format_value(meta[key])
            if value:
                rows.append((key, value))
        return rows

    def __str__(self) -> str:
        lines = [self.title]
        counts = self.result.counts
        if counts:
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append("counts: " + ", ".join(f"{k}: {v}" for k, v in ranked[:16])
                         + (f", … ({len(ranked) - 16} more)" if len(ranked) > 16 else ""))
        lines += [f"{k}: {v}" for k, v in output_rows(self.result.outputs)]
        if self.history:
            lines.append(f"convergence: {len(self.history)} evaluations")
        lines += [f"{k}: {v}" for k, v in self.metadata_rows()]
        return "\n".join(lines)

    def static_bundle(self) -> dict[str, str]:
        """Text, HTML (plots inline as SVG, outputs and metadata tables) and the histogram
        (else the convergence plot) as SVG."""
        svg = self.histogram_svg()
        plot = self.convergence_svg()
        parts = [f'<div style="font-weight:600">{escape(self.title)}</div>']
        if plot:
            parts.append(plot)
        if svg:
            parts.append(svg)
        rows = output_rows(self.result.outputs)
        if rows:
            parts.append(kv_table_html(rows))
        meta = self.metadata_rows()
        if meta:
            parts.append(f'<div style="color:#6b7280;font-size:12px">'
                         f'{escape(", ".join(f"{k}={v}" for k, v in meta))}</div>')
        return mimebundle(str(self), "".join(parts), svg=svg or plot)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return self.static_bundle()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __repr__(self) -> str:
        return f"ResultView({self.result.job_id})"
