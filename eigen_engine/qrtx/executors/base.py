"""The executor protocol and the errors an executor puts on a task's future."""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, runtime_checkable

from eigen_engine.errors import JobCancelled, JobFailed

__all__ = [
    "Executor",
    "ProgressCallback",
    "RemoteTraceback",
    "TaskCancelled",
    "TaskFailed",
    "WorkerCrashed",
    "describe_returncode",
]

ProgressCallback = Callable[[Any], None]
"""Receives each object a task passed to ``report_progress``, in the parent process."""


@runtime_checkable
class Executor(Protocol):
    """Runs tasks in worker processes and reports back; nothing more.

    A task is a picklable top-level callable plus picklable arguments (small bytes such as AQO
    JSON, not live objects). The scheduler owns job states, priorities, retries, timeouts and
    persistence; an executor only runs what it is given, in submission order, at most
    ``max_workers`` at a time.

    Inside a worker, the task calls :func:`~eigen_engine.qrtx.executors.report_progress` to
    send an object to the parent and :func:`~eigen_engine.qrtx.executors.cancel_requested`
    between iterations to stop early.

    The future returned by :meth:`submit` is already *running* (``Future.cancel()`` returns
    ``False``): cancel through :meth:`cancel`. It resolves with the task's return value, or
    raises the task's own exception, :class:`TaskCancelled`, or :class:`WorkerCrashed`. It
    resolves only after every progress callback of the task has returned, and a task that
    was cancelled or whose worker died no longer occupies a worker when it resolves.
    Progress callbacks and future callbacks run on the executor's background threads: keep
    them short and never block them on the executor itself.

    Attributes:
        max_workers: How many tasks can run at once.
    """

    @property
    def max_workers(self) -> int:
        """How many tasks can run at once."""
        ...

    def submit(
        self,
        task_id: str,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
    ) -> Future[Any]:
        """Queue ``fn(*args)`` to run in a worker process.

        Args:
            task_id: Names the task in :meth:`cancel`, :meth:`running` and error messages;
                unique among the tasks not yet finished.
            fn: A picklable top-level callable.
            *args: Picklable arguments.
            on_progress: Called in the parent, in order, with each progress object.

        Returns:
            A future for the task's result.

        Raises:
            ValueError: ``task_id`` is empty or already names an unfinished task.
            RuntimeError: The executor was shut down.
        """
        ...

    def cancel(self, task_id: str) -> bool:
        """Cancel a task: drop it if queued, stop it if running.

        A running task first sees :func:`cancel_requested` turn true; if it is still running
        after the executor's grace period, its worker process is ended and replaced.

        Args:
            task_id: The task to cancel.

        Returns:
            ``True`` if the task's future will raise :class:`TaskCancelled`, ``False`` if
            no unfinished task has this id.
        """
        ...

    def running(self) -> set[str]:
        """Return the ids of the tasks that are executing in a worker right now."""
        ...

    def shutdown(self, wait: bool = True, *, cancel: bool = False) -> None:
        """Stop accepting tasks and stop the workers once the submitted tasks are done.

        Args:
            wait: Block until the workers have stopped.
            cancel: Cancel every unfinished task instead of letting it run.
        """
        ...


class TaskCancelled(JobCancelled):
    """A task was cancelled through :meth:`Executor.cancel` (or by a cancelling shutdown).

    A task may also raise it itself after seeing ``cancel_requested()``.

    Attributes:
        task_id: The cancelled task.
    """

    def __init__(self, message: str = "", *, task_id: str = "") -> None:
        super().__init__(message or f"task {task_id} was cancelled", job_id=task_id)
        self.task_id = task_id


class WorkerCrashed(JobFailed):
    """The worker process running a task died before the task finished.

    Segfaults, ``os._exit`` and the out-of-memory killer end up here. Only the task that was
    running in the dead worker fails; the executor starts a new worker and goes on.

    Attributes:
        task_id: The task whose worker died ("" when workers fail to start at all).
        returncode: The worker's exit status; negative for a signal (as in ``subprocess``),
            ``None`` when unknown.
    """

    def __init__(
        self, message: str = "", *, task_id: str = "", returncode: int | None = None
    ) -> None:
        super().__init__(
            message
            or f"the worker process running task {task_id} {describe_returncode(returncode)}",
            job_id=task_id,
        )
        self.task_id = task_id
        self.returncode = returncode


class TaskFailed(JobFailed):
    """A task raised an exception that could not travel back to the parent as itself.

    Exceptions that pickle are re-raised as themselves; this one stands in for the others.

    Attributes:
        task_id: The task that raised.
        exc_type: The qualified name of the original exception's class.
        traceback: The original traceback, formatted in the worker.
    """

    def __init__(
        self, message: str, *, task_id: str = "", exc_type: str = "", traceback: str = ""
    ) -> None:
        super().__init__(message, job_id=task_id)
        self.task_id = task_id
        self.exc_type = exc_type
        self.traceback = traceback

    def __str__(self) -> str:
        return f"{self.message}\n\n{self.traceback}" if self.traceback else self.message


class RemoteTraceback(Exception):
    """Carries a worker-side traceback as the ``__cause__`` of an exception re-raised here."""

    def __init__(self, traceback: str) -> None:
        super().__init__(traceback)
        self.traceback = traceback

    def __str__(self) -> str:
        return f'\n"""\n{self.traceback.rstrip()}\n"""'


def describe_returncode(returncode: int | None) -> str:
    """Say how a process ended, as the end of a sentence about it.

    Args:
        returncode: A ``subprocess``-style status: negative for a signal, ``None`` if unknown.

    Returns:
        For example ``"died with signal SIGSEGV"`` or ``"exited with code 3"``.
    """
    if returncode is None:
        return "died"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        text = f"died with signal {name}"
        if -returncode == signal.SIGKILL:
            text += " (killed from outside the engine; the out-of-memory killer does this)"
        return text
    return f"exited with code {returncode}"
