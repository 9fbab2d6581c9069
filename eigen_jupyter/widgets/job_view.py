"""``JobView``: one job, live — state badge, elapsed time, optimizer progress, result.

Engine events arrive on engine threads (the scheduler, a WebSocket reader). The view never
touches a widget from those threads: the event callback only appends to an inbox and wakes
the view's *pump*, one daemon thread per live view, which applies what has arrived — at most
ten times a second, coalescing bursts — and is the only thread that changes the widgets
after construction (``refresh()`` from the kernel's thread takes the same lock). The pump
also ticks once a second to advance the elapsed time, and reads the job's record when no
event came, so a job run by another process sharing the engine home still moves on.

Comm messages from the pump carry the kernel's current parent header (ipykernel falls back
to the shell's context in user threads): while ``%%eigen submit --wait`` blocks, that is the
submitting cell; afterwards, whichever cell runs. That keeps late updates visible to
headless runners such as nbclient, which only read messages of the running cell. New
outputs are never displayed from the pump; it only updates the view's own display (by its
display id) once the job has finished, so saved notebooks hold the final static state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from traitlets import Float, Int, Tuple, Unicode, UseEnum, observe

from eigen_engine.qrtx.states import TERMINAL, JobState
from eigen_jupyter.widgets.convergence import ConvergencePlot, read_iterations
from eigen_jupyter.widgets.histogram import CountsHistogram
from eigen_jupyter.widgets.markup import (
    badge_html,
    escape,
    format_duration,
    format_value,
    kv_table_html,
    mimebundle,
)
from eigen_jupyter.widgets.result import format_shots, output_rows, shots_used
from eigen_jupyter.widgets.static import StaticRepr

__all__ = ["JobView"]

_log = logging.getLogger(__name__)

UPDATE_INTERVAL_S = 0.1
"""Shortest time between two applied updates (at most ten per second)."""
PLOT_INTERVAL_S = 0.5
"""Shortest time between two redraws of the live convergence plot."""
TICK_S = 1.0
"""The pump wakes at least this often to advance the elapsed time."""

_HIDDEN = "none"


class JobView(StaticRepr, widgets.VBox):
    """A live view of one job.

    Shows the state badge (PENDING → COMPILING → QUEUED → RUNNING → DONE / ERROR /
    CANCELLED), the elapsed time, for hybrid jobs the iteration, the best value and a
    convergence plot that grows while the optimizer runs, and once the job is DONE its
    counts histogram and outputs. A Cancel button works while the kernel is idle (widget
    messages are not processed while a cell runs: interrupt the cell instead).

    Args:
        engine: An ``Engine`` or ``RemoteEngine``.
        job_id: The job to show.
        live: Follow engine events until the job finishes (``False``: a snapshot).

    Example:
        >>> view = JobView(engine, job.id)  # doctest: +SKIP
        >>> view.show()  # doctest: +SKIP
    """

    job_id = Unicode(help="Id of the job shown.")
    name = Unicode(help="The job's display name.")
    target = Unicode(help="The device the job runs on.")
    state = UseEnum(JobState, default_value=JobState.PENDING,
                    help="The job's state as last applied to the view.")
    elapsed = Float(0.0, help="Seconds from submission to now, or to the end once finished.")
    iteration = Int(0, help="Optimizer iterations completed (hybrid jobs).")
    evaluations = Int(0, help="Objective evaluations done (hybrid jobs).")
    best_value = Float(None, allow_none=True, help="Best objective value so far (hybrid jobs).")
    error_message = Unicode(help="Why the job failed or was cancelled.")
    shots = Tuple(help="Shot counts the job sampled with, read from its result once it is "
                       "DONE; empty while it runs and for a job that does not sample.")

    _batch = False  # set while a record is applied: the header is rendered once, at the end

    def __init__(self, engine: Any, job_id: str, *, live: bool = True, **kwargs: Any) -> None:
        # What close() needs comes first: ipywidgets closes a widget that is collected, and
        # that may be one whose __init__ failed part way.
        self._lock = threading.RLock()
        self._inbox: list[Any] = []
        self._wake = threading.Event()
        self._stopped = False
        self._unsubscribe: Callable[[], None] | None = None
        self.header = widgets.HTML()
        self.convergence = ConvergencePlot(x_label="iteration", title="Convergence (live)",
                                           layout=widgets.Layout(display=_HIDDEN))
        self.histogram = CountsHistogram(layout=widgets.Layout(display=_HIDDEN))
        self.outputs = widgets.HTML(layout=widgets.Layout(display=_HIDDEN))
        self.cancel_button = widgets.Button(description="Cancel", icon="stop",
                                            tooltip="Cancel this job",
                                            layout=widgets.Layout(width="auto"))
        super().__init__(children=[self.header, self.cancel_button, self.convergence,
                                   self.histogram, self.outputs], job_id=job_id, **kwargs)
        self._engine = engine
        self._finishing = False  # set once, by whichever thread finishes the view
        self._final = threading.Event()  # set when the final state is shown
        self._created_at = 0.0
        self._finished_at: float | None = None
        self._points: list[dict[str, Any]] = []
        self._last_plot = 0.0
        self._outputs_rows: list[tuple[str, str]] = []
        self._display: Any = None
        self._thread: threading.Thread | None = None
        self.cancel_button.on_click(self._on_cancel_click)
        if live:  # before reading the record, so no event falls in between
            self._unsubscribe = engine.subscribe(self._on_event)
        try:
            record = engine.status(job_id)
        except BaseException:
            self._stop_following()
            raise
        with self._lock:
            self._apply(record)
        if record.is_terminal:
            self._finish(record)
        elif live:
            self._thread = threading.Thread(target=self._pump, name=f"eigen-jobview-{job_id}",
                                            daemon=True)
            self._thread.start()

    # -- display ------------------------------------------------------------------------------

    def show(self) -> None:
        """Display the view in the current cell; its output is refreshed with the final
        static state when the job finishes (for saved notebooks and nbconvert)."""
        from IPython.display import display

        self._display = display(self, display_id=True)

    @property
    def finished(self) -> bool:
        """Whether the job has finished and the view shows its final state."""
        return self._final.is_set()

    # -- engine events (engine threads) -------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        if event.job.id != self.job_id:
            return
        with self._lock:
            self._inbox.append(event)
        self._wake.set()

    # -- the pump (its own thread) --------------------------------------------------------------

    def _pump(self) -> None:
        try:
            while not self._stopped and not self._finishing:
                woken = self._wake.wait(TICK_S)
                self._wake.clear()
                if self._stopped:
                    break
                self._step(poll=not woken)
                time.sleep(UPDATE_INTERVAL_S)  # coalesce what arrives meanwhile
        except Exception as exc:
            _log.exception("job view of %s stopped", self.job_id)
            self._show_problem(f"live updates stopped: {exc}")
        finally:
            self._stop_following()

    def _step(self, *, poll: bool) -> None:
        with self._lock:
            events, self._inbox = self._inbox, []
        record = events[-1].job if events else None
        if record is None and poll:
            record = self._engine.status(self.job_id)
        with self._lock:
            for event in events:
                self._note_progress(event.job)
            if record is not None:
                self._apply(record)
            else:
                self._tick()
            self._flush_plot()
        if record is not None and record.is_terminal:
            self._finish(record)

    def refresh(self, record: Any = None) -> None:
        """Apply the job's record (and its result, if it has finished).

        Args:
            record: A ``JobRecord`` of this job the caller just read (e.g. the one
                ``engine.wait()`` returned), saving a round trip; default: read it now.
        """
        if record is None:
            record = self._engine.status(self.job_id)
        elif record.id != self.job_id:
            raise ValueError(f"record of job {record.id} given to the view of {self.job_id}")
        with self._lock:
            self._note_progress(record)
            self._apply(record)
            self._flush_plot(force=True)
        if record.is_terminal:
            self._finish(record)

    def close(self) -> None:
        """Stop following the job and close the widgets."""
        self._stopped = True
        self._wake.set()
        self._stop_following()
        for name in ("header", "cancel_button", "convergence", "histogram", "outputs"):
            child = getattr(self, name, None)  # (absent if __init__ failed before it)
            if child is not None:
                child.close()
        super().close()

    # -- applying records (under self._lock) ------------------------------------------------------

    def _apply(self, record: Any) -> None:
        if self.state in TERMINAL and not record.is_terminal:
            return  # a late, older record: a finished job never goes back
        self._created_at = record.created_at or self._created_at
        self._finished_at = record.finished_at
        self._batch = True
        try:
            self.name = record.name
            self.target = record.target
            self.state = record.state
            self.iteration = record.progress.iteration
            self.evaluations = record.progress.evaluations
            self.best_value = record.progress.best_value
            self.error_message = record.error_message or ""
            self.elapsed = self._elapsed_now()
        finally:
            self._batch = False
        self._render_header()

    def _tick(self) -> None:
        if self.state not in TERMINAL:
            self.elapsed = self._elapsed_now()

    def _elapsed_now(self) -> float:
        if not self._created_at:
            return 0.0
        end = self._finished_at if self._finished_at is not None else time.time()
        return max(0.0, end - self._created_at)

    def _note_progress(self, record: Any) -> None:
        progress = record.progress
        if progress.best_value is None or not progress.iteration:
            return
        if self._points and self._points[-1]["x"] >= progress.iteration:
            return
        self._points.append({"x": progress.iteration, "value": None,
                             "best_value": progress.best_value})

    def _flush_plot(self, *, force: bool = False) -> None:
        if self._finishing or len(self._points) == len(self.convergence.history):
            return
        now = time.monotonic()
        if not force and now - self._last_plot < PLOT_INTERVAL_S:
            return
        self._last_plot = now
        self.convergence.history = list(self._points)
        self.convergence.layout.display = None

    @observe("state", "elapsed", "iteration", "evaluations", "best_value", "error_message",
             "shots")
    def _on_field_change(self, change: Any) -> None:
        if not self._batch:
            self._render_header()

    def _render_header(self) -> None:
        self.header.value = self._header_html()
        if self.state in TERMINAL:
            self.cancel_button.layout.display = _HIDDEN

    def _facts(self) -> list[str]:
        # The record's shots are a default every job has: shown only once the result says
        # the job sampled (an exact sweep or VQE uses none).
        facts = [f"target {self.target}" if self.target else "", format_shots(self.shots),
                 f"elapsed {format_duration(self.elapsed)}"]
        if self.iteration or self.evaluations:
            best = "" if self.best_value is None else f", best {format_value(self.best_value)}"
            facts.append(f"iteration {self.iteration} ({self.evaluations} evaluations){best}")
        return [f for f in facts if f]

    def _header_html(self) -> str:
        title = (f'<b>{escape(self.name or "job")}</b> '
                 f'<code style="font-size:12px">{escape(self.job_id)}</code>')
        facts = " · ".join(escape(f) for f in self._facts())
        message = ""
        if self.error_message:
            color = "#b91c1c" if self.state is JobState.ERROR else "#4b5563"
            message = (f'<div style="color:{color};margin-top:2px">'
                       f"{escape(self.error_message)}</div>")
        return (f'<div style="font-family:var(--jp-ui-font-family, sans-serif);font-size:13px">'
                f"{badge_html(self.state.value)} {title}"
                f'<div style="color:#6b7280;margin-top:2px">{facts}</div>{message}</div>')

    # -- finishing ------------------------------------------------------------------------------

    def _finish(self, record: Any) -> None:
        with self._lock:
            if self._finishing:
                return
            self._finishing = True
            self._apply(record)
            try:
                if record.state is JobState.DONE:
                    self._load_result()
                    self._load_history(record)
            except Exception as exc:  # the job finished; only its result could not be read
                _log.warning("could not load the result of %s: %s", self.job_id, exc)
                self._show_problem(f"the job finished, but its result could not be read: {exc}")
            # Still under the lock: a refresh() from the kernel's thread returns only once the
            # final state is published, so it lands in the cell that waited for it.
            if self._display is not None:
                self._display.update(self)
            self._final.set()
        self._stop_following()

    def _load_result(self) -> None:
        result = self._engine.result(self.job_id)
        self.shots = shots_used(result)
        if result.counts:
            self.histogram.title = f"Counts of {self.name or self.job_id}"
            self.histogram.counts = dict(result.counts)
            self.histogram.layout.display = None
        self._outputs_rows = output_rows(result.outputs)
        if self._outputs_rows:
            self.outputs.value = kv_table_html(self._outputs_rows)
            self.outputs.layout.display = None

    def _load_history(self, record: Any) -> None:
        # Only hybrid jobs report optimizer progress or write iterations.jsonl: a sampling
        # job skips the artifact listing (a round trip to a remote engine).
        hybrid = bool(self._points or record.progress.evaluations or record.progress.iteration)
        if not hybrid or "iterations.jsonl" not in self._engine.artifacts(self.job_id):
            if self._points:
                self.convergence.title = "Convergence"
                self.convergence.history = list(self._points)
            return
        points = read_iterations(self._engine.artifact(self.job_id, "iterations.jsonl"))
        if points:
            self.convergence.x_label = "evaluation"
            self.convergence.title = "Convergence"
            self.convergence.history = points
            self.convergence.layout.display = None

    def _show_problem(self, message: str) -> None:
        with self._lock:
            self.outputs.value = f'<div style="color:#b91c1c">{escape(message)}</div>'
            self.outputs.layout.display = None

    def _stop_following(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    def _on_cancel_click(self, button: Any) -> None:
        try:
            self._engine.cancel(self.job_id)
        except Exception as exc:  # e.g. it finished meanwhile: say so in the view
            self._show_problem(str(exc))
        self._wake.set()

    # -- static form ----------------------------------------------------------------------------

    def static_bundle(self) -> dict[str, str]:
        """The job's current state as text, as HTML (badge, facts, plots inline as SVG,
        outputs) and, when there is one, the histogram (else the convergence plot) as SVG."""
        with self._lock:
            lines = [f"Job {self.job_id} ({self.name or '-'}): {self.state.value}",
                     " · ".join(self._facts())]
            if self.error_message:
                lines.append(self.error_message)
            parts = [self._header_html()]
            svg = None
            if self.convergence.history:
                lines.append(self.convergence.describe())
                svg = self.convergence.value or self.convergence.render_svg()
                parts.append(svg)
            if self.histogram.counts:
                lines.append(self.histogram.describe())
                svg = self.histogram.value or self.histogram.render_svg()
                parts.append(svg)
            if self._outputs_rows:
                lines += [f"{k}: {v}" for k, v in self._outputs_rows]
                parts.append(kv_table_html(self._outputs_rows))
            return mimebundle("\n".join(lines), "".join(parts), svg=svg)

    def __repr__(self) -> str:
        return f"JobView({self.job_id}, {self.state.value})"
