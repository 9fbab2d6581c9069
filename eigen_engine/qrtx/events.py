"""Job events: what subscribers (CLI watch, widgets, WebSocket, side panel) are told."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from eigen_engine.qrtx.records import JobRecord

__all__ = ["EVENT_SCHEMA_VERSION", "PROGRESS_INTERVAL_S", "EventHub", "JobEvent"]

EVENT_SCHEMA_VERSION = 1
"""Version of the :meth:`JobEvent.to_dict` payload; bumped on incompatible changes."""

PROGRESS_INTERVAL_S = 0.1
"""Progress events of one job are at least this far apart (at most 10 per second)."""

_log = logging.getLogger(__name__)

EventKind = Literal["state", "progress"]


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One change of one job.

    Attributes:
        kind: ``"state"`` when the job entered a new state, ``"progress"`` when a running
            hybrid job reported iterations.
        job: The job record after the change.
        time: When the event was published, seconds since the epoch.
        seq: Position in this engine's event stream (increasing, starts at 1).
    """

    kind: EventKind
    job: JobRecord
    time: float
    seq: int

    def to_dict(self) -> dict[str, Any]:
        """Return the versioned JSON payload sent to the WebSocket and the event bus."""
        return {
            "schema_version": EVENT_SCHEMA_VERSION,
            "type": f"job.{self.kind}",
            "job": self.job.to_dict(),
            "time": self.time,
            "seq": self.seq,
        }


Subscriber = Callable[[JobEvent], None]


class EventHub:
    """Fans job events out to subscribers, with progress events rate-limited per job.

    Subscribers are called on the publishing thread (an engine thread), one event at a time
    in ``seq`` order; they must return quickly (hand the event to a queue or an event loop).
    A subscriber that raises is logged and kept. State events are never dropped.
    A progress event that comes less than :data:`PROGRESS_INTERVAL_S` after the previous one
    of the same job is dropped: the next state event carries the final progress anyway.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, Subscriber] = {}
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._last_progress: dict[str, float] = {}
        self._delivering = threading.RLock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every future event; return a function that stops it."""
        with self._lock:
            token = next(self._ids)
            self._subscribers[token] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(token, None)

        return unsubscribe

    def publish_state(self, record: JobRecord) -> None:
        """Announce that ``record`` entered ``record.state``."""
        if record.is_terminal:
            with self._lock:
                self._last_progress.pop(record.id, None)
        self._publish("state", record)

    def publish_progress(self, record: JobRecord, *, now: float | None = None) -> bool:
        """Announce a job's progress unless one was announced too recently; return whether sent."""
        stamp = time.monotonic() if now is None else now
        with self._lock:
            last = self._last_progress.get(record.id)
            if last is not None and stamp - last < PROGRESS_INTERVAL_S:
                return False
            self._last_progress[record.id] = stamp
        self._publish("progress", record)
        return True

    def stream(
        self, job_id: str | None = None, *, timeout: float | None = None
    ) -> Iterator[JobEvent]:
        """Yield events (of one job, or all) as they come.

        The subscription starts when this is called (not at the first ``next()``), so a
        caller may create the stream, submit, then iterate without missing events. Ends after
        ``timeout`` seconds without an event, or, for one job, after its terminal state
        event. Closing the iterator unsubscribes.
        """
        inbox: queue.SimpleQueue[JobEvent] = queue.SimpleQueue()

        def deliver(event: JobEvent) -> None:
            if job_id is None or event.job.id == job_id:
                inbox.put(event)

        unsubscribe = self.subscribe(deliver)
        return _drain(inbox, unsubscribe, job_id, timeout)

    def _publish(self, kind: EventKind, record: JobRecord) -> None:
        # One delivery at a time, so every subscriber sees events in ``seq`` order even when
        # several threads publish; re-entrant so a subscriber may itself cause an event.
        with self._delivering:
            with self._lock:
                event = JobEvent(kind, record, time.time(), next(self._seq))
                subscribers = list(self._subscribers.values())
            for callback in subscribers:
                try:
                    callback(event)
                except Exception:
                    _log.exception("job event subscriber %r failed", callback)


def _drain(
    inbox: queue.SimpleQueue[JobEvent],
    unsubscribe: Callable[[], None],
    job_id: str | None,
    timeout: float | None,
) -> Iterator[JobEvent]:
    try:
        while True:
            try:
                event = inbox.get(timeout=timeout)
            except queue.Empty:
                return
            yield event
            if job_id is not None and event.kind == "state" and event.job.is_terminal:
                return
    finally:
        unsubscribe()
