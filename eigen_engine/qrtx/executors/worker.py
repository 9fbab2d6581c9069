"""The local worker process: bootstrap, preload, and a loop that runs one task at a time."""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from eigen_engine.qrtx.executors.base import TaskFailed
from eigen_engine.qrtx.executors.context import bind_task

__all__ = ["WorkerSetup", "bootstrap_code", "main"]

# Wire protocol with :class:`~eigen_engine.qrtx.executors.local.LocalExecutor`, every message a
# pickled tuple on a ``multiprocessing.connection.Connection`` over a socket pair:
#
# * task connection, parent to worker: a pickled :class:`WorkerSetup` first, then
#   ``("run", task_id, payload)`` where ``payload`` pickles ``(fn, args)``;
# * task connection, worker to parent: ``("ready", pid, preload_failures)`` or
#   ``("init_failed", traceback)``, then per task any number of ``("progress", task_id, obj)``
#   and one ``("result", task_id, value)`` or ``("error", task_id, exc, traceback)``
#   (``obj``, ``value`` and ``exc`` pickled separately, so a payload the parent cannot unpickle
#   fails only its task);
# * control connection, parent to worker: ``("cancel", task_id)``. It is read by a thread, so
#   a cancel request lands while the task runs; end of file there means the parent is gone
#   and the worker exits at once.

_PROTOCOL = pickle.HIGHEST_PROTOCOL


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """What a worker does before it takes tasks.

    Attributes:
        preload: Modules imported first, so their import cost is paid off the critical path.
        initializer: Called once with ``initargs`` after the preload; if it raises, the
            worker reports the traceback and exits.
        initargs: Arguments of ``initializer``.
    """

    preload: tuple[str, ...] = ()
    initializer: Callable[..., object] | None = None
    initargs: tuple[Any, ...] = ()


def bootstrap_code(sys_path: list[str], task_fd: int, control_fd: int) -> str:
    """Return the ``python -c`` program that starts a worker.

    The worker gets the parent's ``sys.path`` (so it imports task functions exactly as the
    parent does) and never re-imports the parent's ``__main__``.
    """
    return (
        f"import sys; sys.path[:] = {sys_path!r}; "
        "from eigen_engine.qrtx.executors.worker import main; "
        f"main({task_fd}, {control_fd})"
    )


class _LocalTask:
    """The task context of a local worker (see ``context.TaskContext``)."""

    __slots__ = ("_cancelled", "_conn", "task_id")

    def __init__(self, task_id: str, conn: Connection, cancelled: set[str]) -> None:
        self.task_id = task_id
        self._conn = conn
        self._cancelled = cancelled

    def report(self, obj: Any) -> None:
        try:
            payload = pickle.dumps(obj, _PROTOCOL)
        except Exception as exc:
            raise TypeError(f"a progress object must be picklable; {exc}") from exc
        self._conn.send_bytes(pickle.dumps(("progress", self.task_id, payload), _PROTOCOL))

    def cancel_requested(self) -> bool:
        return self.task_id in self._cancelled


def main(task_fd: int, control_fd: int) -> None:
    """Run a worker on the two inherited connection file descriptors until told to stop."""
    # The parent decides when workers stop; a Ctrl-C in its terminal must not fail tasks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(task_fd)
    cancelled: set[str] = set()
    threading.Thread(
        target=_watch_control,
        args=(Connection(control_fd), cancelled),
        name="eigen-worker-control",
        daemon=True,
    ).start()
    try:
        _serve(conn, cancelled)
    except (EOFError, OSError):
        return  # the parent closed the connection (shutdown) or died


def _serve(conn: Connection, cancelled: set[str]) -> None:
    data = conn.recv_bytes()
    try:
        setup: WorkerSetup = pickle.loads(data)
        failures = _preload(setup.preload)
        if setup.initializer is not None:
            setup.initializer(*setup.initargs)
    except BaseException:
        conn.send_bytes(pickle.dumps(("init_failed", traceback.format_exc()), _PROTOCOL))
        sys.exit(1)
    conn.send_bytes(pickle.dumps(("ready", os.getpid(), failures), _PROTOCOL))
    while True:
        _kind, task_id, payload = pickle.loads(conn.recv_bytes())
        conn.send_bytes(_run(task_id, payload, conn, cancelled))


def _preload(modules: tuple[str, ...]) -> list[str]:
    failures = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    return failures


def _watch_control(control: Connection, cancelled: set[str]) -> None:
    while True:
        try:
            kind, task_id = pickle.loads(control.recv_bytes())
        except (EOFError, OSError):
            # The parent closed the pipe or died: stop now, even in the middle of a task.
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):  # a broken stream must not keep us alive
                    stream.flush()
            os._exit(0)
        if kind == "cancel":
            cancelled.add(task_id)


def _run(task_id: str, payload: bytes, conn: Connection, cancelled: set[str]) -> bytes:
    try:
        with bind_task(_LocalTask(task_id, conn, cancelled), process_wide=True):
            fn, args = pickle.loads(payload)
            value = fn(*args)
    except BaseException as exc:
        return error_message(task_id, exc)
    finally:
        cancelled.discard(task_id)
    try:
        return pickle.dumps(("result", task_id, pickle.dumps(value, _PROTOCOL)), _PROTOCOL)
    except Exception as exc:
        error = TypeError(
            f"task {task_id} returned a {type(value).__name__} that cannot be pickled: {exc}"
        )
        return error_message(task_id, error)


def error_message(task_id: str, exc: BaseException) -> bytes:
    """Build the ``("error", ...)`` message for ``exc``, standing in for it if it won't pickle."""
    text = "".join(traceback.format_exception(exc))
    try:
        payload = pickle.dumps(exc, _PROTOCOL)
        pickle.loads(payload)  # an exception may pickle yet fail to rebuild (custom __init__)
    except Exception:
        name = f"{type(exc).__module__}.{type(exc).__qualname__}"
        stand_in = TaskFailed(
            f"task {task_id} raised {name}: {exc}",
            task_id=task_id,
            exc_type=name,
            traceback=text,
        )
        payload = pickle.dumps(stand_in, _PROTOCOL)
    return pickle.dumps(("error", task_id, payload, text), _PROTOCOL)
