"""Delivery: runs progress callbacks and future resolutions in order on one thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

__all__ = ["Delivery", "settle"]

logger = logging.getLogger(__name__)


def settle(future: Future[Any], *, value: Any = None, error: BaseException | None = None) -> None:
    """Resolve ``future`` unless it is already done (a lost race is not an error here)."""
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
    except Exception:  # InvalidStateError: resolved concurrently
        logger.debug("future was resolved concurrently", exc_info=True)


class Delivery:
    """One background thread that calls what it is given, in the order given.

    Progress callbacks of a task and the resolution of its future go through the same
    Delivery, so a future resolves only after every earlier progress callback has returned,
    and a slow callback never holds up the executor's I/O. The thread starts on first use.

    Args:
        name: The thread's name.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def put(self, call: Callable[[], None]) -> None:
        """Schedule ``call()`` after everything put before it (run at once once closed)."""
        with self._lock:
            if self._closed:
                closed = True
            else:
                closed = False
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
                self._queue.put(call)
        if closed:
            _call(call)

    def close(self, wait: bool = True) -> None:
        """Run what is queued, then stop the thread.

        Args:
            wait: Block until the queued calls have run (ignored on the Delivery thread).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()

    def is_current(self) -> bool:
        """Return whether the caller runs on this Delivery's thread."""
        return self._thread is not None and self._thread is threading.current_thread()

    def _run(self) -> None:
        while (call := self._queue.get()) is not None:
            _call(call)


def _call(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:
        logger.exception("an executor callback raised")
