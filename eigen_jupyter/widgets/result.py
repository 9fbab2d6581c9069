"""``ResultView``: a finished job's result — counts histogram, outputs, run metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eigen_jupyter.widgets.convergence import convergence_svg
from eigen_jupyter.widgets.histogram import counts_svg
from eigen_jupyter.widgets.markup import escape, format_value, kv_table_html, mimebundle

__all__ = ["ResultView", "output_rows"]

_META_KEYS = ("device", "target", "shots", "seed", "noise_model", "method", "driver")


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
        """The metadata worth showing (device, shots, seed, ...) as rows."""
        meta = self.result.metadata or {}
        return [(k, format_value(meta[k])) for k in _META_KEYS if meta.get(k) is not None]

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
