"""``ConvergencePlot``: an optimizer's objective value over its evaluations or iterations."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
from traitlets import Dict, List, Unicode, observe

from eigen_jupyter.widgets.charts import line_chart_svg
from eigen_jupyter.widgets.figures import figure_png, new_figure
from eigen_jupyter.widgets.markup import format_value, mimebundle
from eigen_jupyter.widgets.static import StaticRepr

__all__ = ["ConvergencePlot", "convergence_svg", "draw_convergence", "read_iterations"]


def read_iterations(data: bytes | str) -> list[dict[str, Any]]:
    """Parse an ``iterations.jsonl`` artifact into plot points ``{"x", "value", "best_value"}``.

    Each line is one objective evaluation (``index``, ``iteration``, ``parameters``,
    ``value``, ``best_value``, ``time``). Blank or malformed lines are skipped: the file of
    a job that is still running may end in a partial line.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    points: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        value, best = _finite(row.get("value")), _finite(row.get("best_value"))
        if value is None and best is None:
            continue
        x = row.get("index", len(points))
        points.append({"x": int(x) if isinstance(x, int | float) else len(points),
                       "value": value, "best_value": best if best is not None else value})
    return points


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _best(history: Sequence[Mapping[str, Any]]) -> float | None:
    for point in reversed(history):
        if point.get("best_value") is not None:
            return float(point["best_value"])
    return None


def _title(history: Sequence[Mapping[str, Any]], title: str) -> str:
    last = _best(history)
    return title if last is None else f"{title} (best {last:.6g})"


def convergence_svg(history: Sequence[Mapping[str, Any]], *, x_label: str = "evaluation",
                    title: str = "Convergence") -> str:
    """Each point's value (thin) and the best value so far (step line) as an SVG document
    (cheap: no matplotlib)."""
    values = [(float(p["x"]), float(p["value"])) for p in history if p.get("value") is not None]
    best = [(float(p["x"]), float(p["best_value"])) for p in history
            if p.get("best_value") is not None]
    return line_chart_svg(values, best, title=_title(history, title), x_label=x_label)


def draw_convergence(history: Sequence[Mapping[str, Any]], *, x_label: str = "evaluation",
                     title: str = "Convergence") -> bytes:
    """Plot each point's value (thin) and the best value so far (step line) with matplotlib;
    return PNG (for callers that need a raster image; the widgets use SVG)."""
    fig = new_figure(6.4, 3.4)
    ax = fig.add_subplot()
    values = [(p["x"], p["value"]) for p in history if p.get("value") is not None]
    best = [(p["x"], p["best_value"]) for p in history if p.get("best_value") is not None]
    if values:
        ax.plot([x for x, _ in values], [v for _, v in values], color="#9ca3af",
                linewidth=0.8, marker=".", markersize=3, label="value")
    if best:
        ax.step([x for x, _ in best], [b for _, b in best], where="post", color="#4f46e5",
                linewidth=1.8, label="best so far")
    if values or best:
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "waiting for the first evaluation", ha="center", va="center",
                transform=ax.transAxes, color="#6b7280")
    ax.set_xlabel(x_label)
    ax.set_ylabel("objective value")
    last = _best(history)
    ax.set_title(title if last is None else f"{title} (best {last:.6g})")
    ax.spines[["top", "right"]].set_visible(False)
    return figure_png(fig)


class ConvergencePlot(StaticRepr, widgets.HTML):
    """Line plot of an optimization: each evaluation's value and the best value so far.

    Live, from progress events, only the best value per iteration is known; once the job is
    finished the full history comes from its ``iterations.jsonl`` artifact. The plot is an
    inline SVG (an ``ipywidgets.HTML``), also its static form; :meth:`render_png` draws a
    PNG on request.

    Example:
        >>> plot = ConvergencePlot(x_label="iteration")  # doctest: +SKIP
        >>> plot.append(1, best_value=-0.5)  # doctest: +SKIP
    """

    history = List(Dict(), help="Points {'x': number, 'value': float | None, 'best_value': "
                   "float | None}, in x order.")
    x_label = Unicode("evaluation", help="What the x axis counts (evaluation or iteration).")
    title = Unicode("Convergence", help="Title above the plot.")

    def __init__(self, history: Iterable[Mapping[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(history=[dict(p) for p in history], **kwargs)
        self._render()

    @observe("history", "x_label", "title")
    def _on_change(self, change: Any) -> None:
        self._render()

    def append(self, x: float, best_value: float | None, value: float | None = None) -> None:
        """Add one point (a new list is assigned, so the change is synced)."""
        self.history = [*self.history, {"x": x, "value": value, "best_value": best_value}]

    @property
    def best_value(self) -> float | None:
        """The last best value, or ``None`` without data."""
        return _best(self.history)

    def _render(self) -> None:
        self.value = self.render_svg() if self.history else ""

    def render_svg(self) -> str:
        """The plot as an SVG document."""
        return convergence_svg(self.history, x_label=self.x_label, title=self.title)

    def render_png(self) -> bytes:
        """Draw the plot with matplotlib and return it as PNG bytes."""
        return draw_convergence(self.history, x_label=self.x_label, title=self.title)

    def describe(self) -> str:
        """One line: how many points and the best value."""
        last = self.best_value
        best = "no data yet" if last is None else f"best value {format_value(last)}"
        return f"{self.title}: {len(self.history)} {self.x_label}s, {best}"

    def static_bundle(self) -> dict[str, str]:
        """SVG of the plot, HTML with the plot inline, and a one-line summary."""
        svg = self.value or self.render_svg()
        return mimebundle(self.describe(), svg, svg=svg)

    def __repr__(self) -> str:
        return f"ConvergencePlot({self.describe()})"
