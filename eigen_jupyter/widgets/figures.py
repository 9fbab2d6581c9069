"""Matplotlib figures rendered straight to PNG bytes, without pyplot.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas of their own, so
drawing is safe from the widget pump thread and nothing is registered with pyplot (the
inline backend would otherwise display every figure again at the end of the cell).
Matplotlib is imported on first use only.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_png", "new_figure"]

DPI = 100


def new_figure(width: float = 6.4, height: float = 3.6) -> Figure:
    """Return an empty figure (inches) attached to its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, *, tight: bool = False) -> bytes:
    """Render ``fig`` to PNG bytes; ``tight`` crops the margins (for figures laid out by
    someone else, such as Qiskit's circuit drawer)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight" if tight else None)
    return buffer.getvalue()
