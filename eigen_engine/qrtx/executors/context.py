"""What a task sees of its executor from inside a worker: progress and cancel requests."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = [
    "TaskContext",
    "bind_task",
    "cancel_requested",
    "current_task_id",
    "report_progress",
]


class TaskContext(Protocol):
    """The worker side of one running task, provided by the executor that runs it."""

    @property
    def task_id(self) -> str:
        """The id the task was submitted under."""
        ...

    def report(self, obj: Any) -> None:
        """Send ``obj`` to the parent's progress callback for this task."""
        ...

    def cancel_requested(self) -> bool:
        """Return whether the parent asked this task to stop."""
        ...


# A Dask worker runs several tasks on threads, so the task is found per context first; a
# local worker runs one task per process, so threads the task starts itself find it too.
_current: contextvars.ContextVar[TaskContext | None] = contextvars.ContextVar(
    "eigen_task", default=None
)
_process_task: TaskContext | None = None


def _task() -> TaskContext | None:
    return _current.get() or _process_task


@contextmanager
def bind_task(ctx: TaskContext, *, process_wide: bool = False) -> Iterator[None]:
    """Make ``ctx`` the current task while the block runs (used by executors' workers).

    Args:
        ctx: The running task.
        process_wide: Also visible from threads the task starts (one task per process).
    """
    global _process_task
    token = _current.set(ctx)
    if process_wide:
        _process_task = ctx
    try:
        yield
    finally:
        _current.reset(token)
        if process_wide:
            _process_task = None


def report_progress(obj: Any) -> None:
    """Send ``obj`` to the parent process's progress callback for the running task.

    Call it from a task function, for example once per optimizer iteration. Events arrive in
    the order they were sent. Outside a worker task this does nothing, so task functions
    also run unchanged in a plain Python process.

    Args:
        obj: Any picklable object; keep it small (it is pickled and sent at once).

    Raises:
        TypeError: ``obj`` cannot be pickled.

    Example:
        >>> from eigen_engine.qrtx.executors import report_progress
        >>> report_progress({"iteration": 3, "value": -1.13})  # a no-op here
    """
    task = _task()
    if task is not None:
        task.report(obj)


def cancel_requested() -> bool:
    """Return whether the running task has been asked to stop.

    Check it between iterations and return (or raise ``TaskCancelled``) when it is true; a
    task that does not stop within the executor's grace period has its worker ended.
    Always ``False`` outside a worker task.

    Example:
        >>> from eigen_engine.qrtx.executors import cancel_requested
        >>> cancel_requested()
        False
    """
    task = _task()
    return task is not None and task.cancel_requested()


def current_task_id() -> str | None:
    """Return the id of the task running in this thread, or ``None`` outside a task."""
    task = _task()
    return None if task is None else task.task_id
