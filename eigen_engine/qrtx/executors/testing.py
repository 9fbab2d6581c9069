"""Task functions for testing executors (test-only; nothing in the engine calls them).

They live in the package, not under ``tests/``, on purpose: a task function is pickled by
reference, so every worker must import it by its module name. Workers of a local pool copy
the parent's ``sys.path`` and would find a tests module, but a Dask worker on another
machine (or one started before the test session) only has the installed packages, and
pytest's ``importlib`` import mode gives test modules names no other process can import.
Keeping them here lets the one executor contract suite, and a smoke test against a real
cluster, run the same tasks everywhere. The module imports only the standard library.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from typing import Any

from eigen_engine.qrtx.executors.context import cancel_requested, report_progress

__all__ = [
    "UnpicklableError",
    "count_progress",
    "echo",
    "environ",
    "exit_process",
    "fail",
    "fail_unpicklable",
    "hold",
    "imported",
    "marker",
    "pid",
    "raise_in_initializer",
    "report_lock",
    "segfault",
    "set_marker",
    "sleep_ignoring_cancel",
    "sleep_until_cancelled",
    "unpicklable_result",
]

_marker: Any = None


class UnpicklableError(Exception):
    """An exception that pickles but cannot be rebuilt (its ``__init__`` needs two args)."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"error {code}: {detail}")


def echo(value: Any) -> Any:
    """Return ``value``."""
    return value


def fail(message: str) -> None:
    """Raise ``ValueError(message)``."""
    raise ValueError(message)


def fail_unpicklable(detail: str) -> None:
    """Raise an exception that cannot travel back to the parent as itself."""
    raise UnpicklableError(7, detail)


def unpicklable_result() -> Any:
    """Return something ``pickle`` refuses (a lambda)."""
    return lambda: None


def count_progress(n: int) -> int:
    """Report ``0 .. n-1`` as progress, then return ``n``."""
    for i in range(n):
        report_progress(i)
    return n


def report_lock() -> None:
    """Report an object that cannot be pickled (a lock)."""
    report_progress(threading.Lock())


def sleep_until_cancelled(timeout: float, step: float = 0.005) -> str:
    """Report ``"started"``, then poll ``cancel_requested()`` until it is true or time runs out."""
    report_progress("started")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancel_requested():
            return "cancelled"
        time.sleep(step)
    return "timeout"


def sleep_ignoring_cancel(seconds: float) -> str:
    """Report ``"started"``, then sleep without ever checking for a cancel request."""
    report_progress("started")
    time.sleep(seconds)
    return "slept"


def hold(seconds: float) -> tuple[float, float, int]:
    """Sleep, and return ``(start, end, pid)`` with wall-clock times."""
    start = time.time()
    time.sleep(seconds)
    return start, time.time(), os.getpid()


def pid() -> int:
    """Return the worker's process id."""
    return os.getpid()


def environ(name: str) -> str | None:
    """Return the worker's environment variable ``name``."""
    return os.environ.get(name)


def imported(module: str) -> bool:
    """Return whether ``module`` is imported in the worker."""
    return module in sys.modules


def exit_process(code: int) -> None:
    """End the worker process at once with exit status ``code``."""
    os._exit(code)


def segfault(delay: float = 0.0) -> None:
    """Crash the worker process with SIGSEGV (reads address 0), after ``delay`` seconds."""
    time.sleep(delay)
    ctypes.string_at(0)


def set_marker(value: Any) -> None:
    """Initializer: remember ``value`` in the worker."""
    global _marker
    _marker = value


def marker() -> Any:
    """Return what :func:`set_marker` stored in this worker."""
    return _marker


def raise_in_initializer() -> None:
    """Initializer that always fails."""
    raise RuntimeError("initializer failed on purpose")
