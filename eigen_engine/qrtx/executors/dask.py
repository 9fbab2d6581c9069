"""DaskExecutor: the executor protocol over a ``dask.distributed`` cluster."""

from __future__ import annotations

import logging
import os
import pickle
import queue
import re
import signal
import threading
import time
import traceback as tb_module
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import distributed
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker
from distributed.utils import sync

from eigen_engine.qrtx.executors.base import (
    ProgressCallback,
    RemoteTraceback,
    TaskCancelled,
    TaskFailed,
    WorkerCrashed,
    describe_returncode,
)
from eigen_engine.qrtx.executors.context import bind_task
from eigen_engine.qrtx.executors.delivery import Delivery, settle

__all__ = ["DaskExecutor", "PreloadPlugin", "kill_worker_process", "mark_cancelled", "run_task"]

logger = logging.getLogger(__name__)

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_EXIT_LOG = re.compile(
    r"Worker process (\d+) (?:was killed by signal (\d+)|exited with status (\d+)"
    r"|was killed by unknown signal)"
)
_CANCEL_MEMORY = 3600.0
_MAX_REQUEUES = 3
_EXIT_LOG_WAIT = 3.0

# -- worker side ------------------------------------------------------------------------

_cancelled: dict[str, float] = {}  # in each worker process: task key -> when cancel arrived


class PreloadPlugin(WorkerPlugin):
    """Imports modules on every worker as it starts (qiskit_aer costs ~4 s on first use).

    Args:
        modules: Module names to import; a failure is logged on the worker, not fatal.
    """

    name = "eigen-preload"

    def __init__(self, modules: Iterable[str]) -> None:
        self.modules = tuple(modules)

    def setup(self, worker: distributed.Worker) -> None:
        """Import the modules (called by distributed on each worker)."""
        for module in self.modules:
            try:
                __import__(module)
            except Exception:
                logger.warning("could not preload %s on %s", module, worker.address, exc_info=True)


class _DaskTask:
    """The task context of a task running on a Dask worker (see ``context.TaskContext``)."""

    __slots__ = ("_key", "_topic", "_worker", "task_id")

    def __init__(self, task_id: str, key: str, topic: str, worker: distributed.Worker) -> None:
        self.task_id = task_id
        self._key = key
        self._topic = topic
        self._worker = worker

    def report(self, obj: Any) -> None:
        try:
            payload = pickle.dumps(obj, _PROTOCOL)
        except Exception as exc:
            raise TypeError(f"a progress object must be picklable; {exc}") from exc
        self._worker.log_event(self._topic, {"k": self._key, "e": "progress", "d": payload})

    def cancel_requested(self) -> bool:
        return self._key in _cancelled


