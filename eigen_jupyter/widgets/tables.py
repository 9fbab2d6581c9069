"""``DeviceTable`` and ``JobTable``: the engine's devices and jobs as HTML tables."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import Dict, List, observe

from eigen_jupyter.widgets.markup import (
    badge_html,
    format_duration,
    format_value,
    mimebundle,
    table_html,
    text_table,
)
from eigen_jupyter.widgets.static import StaticRepr

__all__ = ["DeviceTable", "JobTable", "as_dict"]


def as_dict(item: Any) -> dict[str, Any]:
    """A record as a plain dict: a mapping as is, else its ``to_dict()``."""
    if isinstance(item, Mapping):
        return dict(item)
    to_dict = getattr(item, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"expected a mapping or an object with to_dict(), got {item!r}")
    return dict(to_dict())


class DeviceTable(StaticRepr, widgets.HTML):
    """The devices jobs can target (``engine.devices()``), one row each.

    Example:
        >>> DeviceTable(engine.devices())  # doctest: +SKIP
    """

    devices = List(Dict(), help="Devices in DeviceInfo.to_dict() form (id, driver, num_qubits, "
                   "method, noise_model, status, queue_depth, description).")

    HEADER = ("target", "driver", "qubits", "method", "noise", "status", "queue", "description")

    def __init__(self, devices: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(devices=[as_dict(d) for d in devices], **kwargs)
        self._render()

    @observe("devices")
    def _on_change(self, change: Any) -> None:
        self._render()

    def rows(self) -> list[list[str]]:
        """The table's cells as text."""
        return [[str(d.get("id", "")), str(d.get("driver", "")), str(d.get("num_qubits", "")),
                 str(d.get("method", "")), str(d.get("noise_model") or "-"),
                 str(d.get("status", "")), str(d.get("queue_depth", 0)),
                 str(d.get("description", ""))] for d in self.devices]

    def _render(self) -> None:
        self.value = self._html()

    def _html(self) -> str:
        if not self.devices:
            return "<em>no devices</em>"
        return table_html(self.HEADER, self.rows())

    def static_bundle(self) -> dict[str, str]:
        """The table as HTML and as aligned text."""
        text = text_table(self.HEADER, self.rows()) if self.devices else "no devices"
        return mimebundle(text, self._html())

    def __repr__(self) -> str:
        return f"DeviceTable({len(self.devices)} devices)"


def _elapsed(job: Mapping[str, Any], now: float) -> float | None:
    created = job.get("created_at") or None
    if created is None:
        return None
    stamps = job.get("timestamps") or {}
    state = job.get("state", "")
    end = stamps.get(state) if state in ("DONE", "ERROR", "CANCELLED") else now
    return None if end is None else max(0.0, float(end) - float(created))


def _progress(job: Mapping[str, Any]) -> str:
    progress = job.get("progress") or {}
    if not progress.get("iteration"):
        return ""
    best = progress.get("best_value")
    best_text = "" if best is None else f", best {format_value(best)}"
    return f"it {progress['iteration']}{best_text}"


class JobTable(StaticRepr, widgets.HTML):
    """A list of jobs (``engine.jobs()``): id, name, state, target, shots, times, progress.

    Example:
        >>> JobTable(engine.jobs(limit=20))  # doctest: +SKIP
    """

    jobs = List(Dict(), help="Job records in JobRecord.to_dict() form, in display order.")

    HEADER = ("id", "name", "state", "target", "shots", "submitted", "elapsed", "progress",
              "error")

    def __init__(self, jobs: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(jobs=[as_dict(j) for j in jobs], **kwargs)
        self._render()

    @observe("jobs")
    def _on_change(self, change: Any) -> None:
        self._render()

    def rows(self) -> list[list[str]]:
        """The table's cells as text."""
        now = time.time()
        out = []
        for j in self.jobs:
            created = j.get("created_at")
            submitted = (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(created))
                         if created else "-")
            shots = j.get("shots")
            out.append([str(j.get("id", "")), str(j.get("name", "")), str(j.get("state", "")),
                        str(j.get("target", "")), "-" if shots is None else str(shots),
                        submitted, format_duration(_elapsed(j, now)), _progress(j),
                        format_value(j.get("error_message") or "", limit=80)])
        return out

    def _render(self) -> None:
        self.value = self._html()

    def _html(self) -> str:
        if not self.jobs:
            return "<em>no jobs</em>"
        rows = [[*r[:2], badge_html(r[2]), *r[3:]] for r in self.rows()]
        return table_html(self.HEADER, rows, raw_columns=(2,))

    def static_bundle(self) -> dict[str, str]:
        """The table as HTML and as aligned text."""
        text = text_table(self.HEADER, self.rows()) if self.jobs else "no jobs"
        return mimebundle(text, self._html())

    def __repr__(self) -> str:
        return f"JobTable({len(self.jobs)} jobs)"
