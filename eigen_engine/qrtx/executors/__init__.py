"""Executors: run scheduler tasks in worker processes (locally or on Dask) and report back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eigen_engine.qrtx.executors.base import (
    Executor,
    ProgressCallback,
    RemoteTraceback,
    TaskCancelled,
    TaskFailed,
    WorkerCrashed,
)
from eigen_engine.qrtx.executors.context import cancel_requested, current_task_id, report_progress
from eigen_engine.qrtx.executors.local import LocalExecutor

if TYPE_CHECKING:
    from eigen_engine.qrtx.executors.dask import DaskExecutor

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "ProgressCallback",
    "RemoteTraceback",
    "TaskCancelled",
    "TaskFailed",
    "WorkerCrashed",
    "cancel_requested",
    "create_executor",
    "current_task_id",
    "report_progress",
]


def create_executor(kind: str = "local", **kwargs: Any) -> Executor:
    """Create an executor by name.

    Args:
        kind: ``"local"`` (a :class:`LocalExecutor`) or ``"dask"`` (a :class:`DaskExecutor`;
            needs the ``dask`` extra and ``client_or_address=``).
        **kwargs: Passed to the executor's constructor.

    Returns:
        The new executor.

    Raises:
        ValueError: ``kind`` is neither ``"local"`` nor ``"dask"``.
        ImportError: ``kind="dask"`` without ``dask[distributed]`` installed.

    Example:
        >>> from eigen_engine.qrtx.executors import create_executor, testing
        >>> ex = create_executor("local", max_workers=1, preload=())
        >>> ex.submit("t-1", testing.echo, "hi").result()
        'hi'
        >>> ex.shutdown()
    """
    if kind == "local":
        return LocalExecutor(**kwargs)
    if kind == "dask":
        try:
            from eigen_engine.qrtx.executors.dask import DaskExecutor
        except ImportError as exc:  # distributed missing
            raise ImportError(
                "the dask executor needs dask.distributed: pip install 'eigen-jupyter[dask]'"
            ) from exc
        return DaskExecutor(**kwargs)
    raise ValueError(f"unknown executor kind {kind!r}; use 'local' or 'dask'")


def __getattr__(name: str) -> Any:
    # DaskExecutor is exported lazily: importing this package must not import distributed.
    if name == "DaskExecutor":
        from eigen_engine.qrtx.executors.dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