def run_task(topic: str, key: str, task_id: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Run one task on a Dask worker, with progress and cancel wired to the executor.

    Args:
        topic: The executor's event topic.
        key: The task's Dask key (unique per submission).
        task_id: The id the task was submitted under.
        fn: The task function.
        *args: Its arguments.

    Returns:
        What ``fn`` returns. An exception that cannot be pickled is replaced by
        :class:`TaskFailed` carrying its traceback text.
    """
    worker = distributed.get_worker()
    _announce(worker, topic, {"k": key, "e": "start", "a": worker.address, "pid": os.getpid()})
    try:
        with bind_task(_DaskTask(task_id, key, topic, worker)):
            return fn(*args)
    except BaseException as exc:
        try:
            pickle.loads(pickle.dumps(exc, _PROTOCOL))
        except Exception:
            name = f"{type(exc).__module__}.{type(exc).__qualname__}"
            raise TaskFailed(
                f"task {task_id} raised {name}: {exc}",
                task_id=task_id,
                exc_type=name,
                traceback="".join(tb_module.format_exception(exc)),
            ) from None
        raise
    finally:
        _cancelled.pop(key, None)
        _announce(worker, topic, {"k": key, "e": "end"})


def _announce(worker: distributed.Worker, topic: str, message: dict[str, Any]) -> None:
    """Publish a start/end event and wait until the scheduler has it (~1 ms).

    If the worker dies the next moment (this task crashes it, or the next task does before
    the worker's batched messages go out), the client still knows whether the task had
    started and whether it had ended: that is what tells the crashing task from the
    innocent ones Dask fails with it.
    """
    try:
        sync(worker.loop, worker.scheduler.log_event, topic=topic, msg=message)
    except Exception:
        worker.log_event(topic, message)


def kill_worker_process(pid: int, dask_worker: Any = None) -> bool:
    """Kill the worker process ``pid`` of this nanny (sent with ``Client.run(nanny=True)``).

    The nanny then starts a new worker. Killing from the nanny works even when the task
    holds the worker's GIL, and takes no grace period, unlike a graceful restart.

    Returns:
        Whether ``pid`` was this nanny's worker and was sent SIGKILL.
    """
    if dask_worker is None or getattr(dask_worker, "pid", None) != pid:
        return False
    os.kill(pid, signal.SIGKILL)
    return True


def mark_cancelled(key: str) -> None:
    """Record on this worker that task ``key`` should stop (sent with ``Client.run``)."""
    now = time.monotonic()
    for old in [k for k, t in _cancelled.items() if now - t > _CANCEL_MEMORY]:
        del _cancelled[old]  # cancels of tasks that never ran on this worker
    _cancelled[key] = now


# -- client side ------------------------------------------------------------------------


_DaskFuture = Any  # distributed.Future, whose methods are unannotated


def _new_key(task_id: str) -> str:
    # A fresh key per submission: a resubmitted task id must never meet the scheduler's
    # memory of the previous one (same key = same result in Dask).
    return f"{task_id}-{uuid.uuid4().hex[:12]}"


@dataclass(eq=False, slots=True)
class _Record:
    task_id: str
    key: str
    future: Future[Any]
    on_progress: ProgressCallback | None
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    dask_future: _DaskFuture | None = None
    requeues: int = 0
    submitted: threading.Event = field(default_factory=threading.Event)
    stopped: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    ended: bool = False
    worker: str = ""
    pid: int | None = None
    cancelled: bool = False
    killing: bool = False


class DaskExecutor:
    """Runs tasks on a Dask cluster through a ``distributed.Client``.

    Workers should run one thread each (``threads_per_worker=1``): Aer then gets one core
    per task, and a task that crashes its worker, or ignores its cancel and has its worker
    process killed, takes no other running task with it (the nanny starts a new worker; tasks
    that were only waiting there are submitted again). Dask nannies already give workers
    ``OMP_NUM_THREADS=1`` (``distributed.nanny.pre-spawn-environ``). Without nannies a task
    that ignores its cancel is stopped by ``Client.restart_workers`` instead.

    How it works: this is the only module that imports ``distributed`` (an optional extra).
    Every task runs inside :func:`run_task`, which publishes ``start`` / ``progress`` /
    ``end`` events on a topic of this executor (start and end acknowledged by the scheduler
    before the task goes on); the client's ``subscribe_topic`` handler receives them in
    order. A cancel request reaches the task through a set of cancelled keys in the worker
    process (``Client.run``). Workers that die must not have their task re-run silently
    elsewhere, so the executor sets the scheduler's ``allowed_failures`` to 0 and maps
    ``KilledWorker`` to :class:`WorkerCrashed` for the task that had started and not ended
    there; a second ``start`` of one task also counts as a crash, in case the scheduler's
    setting could not be changed.

    Args:
        client_or_address: A connected client (left open on shutdown) or a scheduler
            address (a client is created, and closed on shutdown).
        preload: Modules every worker imports at start (registered as a worker plugin, in
            the background).
        cancel_grace: Seconds a running task has to stop on its own after a cancel.
        allowed_failures: Set on the scheduler so a task whose worker died fails instead of
            being re-run (0); this is a scheduler-wide setting, so share the cluster only
            with work that accepts it. ``None`` leaves the scheduler alone.

    Raises:
        TypeError: ``client_or_address`` is neither a ``Client`` nor a string.
        ValueError: ``cancel_grace`` < 0.

    Example:
        >>> from distributed import Client, LocalCluster  # doctest: +SKIP
        >>> from eigen_engine.qrtx.executors import DaskExecutor, testing  # doctest: +SKIP
        >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
        >>> DaskExecutor(client).submit("t-1", testing.echo, 1).result()  # doctest: +SKIP
        1
    """

    def __init__(
        self,
        client_or_address: distributed.Client | str,
        *,
        preload: Iterable[str] = ("qiskit_aer",),
        cancel_grace: float = 1.0,
        allowed_failures: int | None = 0,
    ) -> None:
        if cancel_grace < 0:
            raise ValueError(f"cancel_grace must be >= 0 seconds, got {cancel_grace}")
        client: distributed.Client
        if isinstance(client_or_address, str):
            client = distributed.Client(client_or_address)  # type: ignore[no-untyped-call]
            self._owns_client = True
        elif isinstance(client_or_address, distributed.Client):
            client = client_or_address
            self._owns_client = False
        else:
            raise TypeError(
                "client_or_address must be a distributed.Client or a scheduler address such as "
                f"'tcp://127.0.0.1:8786', got {type(client_or_address).__name__}"
            )
        self._typed_client = client
        # Most of Client's methods are unannotated; calls go through an Any-typed alias
        # instead of an ignore comment on each of them.
        self._client: Any = cast(Any, client)
        self._grace = cancel_grace
        self._topic = f"eigen-executor-{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._tasks: dict[str, _Record] = {}
        self._by_key: dict[str, _Record] = {}
        self._shutdown = False
        self._nthreads = (0.0, 0)
        self._delivery = Delivery("eigen-dask-executor-callbacks")
        self._control = ThreadPoolExecutor(4, thread_name_prefix="eigen-dask-executor")
        self._done: queue.SimpleQueue[tuple[_Record, _DaskFuture] | None] = queue.SimpleQueue()
        self._collector = threading.Thread(
            target=self._collect, name="eigen-dask-executor-results", daemon=True
        )
        self._collector.start()
        self._client.subscribe_topic(self._topic, self._on_event)
        if allowed_failures is not None:
            self._limit_failures(allowed_failures)
        modules = tuple(preload)
        if modules:
            self._control.submit(self._register_preload, modules)

    @property
    def max_workers(self) -> int:
        """How many tasks can run at once: the cluster's worker threads (cached for 5 s)."""
        when, count = self._nthreads
        if time.monotonic() - when > 5.0:
            count = sum(self._client.nthreads().values())
            self._nthreads = (time.monotonic(), count)
        return count

    @property
    def client(self) -> distributed.Client:
        """The ``distributed.Client`` this executor submits through."""
        return self._typed_client

    def __enter__(self) -> DaskExecutor:
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
        """Submit ``fn(*args)`` to the cluster; see :meth:`Executor.submit`."""
        if not task_id:
            raise ValueError("task_id must be a non-empty string")
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        record = _Record(task_id, _new_key(task_id), future, on_progress, fn, args)
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit a task after the executor was shut down")
            if task_id in self._tasks:
                raise ValueError(f"task id {task_id!r} is already queued or running")
            self._tasks[task_id] = record
            self._by_key[record.key] = record
        try:
            self._send(record)
        except BaseException:
            with self._lock:
                del self._tasks[task_id]
                del self._by_key[record.key]
            raise
        return future

    def cancel(self, task_id: str) -> bool:
        """Cancel a queued or running task; see :meth:`Executor.cancel`."""
        with self._lock:
            record = self._tasks.get(task_id)
            if record is None:
                return False
            if record.cancelled:
                return True
            record.cancelled = True
        self._control.submit(self._stop, record)
        return True

    def running(self) -> set[str]:
        """Return the ids of the tasks that have started on a worker and not finished."""
        with self._lock:
            return {r.task_id for r in self._tasks.values() if r.started}

    def shutdown(self, wait: bool = True, *, cancel: bool = False) -> None:
        """Stop taking tasks; release the client's resources when the tasks are done.

        Args:
            wait: Block until every submitted task's future is resolved.
            cancel: Cancel every unfinished task first.
        """
        with self._lock:
            already = self._shutdown
            self._shutdown = True
            records = list(self._tasks.values())
        if already:
            return
        if cancel:
            for record in records:
                self.cancel(record.task_id)
        if wait:
            self._close([r.future for r in records])
        else:
            threading.Thread(
                target=self._close, args=([r.future for r in records],), daemon=True
            ).start()

    # -- internals -----------------------------------------------------------------------

    def _send(self, record: _Record) -> None:
        dask_future = self._client.submit(
            run_task,
            self._topic,
            record.key,
            record.task_id,
            record.fn,
            *record.args,
            key=record.key,
            pure=False,
        )
        record.dask_future = dask_future
        record.submitted.set()
        dask_future.add_done_callback(partial(self._on_dask_done, record))

    def _requeue(self, record: _Record) -> None:
        """Submit again a task that was not running when its worker died."""
        with self._lock:
            self._by_key.pop(record.key, None)
            record.key = _new_key(record.task_id)
            record.requeues += 1
            record.started = record.ended = False
            record.worker, record.pid = "", None
            record.submitted.clear()
            record.stopped.clear()
            self._by_key[record.key] = record
        logger.info(
            "task %s was not running on a worker that died; submitting it again", record.task_id
        )
        try:
            self._send(record)
        except Exception as exc:
            self._resolve(record, error=exc)

    def _close(self, futures: list[Future[Any]]) -> None:
        wait_futures(futures)
        self._done.put(None)
        self._collector.join()
        try:
            self._client.unsubscribe_topic(self._topic)
        except Exception:  # the client may be closed already
            logger.debug("could not unsubscribe from %s", self._topic, exc_info=True)
        self._control.shutdown(wait=True)
        self._delivery.close(wait=True)
        if self._owns_client:
            self._client.close()

    def _limit_failures(self, allowed: int) -> None:
        # Defined here so cloudpickle sends it by value: the scheduler need not have eigen.
        def set_allowed_failures(count: int, dask_scheduler: Any = None) -> None:
            dask_scheduler.allowed_failures = count

        try:
            self._client.run_on_scheduler(set_allowed_failures, allowed)
        except Exception:
            logger.warning(
                "could not set allowed_failures=%d on the Dask scheduler; a task whose worker "
                "dies fails when Dask starts it a second time",
                allowed,
                exc_info=True,
            )

    def _register_preload(self, modules: tuple[str, ...]) -> None:
        try:
            self._client.register_plugin(PreloadPlugin(modules), name=PreloadPlugin.name)
        except Exception:
            logger.warning("could not register the preload plugin %s", modules, exc_info=True)

    def _on_event(self, event: tuple[float, dict[str, Any]]) -> None:
        """Handle a worker event (runs on the client's event loop: never block here)."""
        message = event[1]
        with self._lock:
            record = self._by_key.get(message.get("k", ""))
            if record is None:
                return
            kind = message.get("e")
            rerun = False
            if kind == "start":
                # Started before and did not end: its worker died and Dask runs it again.
                # (Started and ended: its result was lost with a worker and is recomputed.)
                rerun = record.started and not record.ended
                if not rerun:
                    record.started, record.ended = True, False
                    record.worker = message["a"]
                    record.pid = message["pid"]
            elif kind == "end":
                record.ended = True
            cancelled = record.cancelled
        if kind == "progress" and record.on_progress is not None and not cancelled:
            callback = record.on_progress
            try:
                obj = pickle.loads(message["d"])
            except Exception:
                logger.exception(
                    "task %s: a progress object could not be unpickled", record.task_id
                )
                return
            self._delivery.put(lambda: callback(obj))
        elif rerun and not cancelled:
            self._control.submit(self._fail_rerun, record, message["a"])

    def _on_dask_done(self, record: _Record, dask_future: _DaskFuture) -> None:
        """Hand a finished Dask future to the collector (runs on Dask's callback thread)."""
        self._done.put((record, dask_future))

    def _collect(self) -> None:
        """Map finished Dask futures onto task futures, fetching results in batches.

        One ``Future.result()`` per task costs a round trip each; gathering what finished
        together in one call keeps throughput close to plain ``Client.gather``.
        """
        while (item := self._done.get()) is not None:
            batch = [item]
            while True:
                try:
                    more = self._done.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._done.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            values = self._gather([f for _, f in batch if f.status == "finished"])
            for record, dask_future in batch:
                try:
                    self._settle(record, dask_future, values)
                except Exception:
                    logger.exception("could not settle task %s", record.task_id)

    def _gather(self, futures: list[_DaskFuture]) -> dict[str, Any]:
        if not futures:
            return {}
        try:
            return dict(zip([f.key for f in futures], self._client.gather(futures), strict=True))
        except Exception:  # one result failed to arrive or deserialize: fetch one by one
            return {}

    def _settle(self, record: _Record, dask_future: _DaskFuture, values: dict[str, Any]) -> None:
        status = dask_future.status
        value: Any = None
        error: BaseException | None = None
        if status == "finished":
            if record.key in values:
                value = values[record.key]
            else:
                try:
                    value = dask_future.result()
                except Exception as exc:  # the result could not be fetched or deserialized
                    error = exc
        elif status == "error":
            error = dask_future.exception()
            tb = dask_future.traceback()
            if error is not None and tb is not None and not isinstance(error, KilledWorker):
                error.__cause__ = RemoteTraceback("".join(tb_module.format_tb(tb)))
        # Let the scheduler forget the key now (the record and the future form a cycle).
        with self._lock:
            record.dask_future = None
        dask_future.release()
        if status == "cancelled" and record.started and record.killing:
            return  # _stop kills the worker and resolves
        if status != "cancelled" or not record.started:
            record.stopped.set()
        if record.cancelled or status == "cancelled":
            self._resolve(record, error=TaskCancelled(task_id=record.task_id))
        elif status not in ("finished", "error"):
            # "lost" (or back to "pending"): its worker died before the result reached us,
            # e.g. the neighbour of a task that crashed the worker. Never resolve it as None.
            if record.requeues < _MAX_REQUEUES and not self._shutdown:
                self._requeue(record)
            else:
                self._resolve(record, error=WorkerCrashed(
                    f"task {record.task_id} was lost with its Dask worker ({status})",
                    task_id=record.task_id,
                ))
        elif isinstance(error, KilledWorker):
            # With allowed_failures=0 Dask also fails the tasks that merely waited on the dead
            # worker, or had finished there unreported. Ours announce start and end
            # synchronously, so only a task that started and did not end died with it.
            innocent = not record.started or record.ended
            if innocent and record.requeues < _MAX_REQUEUES and not self._shutdown:
                self._requeue(record)
            else:
                self._control.submit(self._fail_crashed, record, error)
        else:
            self._resolve(record, value=value, error=error)

    def _stop(self, record: _Record) -> None:
        """Stop a cancelled task: ask it, wait the grace, then kill its worker process."""
        record.submitted.wait()
        with self._lock:
            started, address, pid = record.started, record.worker, record.pid
            dask_future = record.dask_future
        try:
            # Not started as far as we know: it may be starting on any worker right now.
            self._client.run(
                mark_cancelled,
                record.key,
                workers=[address] if started else None,
                on_error="ignore",
            )
        except Exception:
            logger.debug("could not flag task %s as cancelled", record.task_id, exc_info=True)
        if not started and dask_future is not None:
            self._client.cancel([dask_future])
        if not record.stopped.wait(self._grace):
            with self._lock:
                started, address, pid = record.started, record.worker, record.pid
                dask_future = record.dask_future
                record.killing = started
            if started and pid is not None:
                logger.info(
                    "task %s ignored its cancel; killing its worker %s", record.task_id, address
                )
                if dask_future is not None:
                    self._client.cancel([dask_future])
                self._kill(address, pid)
        self._resolve(record, error=TaskCancelled(task_id=record.task_id))
        with self._lock:
            self._by_key.pop(record.key, None)

    def _kill(self, address: str, pid: int) -> None:
        """End worker process ``pid`` through its nanny, or restart the worker without one."""
        try:
            killed = self._client.run(kill_worker_process, pid, workers=[address], nanny=True)
            if any(killed.values()):
                return
        except Exception:
            logger.debug("could not kill worker %s through its nanny", address, exc_info=True)
        try:
            self._client.restart_workers([address], raise_for_error=False)
        except Exception:
            logger.warning("could not restart Dask worker %s", address, exc_info=True)

    def _fail_crashed(self, record: _Record, error: KilledWorker) -> None:
        address = error.last_worker.address
        pid = error.last_worker.pid or record.pid  # the start event may die with the worker
        returncode = self._exit_status(pid) if pid else None
        logger.warning("Dask worker %s running task %s died", address, record.task_id)
        self._resolve(
            record,
            error=WorkerCrashed(
                f"the worker process running task {record.task_id} "
                f"{describe_returncode(returncode)} (Dask worker {address})",
                task_id=record.task_id,
                returncode=returncode,
            ),
        )

    def _fail_rerun(self, record: _Record, address: str) -> None:
        with self._lock:
            record.killing = True
            dask_future = record.dask_future
        if dask_future is not None:
            self._client.cancel([dask_future])
        try:
            self._client.run(mark_cancelled, record.key, workers=[address])
        except Exception:
            logger.debug("could not flag task %s as cancelled", record.task_id, exc_info=True)
        returncode = self._exit_status(record.pid) if record.pid is not None else None
        self._resolve(
            record,
            error=WorkerCrashed(
                f"the worker process running task {record.task_id} "
                f"{describe_returncode(returncode)} (Dask worker {record.worker}; Dask started "
                "the task again elsewhere, which was stopped)",
                task_id=record.task_id,
                returncode=returncode,
            ),
        )

    def _exit_status(self, pid: int) -> int | None:
        """Find how worker process ``pid`` ended in the nannies' logs (best effort)."""
        deadline = time.monotonic() + _EXIT_LOG_WAIT
        while True:
            try:
                logs = self._client.get_worker_logs(n=200, nanny=True)
            except Exception:
                logs = {}
            for lines in logs.values():
                for _level, text in lines:
                    match = _EXIT_LOG.search(text)
                    if match and int(match[1]) == pid:
                        if match[2]:
                            return -int(match[2])
                        return int(match[3]) if match[3] else None
            if time.monotonic() > deadline:
                return None
            time.sleep(0.2)

    def _resolve(
        self, record: _Record, *, value: Any = None, error: BaseException | None = None
    ) -> None:
        with self._lock:
            if self._tasks.get(record.task_id) is record:
                del self._tasks[record.task_id]
            if not record.cancelled:
                self._by_key.pop(record.key, None)
        if record.on_progress is None:
            settle(record.future, value=value, error=error)
        else:
            self._delivery.put(lambda: settle(record.future, value=value, error=error))
