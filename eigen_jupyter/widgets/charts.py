"""SVG charts drawn as strings: a bar chart and a step/line plot, no matplotlib.

The live views redraw these on every update, so they must cost well under a millisecond;
the same SVG is the static image form (``image/svg+xml``, and inline in ``text/html``),
which JupyterLab, nbconvert and GitHub render. Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from eigen_jupyter.widgets.markup import escape

__all__ = ["bar_chart_svg", "line_chart_svg"]

_INK = "#374151"
_MUTED = "#6b7280"
_ACCENT = "#4f46e5"
_FONT = "font-family:var(--jp-ui-font-family, sans-serif)"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" style="max-width:100%;{_FONT}">'
            f"<title>{escape(title)}</title>"
            f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" font-size="13" '
            f'fill="{_INK}">{escape(title)}</text>{"".join(body)}</svg>')


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _tick(value: float) -> str:
    return f"{value:.4g}"


def bar_chart_svg(bars: Sequence[tuple[str, int]], *, title: str, x_label: str,
                  y_label: str = "counts") -> str:
    """A bar chart of ``(label, value)`` pairs, values written above the bars (≤ 16 bars)."""
    n = len(bars)
    width = int(max(320, min(960, 90 + 42 * n)))
    height, top, bottom, left, right = 280, 30, 62 if n > 8 else 48, 52, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, v in bars), default=0)
    step = _nice_step(peak * 1.12)
    y_max = step * math.ceil(peak * 1.12 / step) if peak else 1.0
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="{_MUTED}"/>']
    value = 0.0
    while value <= y_max + 1e-9:
        y = top + plot_h - plot_h * value / y_max
        body.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                    f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="10" '
                    f'text-anchor="end" fill="{_MUTED}">{_tick(value)}</text>')
        value += step
    slot = plot_w / max(n, 1)
    rotate = n > 8
    for i, (label, count) in enumerate(bars):
        x = left + slot * i + slot * 0.15
        h = plot_h * count / y_max
        y = top + plot_h - h
        cx = x + slot * 0.35
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{_ACCENT}"><title>{escape(label)}: {count}</title></rect>')
        if n <= 16:
            body.append(f'<text x="{cx:.1f}" y="{y - 3:.1f}" font-size="10" '
                        f'text-anchor="middle" fill="{_INK}">{count}</text>')
        ly = top + plot_h + 14
        anchor = (f'text-anchor="end" transform="rotate(-60 {cx:.1f} {ly:.1f})"' if rotate
                  else 'text-anchor="middle"')
        body.append(f'<text x="{cx:.1f}" y="{ly:.1f}" font-size="11" font-family="monospace" '
                    f'{anchor} fill="{_INK}">{escape(label)}</text>')
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="11" '
                f'text-anchor="middle" fill="{_MUTED}">{escape(x_label)}</text>'
                f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
                f'fill="{_MUTED}" transform="rotate(-90 12 {top + plot_h / 2:.1f})">'
                f"{escape(y_label)}</text>")
    return _svg(width, height, title, body)


def line_chart_svg(values: Sequence[tuple[float, float]], best: Sequence[tuple[float, float]],
                   *, title: str, x_label: str, y_label: str = "objective value",
                   empty: str = "waiting for the first evaluation") -> str:
    """Each value as a thin line with dots, the best value so far as a step line."""
    width, height, top, bottom, left, right = 640, 300, 30, 44, 64, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    points = [*values, *best]
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="{_MUTED}"/><line x1="{left}" y1="{top}" x2="{left}" '
            f'y2="{top + plot_h}" stroke="{_MUTED}"/>']
    if not points:
        body.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
                    f'font-size="12" text-anchor="middle" fill="{_MUTED}">{escape(empty)}</text>')
    else:
        x_lo, x_hi = min(p[0] for p in points), max(p[0] for p in points)
        y_lo, y_hi = min(p[1] for p in points), max(p[1] for p in points)
        pad = (y_hi - y_lo) * 0.08 or abs(y_hi) * 0.1 or 1.0
        y_lo, y_hi = y_lo - pad, y_hi + pad
        x_span = (x_hi - x_lo) or 1.0

        def sx(x: float) -> float:
            return left + plot_w * (x - x_lo) / x_span

        def sy(y: float) -> float:
            return top + plot_h - plot_h * (y - y_lo) / (y_hi - y_lo)

        for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
            yv = y_lo + (y_hi - y_lo) * frac
            xv = x_lo + x_span * frac
            body.append(f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" font-size="10" '
                        f'text-anchor="end" fill="{_MUTED}">{_tick(yv)}</text>'
                        f'<text x="{sx(xv):.1f}" y="{top + plot_h + 14}" font-size="10" '
                        f'text-anchor="middle" fill="{_MUTED}">{_tick(xv)}</text>')
        if values:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in values)
            body.append(f'<polyline points="{path}" fill="none" stroke="#9ca3af" '
                        f'stroke-width="0.8"/>')
            if len(values) <= 400:
                body += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="1.5" fill="#9ca3af"/>'
                         for x, y in values]
        if best:
            steps: list[str] = []
            for i, (x, y) in enumerate(best):
                if i:
                    steps.append(f"{sx(x):.1f},{sy(best[i - 1][1]):.1f}")
                steps.append(f"{sx(x):.1f},{sy(y):.1f}")
            body.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="{_ACCENT}" '
                        f'stroke-width="1.8"/>')
        legend = [("value", "#9ca3af")] if values else []
        legend += [("best so far", _ACCENT)] if best else []
        for i, (name, color) in enumerate(legend):
            y = top + 8 + 14 * i
            body.append(f'<line x1="{width - 110}" y1="{y}" x2="{width - 94}" y2="{y}" '
                        f'stroke="{color}" stroke-width="2"/><text x="{width - 90}" '
                        f'y="{y + 4}" font-size="10" fill="{_INK}">{name}</text>')
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="11" '
                f'text-anchor="middle" fill="{_MUTED}">{escape(x_label)}</text>'
                f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
                f'fill="{_MUTED}" transform="rotate(-90 14 {top + plot_h / 2:.1f})">'
                f"{escape(y_label)}</text>")
    return _svg(width, height, title, body)
