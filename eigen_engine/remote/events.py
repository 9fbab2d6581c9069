"""Job events from the server's ``events`` WebSocket, and the pump that shares one socket."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, cast

from eigen_engine.errors import ServerUnavailable
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.records import JobRecord

__all__ = ["EventPump", "EventStream", "stream_events"]

_log = logging.getLogger(__name__)
_EVENTS_LINGER_S: Final = 30.0  # the shared event socket outlives its last subscriber this long

EventStream = Callable[[str | None, float | None, Callable[[], bool] | None], Iterator[JobEvent]]
"""Opens an event stream: ``stream(job_id, timeout, stop)`` (see :func:`stream_events`)."""


def stream_events(root_url: str, api_url: str, token: str | None, job_id: str | None,
                  timeout: float | None, stop: Callable[[], bool] | None) -> Iterator[JobEvent]:
    """Yield job events from the ``events`` WebSocket of a server.

    Args:
        root_url: The server's root URL (named in errors).
        api_url: Its REST API URL; the socket is ``events`` below it.
        token: Its token, or ``None``.
        job_id: Only this job's events, ending after its terminal state event.
        timeout: End after this many seconds without an event (when there is no ``stop``).
        stop: Looked at every half second; the stream ends once it returns ``True``.

    Raises:
        ServerUnavailable: the socket cannot be opened, or it closed.
    """
    import websocket  # websocket-client, a jupyter_server dependency

    scheme = "wss" if root_url.startswith("https") else "ws"
    query = "" if job_id is None else "?" + urllib.parse.urlencode({"job_id": job_id})
    url = f"{scheme}{api_url[api_url.index(':'):]}events{query}"
    headers = [f"Authorization: token {token}"] if token else []
    # A stoppable stream wakes up every half second to look at its stop flag.
    tick = 0.5 if stop is not None else timeout
    try:
        ws = websocket.create_connection(url, header=headers, timeout=tick)
    except (OSError, websocket.WebSocketException) as exc:
        raise ServerUnavailable(f"cannot open the event stream of {root_url}: {exc}") from None
    try:
        while stop is None or not stop():
            try:
                message = ws.recv()
            except websocket.WebSocketTimeoutException:
                if stop is None:
                    return
                continue
            except (OSError, websocket.WebSocketException) as exc:
                raise ServerUnavailable(
                    f"the event stream of {root_url} closed: {exc}"
                ) from None
            event = _event(json.loads(message))
            if event is None:
                continue
            yield event
            if job_id is not None and event.kind == "state" and event.job.is_terminal:
                return
    finally:
        with contextlib.suppress(Exception):
            ws.close()


class EventPump:
    """Every job event of one stream, handed to each subscriber on one background thread.

    The thread and its stream start with the first subscriber and end ``_EVENTS_LINGER_S``
    after the last one leaves; a stream that fails is opened again with back-off.

    Args:
        stream: Opens the stream (called as ``stream(None, None, stop)``).
    """

    def __init__(self, stream: EventStream) -> None:
        self._stream = stream
        self._events_lock = threading.Lock()
        self._subscribers: dict[object, Callable[[JobEvent], None]] = {}
        self._events_thread: threading.Thread | None = None
        self._events_idle_since: float | None = None
        self._events_closed = threading.Event()

    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; return the function that stops it."""
        key = object()
        with self._events_lock:
            self._subscribers[key] = callback
            self._events_idle_since = None
            self._events_closed.clear()  # a closed client may subscribe again
            if self._events_thread is None:
                self._events_thread = threading.Thread(
                    target=self._pump_events, name="eigen-remote-events", daemon=True)
                self._events_thread.start()

        def unsubscribe() -> None:
            with self._events_lock:
                if self._subscribers.pop(key, None) is not None and not self._subscribers:
                    self._events_idle_since = time.monotonic()

        return unsubscribe

    def close(self) -> None:
        """Drop every subscriber and end the stream."""
        with self._events_lock:
            self._subscribers.clear()
            self._events_closed.set()

    def _events_done(self) -> bool:
        """Whether the shared event stream should end (closed, or idle past the linger)."""
        if self._events_closed.is_set():
            return True
        idle = self._events_idle_since
        return idle is not None and time.monotonic() - idle >= _EVENTS_LINGER_S

    def _pump_events(self) -> None:
        backoff = 0.5
        while True:
            try:
                for event in self._stream(None, None, self._events_done):
                    backoff = 0.5
                    with self._events_lock:
                        callbacks = list(self._subscribers.values())
                    for callback in callbacks:
                        try:
                            callback(event)
                        except Exception:  # a broken callback must not end the stream
                            _log.exception("job event callback %r failed", callback)
            except ServerUnavailable:
                self._events_closed.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            with self._events_lock:  # a subscriber arriving now finds no thread, starts one
                if self._events_done():
                    self._events_thread = None
                    return


def _event(data: Any) -> JobEvent | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("job"), Mapping):
        return None
    kind = str(data.get("type", "")).removeprefix("job.")
    if kind not in ("state", "progress"):
        return None
    return JobEvent(kind=cast(Any, kind), job=JobRecord.from_dict(data["job"]),
                    time=float(data.get("time") or 0.0), seq=int(data.get("seq") or 0))
