"""LocalExecutor: a process pool that can stop one task and outlive a dead worker."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from typing import Any

from eigen_engine.qrtx.executors.base import (
    ProgressCallback,
    RemoteTraceback,
    TaskCancelled,
    TaskFailed,
    WorkerCrashed,
    describe_returncode,
)
from eigen_engine.qrtx.executors.delivery import Delivery, settle
from eigen_engine.qrtx.executors.worker import WorkerSetup, bootstrap_code

__all__ = ["THREAD_ENV", "LocalExecutor"]

logger = logging.getLogger(__name__)

THREAD_ENV: Mapping[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}
"""Set in every worker's environment: one thread per library, parallelism from processes
(DESIGN §7: default-threaded Aer collapses when other cores are busy)."""

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_START_FAILURES_BEFORE_BROKEN = 3
_EXIT_TIMEOUT = 5.0


@dataclass(eq=False, slots=True)
class _Task:
    task_id: str
    message: bytes
    future: Future[Any]
    on_progress: ProgressCallback | None
    worker: _Worker | None = None
    cancelled: bool = False
    kill_at: float | None = None


@dataclass(eq=False, slots=True)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    control: Connection
    ready: bool = False
    task: _Task | None = None
    init_error: str = ""
    killed: bool = False


class LocalExecutor:
    """Runs tasks in a pool of local worker processes (the default executor).

    Workers start in the background when the executor is created, so construction returns
    at once and the preload is paid off the critical path. A task that is cancelled while
    running first sees ``cancel_requested()``; after ``cancel_grace`` seconds its worker is
    killed and replaced. A worker that dies fails only its own task, with
    :class:`WorkerCrashed`. If new workers keep failing to start (a broken initializer or
    preload that crashes), queued tasks fail with :class:`WorkerCrashed` instead of waiting
    forever.

    Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot stop one running task, and
    one dead worker breaks the whole pool. Here each worker is a fresh interpreter started
    with ``subprocess`` (like the ``spawn`` start method, but with one-thread numeric
    libraries set in its environment before anything is imported, and without re-importing
    the parent's ``__main__``), connected by two socket pairs: one for tasks, results and
    progress, one for cancel requests. One I/O thread in the parent waits on all workers at
    once, notices a dead worker by end of file on its socket, fails only that worker's task
    and starts a replacement. Workers exit by themselves when the parent process dies.

    Args:
        max_workers: Worker processes; defaults to ``os.cpu_count()``.
        preload: Modules every worker imports before taking tasks (an import failure is
            logged, not fatal).
        initializer: A picklable callable each worker runs once after the preload.
        initargs: Arguments of ``initializer``.
        env: Extra environment variables for the workers, applied after :data:`THREAD_ENV`
            (so ``{"OMP_NUM_THREADS": "4"}`` overrides it).
        cancel_grace: Seconds a running task has to stop on its own after a cancel.

    Raises:
        ValueError: ``max_workers`` < 1 or ``cancel_grace`` < 0.
        TypeError: ``initializer`` or ``initargs`` cannot be pickled.

    Example:
        >>> from eigen_engine.qrtx.executors import LocalExecutor, testing
        >>> with LocalExecutor(max_workers=1, preload=()) as ex:
        ...     ex.submit("t-1", testing.echo, 42).result()
        42
    """

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        preload: Iterable[str] = ("qiskit_aer",),
        initializer: Callable[..., object] | None = None,
        initargs: Iterable[Any] = (),
        env: Mapping[str, str] | None = None,
        cancel_grace: float = 1.0,
    ) -> None:
        workers = (os.cpu_count() or 1) if max_workers is None else max_workers
        if workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        if cancel_grace < 0:
            raise ValueError(f"cancel_grace must be >= 0 seconds, got {cancel_grace}")
        setup = WorkerSetup(tuple(preload), initializer, tuple(initargs))
        try:
            self._setup = pickle.dumps(setup, _PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"initializer and initargs must be picklable (a top-level function): {exc}"
            ) from exc
        self._max_workers = workers
        self._env = {**os.environ, **THREAD_ENV, **(env or {})}
        self._grace = cancel_grace
        self._lock = threading.Lock()
        self._tasks: dict[str, _Task] = {}
        self._queue: deque[_Task] = deque()
        self._workers: list[_Worker] = []
        self._shutdown = False
        self._broken = ""
        self._start_failures = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._delivery = Delivery("eigen-local-executor-callbacks")
        self._thread = threading.Thread(
            target=self._serve, name="eigen-local-executor", daemon=True
        )
        self._thread.start()

    @property
    def max_workers(self) -> int:
        """How many tasks can run at once (the number of worker processes)."""
        return self._max_workers

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(wait=True, cancel=True)

    def submit(
        self,
        task_id: str,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
    ) -> Future[Any]:
        """Queue ``fn(*args)``; see :meth:`Executor.submit`.

        Raises:
            TypeError: ``fn`` or ``args`` cannot be pickled (use a top-level function).
            ValueError: ``task_id`` is empty or names an unfinished task.
            RuntimeError: The executor was shut down.
        """
        if not task_id:
            raise ValueError("task_id must be a non-empty string")
        try:
            payload = pickle.dumps((fn, args), _PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"task {task_id}: the function and its arguments must be picklable "
                f"(a top-level function with plain data); {exc}"
            ) from exc
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        task = _Task(
            task_id, pickle.dumps(("run", task_id, payload), _PROTOCOL), future, on_progress
        )
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit a task after the executor was shut down")
            if task_id in self._tasks:
                raise ValueError(f"task id {task_id!r} is already queued or running")
            if self._broken:
                broken = self._broken
            else:
                broken = ""
                self._tasks[task_id] = task
                self._queue.append(task)
                self._dispatch_locked()
        if broken:
            settle(future, error=WorkerCrashed(broken, task_id=task_id))
        return future

    def cancel(self, task_id: str) -> bool:
        """Cancel a queued or running task; see :meth:`Executor.cancel`."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return False
            if task.cancelled:
                return True
            task.cancelled = True
            queued = task.worker is None
            if task.worker is None:
                self._queue.remove(task)
                del self._tasks[task_id]
            else:
                task.kill_at = time.monotonic() + self._grace
                # OSError: the worker is already gone, and its exit resolves the task.
                with contextlib.suppress(OSError):
                    task.worker.control.send_bytes(pickle.dumps(("cancel", task_id), _PROTOCOL))
        if queued:
            self._finish(task, error=TaskCancelled(task_id=task_id))
        else:
            self._wake()
        return True

    def running(self) -> set[str]:
        """Return the ids of the tasks executing in a worker right now."""
        with self._lock:
            return {t.task_id for t in self._tasks.values() if t.worker is not None}

    def shutdown(self, wait: bool = True, *, cancel: bool = False) -> None:
        """Stop taking tasks; stop the workers when the submitted tasks are done.

        Args:
            wait: Block until the workers have exited and every callback has run.
            cancel: Cancel the queued and running tasks first.
        """
        with self._lock:
            self._shutdown = True
            ids = list(self._tasks) if cancel else []
        for task_id in ids:
            self.cancel(task_id)
        self._wake()
        current = threading.current_thread()
        if wait and current is not self._thread and not self._delivery.is_current():
            self._thread.join()
            self._delivery.close(wait=True)

    # -- the I/O thread ------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            while True:
                with self._lock:
                    self._start_workers_locked()
                    self._dispatch_locked()
                    if self._shutdown and not self._tasks:
                        break
                    waitables: list[Any] = [self._wake_r, *(w.conn for w in self._workers)]
                    timeout = self._kill_overdue_locked()
                for ready in wait(waitables, timeout):
                    if ready == self._wake_r:
                        self._drain_wake()
                    else:
                        assert isinstance(ready, Connection)
                        self._receive(ready)
        except BaseException as exc:
            logger.exception("the local executor's I/O thread failed")
            self._fail_everything(f"the local executor failed: {type(exc).__name__}: {exc}")
            raise
        finally:
            self._stop_workers()
            self._delivery.close(wait=False)
            with self._lock:
                os.close(self._wake_r)
                os.close(self._wake_w)
                self._wake_w = -1

    def _start_workers_locked(self) -> None:
        if self._shutdown or self._broken:
            return
        while len(self._workers) < self._max_workers:
            try:
                self._workers.append(self._spawn())
            except OSError as exc:
                self._start_failed_locked(f"cannot start a worker process: {exc}")
                return

    def _spawn(self) -> _Worker:
        conn, child_conn = Pipe(duplex=True)
        control, child_control = Pipe(duplex=True)
        code = bootstrap_code(list(sys.path), child_conn.fileno(), child_control.fileno())
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                env=self._env,
                pass_fds=(child_conn.fileno(), child_control.fileno()),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            conn.close()
            control.close()
            raise
        finally:
            child_conn.close()
            child_control.close()
        conn.send_bytes(self._setup)
        return _Worker(process, conn, control)

    def _dispatch_locked(self) -> None:
        idle = [w for w in self._workers if w.ready and w.task is None and not w.killed]
        while self._queue and idle:
            worker = idle.pop()
            task = self._queue.popleft()
            worker.task = task
            task.worker = worker
            try:
                worker.conn.send_bytes(task.message)
            except OSError:  # the worker died; its end of file comes next
                worker.task = task.worker = None
                worker.killed = True
                self._queue.appendleft(task)

    def _kill_overdue_locked(self) -> float | None:
        """Kill workers whose cancelled task outlived the grace; return the next deadline."""
        now = time.monotonic()
        timeout: float | None = None
        for task in self._tasks.values():
            if task.kill_at is None or task.worker is None:
                continue
            if task.kill_at <= now:
                task.kill_at = None
                task.worker.killed = True
                task.worker.process.kill()
            else:
                left = task.kill_at - now
                timeout = left if timeout is None else min(timeout, left)
        return timeout

    def _receive(self, conn: Connection) -> None:
        worker = next(w for w in self._workers if w.conn is conn)
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            self._on_exit(worker)
            return
        message = pickle.loads(data)
        kind = message[0]
        if kind == "progress":
            self._on_progress(worker, message[1], message[2])
        elif kind in ("result", "error"):
            self._on_done(worker, message)
        elif kind == "ready":
            with self._lock:
                worker.ready = True
                self._start_failures = 0
            if message[2]:
                logger.warning("worker %s could not preload: %s", message[1], "; ".join(message[2]))
        elif kind == "init_failed":
            worker.init_error = message[1]

    def _on_progress(self, worker: _Worker, task_id: str, payload: bytes) -> None:
        with self._lock:
            task = worker.task
            if task is None or task.task_id != task_id or task.cancelled:
                return
            callback = task.on_progress
        if callback is None:
            return
        try:
            obj = pickle.loads(payload)
        except Exception:
            logger.exception("task %s: a progress object could not be unpickled", task_id)
            return
        self._delivery.put(lambda: callback(obj))

    def _on_done(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        with self._lock:
            task = worker.task
            worker.task = None
            if task is not None:
                task.worker = None
                self._tasks.pop(task.task_id, None)
            self._dispatch_locked()
        if task is None:
            return
        if task.cancelled:
            self._finish(task, error=TaskCancelled(task_id=task.task_id))
            return
        try:
            if message[0] == "result":
                self._finish(task, value=pickle.loads(message[2]))
                return
            error = pickle.loads(message[2])
        except Exception as exc:
            error = TaskFailed(
                f"task {task.task_id} finished but its {message[0]} cannot be unpickled in the "
                f"engine process: {type(exc).__name__}: {exc}",
                task_id=task.task_id,
                exc_type=type(exc).__qualname__,
            )
        else:
            error.__cause__ = RemoteTraceback(message[3])
        self._finish(task, error=error)

    def _on_exit(self, worker: _Worker) -> None:
        try:
            returncode: int | None = worker.process.wait(_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:  # closed its socket but lives on: end it
            worker.process.kill()
            returncode = worker.process.wait()
        worker.conn.close()
        worker.control.close()
        with self._lock:
            self._workers.remove(worker)
            task = worker.task
            if task is not None:
                task.worker = None
                self._tasks.pop(task.task_id, None)
            elif not worker.ready and not self._shutdown:
                reason = worker.init_error or f"a new worker {describe_returncode(returncode)}"
                self._start_failed_locked(reason)
        if task is None:
            return
        if task.cancelled:
            self._finish(task, error=TaskCancelled(task_id=task.task_id))
        else:
            logger.warning(
                "worker process %s died running task %s", worker.process.pid, task.task_id
            )
            self._finish(task, error=WorkerCrashed(task_id=task.task_id, returncode=returncode))

    def _start_failed_locked(self, reason: str) -> None:
        self._start_failures += 1
        logger.warning("a worker process failed to start: %s", reason)
        if self._start_failures < _START_FAILURES_BEFORE_BROKEN:
            return
        self._broken = (
            f"worker processes fail to start ({self._start_failures} in a row); fix the "
            f"executor's preload or initializer. Last failure: {reason}"
        )
        failed = list(self._queue)
        self._queue.clear()
        for task in failed:
            del self._tasks[task.task_id]
        message = self._broken

        def fail_queued() -> None:
            for task in failed:
                settle(task.future, error=WorkerCrashed(message, task_id=task.task_id))

        self._delivery.put(fail_queued)

    def _fail_everything(self, reason: str) -> None:
        with self._lock:
            self._shutdown = True
            self._broken = reason
            tasks = list(self._tasks.values())
            self._tasks.clear()
            self._queue.clear()
        for task in tasks:
            settle(task.future, error=WorkerCrashed(reason, task_id=task.task_id))

    def _finish(
        self, task: _Task, *, value: Any = None, error: BaseException | None = None
    ) -> None:
        if task.on_progress is None:
            settle(task.future, value=value, error=error)
        else:
            self._delivery.put(lambda: settle(task.future, value=value, error=error))

    def _stop_workers(self) -> None:
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:  # end of file on both sockets makes a worker exit
            worker.conn.close()
            worker.control.close()
        deadline = time.monotonic() + _EXIT_TIMEOUT
        for worker in workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()

    def _wake(self) -> None:
        with self._lock:  # never write to a closed (and maybe reused) descriptor
            if self._wake_w < 0:
                return
            with contextlib.suppress(BlockingIOError):  # full: the I/O thread wakes anyway
                os.write(self._wake_w, b"\0")

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass
