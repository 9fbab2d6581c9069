"""``CountsHistogram``: measured counts as a bar chart (inline SVG; PNG on request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import Dict, Int, Unicode, observe

from eigen_jupyter.widgets.charts import bar_chart_svg
from eigen_jupyter.widgets.figures import figure_png, new_figure
from eigen_jupyter.widgets.markup import mimebundle
from eigen_jupyter.widgets.static import StaticRepr

__all__ = ["CountsHistogram", "counts_svg", "draw_counts", "top_counts"]

OTHER = "other"
X_LABEL = "measured bitstring (classical bit 0 rightmost)"


def top_counts(counts: Mapping[str, int], limit: int) -> list[tuple[str, int]]:
    """The bars to draw: every bitstring in order when there are at most ``limit``, else the
    ``limit - 1`` most frequent (in bitstring order) and one ``other`` bar for the rest."""
    items = sorted(counts.items())
    if len(items) <= limit:
        return items
    keep = sorted(sorted(items, key=lambda kv: (-kv[1], kv[0]))[: max(limit - 1, 1)])
    rest = sum(counts.values()) - sum(v for _, v in keep)
    return [*keep, (OTHER, rest)]


def _chart_title(counts: Mapping[str, int], title: str) -> str:
    return f"{title} ({sum(counts.values())} shots)" if counts else f"{title} (no data)"


def counts_svg(counts: Mapping[str, int], *, title: str = "Measurement counts",
               max_bars: int = 32) -> str:
    """A bar chart of ``counts`` as an SVG document (cheap: no matplotlib)."""
    return bar_chart_svg(top_counts(counts, max_bars), title=_chart_title(counts, title),
                         x_label=X_LABEL)


def draw_counts(counts: Mapping[str, int], *, title: str = "Measurement counts",
                max_bars: int = 32) -> bytes:
    """Draw a bar chart of ``counts`` with matplotlib and return it as PNG bytes (for
    callers that need a raster image; the widgets use :func:`counts_svg`)."""
    bars = top_counts(counts, max_bars)
    shots = sum(counts.values())
    fig = new_figure(max(4.0, min(12.0, 1.2 + 0.45 * len(bars))), 3.4)
    ax = fig.add_subplot()
    rects = ax.bar(range(len(bars)), [v for _, v in bars], color="#4f46e5", width=0.7)
    if len(bars) <= 16:
        ax.bar_label(rects, padding=2, fontsize=8)
    ax.set_xticks(range(len(bars)), [b for b, _ in bars],
                  rotation=0 if len(bars) <= 8 else 70, fontfamily="monospace", fontsize=9)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel("counts")
    ax.set_title(f"{title} ({shots} shots)" if bars else f"{title} (no data)")
    ax.margins(y=0.12)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


class CountsHistogram(StaticRepr, widgets.HTML):
    """Bar chart of measurement counts.

    Bitstrings use the Qiskit order (classical bit 0 is the rightmost character). The chart
    is an ``ipywidgets.HTML`` holding an inline SVG, redrawn whenever a field changes (a
    redraw costs well under a millisecond); the static form is the same SVG. A PNG is
    drawn only when asked for (:meth:`render_png`).

    Example:
        >>> CountsHistogram({"00": 507, "11": 517}, title="Bell pair")  # doctest: +SKIP
    """

    counts = Dict(help="Counts per bitstring, e.g. {'00': 507, '11': 517}.")
    title = Unicode("Measurement counts", help="Title above the bars.")
    max_bars = Int(32, min=2, help="Draw at most this many bars; rarer outcomes are summed "
                   "into one 'other' bar.")

    def __init__(self, counts: Mapping[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(counts=dict(counts or {}), **kwargs)
        self._render()

    @observe("counts", "title", "max_bars")
    def _on_change(self, change: Any) -> None:
        self._render()

    @property
    def shots(self) -> int:
        """Total number of samples."""
        return sum(self.counts.values())

    def _render(self) -> None:
        self.value = self.render_svg() if self.counts else ""

    def render_svg(self) -> str:
        """The chart as an SVG document."""
        return counts_svg(self.counts, title=self.title, max_bars=self.max_bars)

    def render_png(self) -> bytes:
        """Draw the chart with matplotlib and return it as PNG bytes."""
        return draw_counts(self.counts, title=self.title, max_bars=self.max_bars)

    def describe(self) -> str:
        """The counts as one line of text, most frequent first."""
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{k}: {v}" for k, v in ranked[:16])
        more = f", … ({len(ranked) - 16} more)" if len(ranked) > 16 else ""
        return f"{self.title} ({self.shots} shots): {shown or 'no data'}{more}"

    def static_bundle(self) -> dict[str, str]:
        """SVG of the chart, HTML with the chart inline, and the counts as text."""
        svg = self.value or self.render_svg()
        return mimebundle(self.describe(), svg, svg=svg)

    def __repr__(self) -> str:
        return f"CountsHistogram({self.describe()})"
