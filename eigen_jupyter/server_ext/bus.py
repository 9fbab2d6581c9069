"""The server side of job events: from the engine's thread to the event loop and out.

The engine calls its subscribers on an engine thread; :meth:`JobBus.deliver` hops onto the
event loop (in order: ``call_soon_threadsafe`` is FIFO) and :meth:`JobBus.publish` then fans
each event out to the Prometheus metrics, Jupyter's event bus (``serverapp.event_logger``,
schema ``job/v1``), every open ``events`` WebSocket, and requests long-polling for a job to
finish. Events are not replayed: a client loads state over REST first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from eigen_engine.qrtx.states import JobState
from eigen_jupyter.server_ext import metrics

if TYPE_CHECKING:
    from jupyter_events.logger import EventLogger

    from eigen_engine.qrtx.events import JobEvent
    from eigen_engine.qrtx.records import JobRecord

__all__ = ["JOB_EVENT_SCHEMA", "JOB_EVENT_SCHEMA_ID", "JobBus"]

JOB_EVENT_SCHEMA_ID: Final = "https://events.eigen-jupyter.dev/eigen_jupyter/job/v1"
"""``$id`` of the job-update schema registered with Jupyter's event bus."""

JOB_EVENT_SCHEMA: Final = Path(__file__).parent / "schemas" / "job" / "v1.yaml"

_REFRESH_DELAY_S: Final = 0.25  # coalesce bursts of state changes into one store count

Listener = Callable[["JobEvent"], None]


class JobBus:
    """Fans job events out on the event loop.

    Args:
        loop: The server's event loop.
        event_logger: Jupyter's event logger (``None``: do not emit to the event bus).
        count_jobs: Coroutine function returning the store's job count per state (runs the
            engine query off the loop); drives the jobs-by-state gauges.
        log: Where listener failures are logged.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        event_logger: EventLogger | None,
        count_jobs: Callable[[], Awaitable[Mapping[JobState, int]]],
        log: logging.Logger,
    ) -> None:
        self._loop = loop
        self._event_logger = event_logger
        self._count_jobs = count_jobs
        self._log = log
        self._listeners: list[Listener] = []
        self._waiters: dict[str, set[asyncio.Future[JobRecord]]] = {}
        self._refresh: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        if event_logger is not None:
            event_logger.register_event_schema(JOB_EVENT_SCHEMA)

    # -- input ---------------------------------------------------------------------------------

    def deliver(self, event: JobEvent) -> None:
        """Engine subscriber: hand ``event`` to the loop (called on an engine thread)."""
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed while the engine stops
            self._loop.call_soon_threadsafe(self.publish, event)

    def publish(self, event: JobEvent) -> None:
        """Fan ``event`` out; runs on the event loop."""
        if self._closed:
            return
        metrics.observe_event(event)
        if event.kind == "state":
            self.schedule_refresh()
        self._emit(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken socket must not stop the others
                self._log.exception("eigen: an event listener failed; removing it")
                self.remove_listener(listener)
        if event.job.is_terminal:
            for future in self._waiters.pop(event.job.id, set()):
                if not future.done():
                    future.set_result(event.job)

    # -- outputs -------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` on the loop for every event from now on."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def wait_terminal(
        self,
        job_id: str,
        timeout: float,
        current: Callable[[], Awaitable[JobRecord]],
    ) -> JobRecord:
        """Wait up to ``timeout`` seconds for a job to finish, holding no thread.

        Args:
            job_id: The job.
            timeout: Seconds to wait at most.
            current: Coroutine function reading the job's record now (raises ``JobNotFound``).

        Returns:
            The terminal record, or the current one when the time ran out.
        """
        future: asyncio.Future[JobRecord] = self._loop.create_future()
        self._waiters.setdefault(job_id, set()).add(future)
        try:
            record = await current()  # after registering, so a finish in between is not lost
            if record.is_terminal:
                return record
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                return await current()
        finally:
            waiting = self._waiters.get(job_id)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    del self._waiters[job_id]

    def schedule_refresh(self) -> None:
        """Recount jobs by state for the gauges soon (bursts are coalesced)."""
        if self._refresh is None and not self._closed:
            self._refresh = self._loop.call_later(_REFRESH_DELAY_S, self._start_refresh)

    def schedule_refresh_threadsafe(self) -> None:
        """:meth:`schedule_refresh` from any thread."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.schedule_refresh)

    def close(self) -> None:
        """Stop delivering; release waiters and pending refreshes."""
        self._closed = True
        if self._refresh is not None:
            self._refresh.cancel()
        for task in self._tasks:
            task.cancel()
        for futures in self._waiters.values():
            for future in futures:
                future.cancel()
        self._waiters.clear()
        self._listeners.clear()

    # -- internals -----------------------------------------------------------------------------

    def _start_refresh(self) -> None:
        self._refresh = None
        task = self._loop.create_task(self._refresh_counts())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh_counts(self) -> None:
        try:
            metrics.set_job_counts(await self._count_jobs())
        except Exception:
            self._log.warning("eigen: could not count jobs for /metrics", exc_info=True)

    def _emit(self, event: JobEvent) -> None:
        if self._event_logger is None:
            return
        try:
            self._event_logger.emit(schema_id=JOB_EVENT_SCHEMA_ID, data=event_data(event))
        except Exception:
            self._log.warning("eigen: could not emit a job event to the event bus", exc_info=True)


def event_data(event: JobEvent) -> dict[str, Any]:
    """The event-bus payload of one job event (see ``schemas/job/v1.yaml``)."""
    job = event.job
    return {
        "type": f"job.{event.kind}",
        "job_id": job.id,
        "state": job.state.value,
        "name": job.name,
        "owner": job.owner,
        "seq": int(event.seq),
        "attempt": job.attempt,
        "iteration": job.progress.iteration,
        "best_value": job.progress.best_value,
        "error_code": None if job.error_code is None else job.error_code.value,
        "error_message": job.error_message,
    }
