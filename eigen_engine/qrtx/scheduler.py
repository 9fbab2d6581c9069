"""The scheduler: admits queued jobs to workers, and settles what comes back.

One thread per engine runs :meth:`Scheduler._serve`. While it holds the home's
:class:`~eigen_engine.qrtx.lease.SchedulerLease` it takes QUEUED jobs in priority order
(highest first, FIFO within a priority, dependencies DONE), reserves their memory in the L1
ledger, moves them to RUNNING and hands them to the executor: a hybrid or large job alone,
small sampling jobs several to a task (one process hop for many jobs). It settles outcomes
(results persisted, then DONE; retries with backoff for transient driver errors; ERROR
otherwise, and the jobs that depend on a failed one fail too), enforces per-job timeouts, and
stops the tasks of jobs cancelled by any process. States change only through
``JobIndex.transition``; every change is published to the :class:`EventHub`.
"""

from __future__ import annotations

import collections
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from eigen_engine.errors import (
    EigenError,
    ErrorCode,
    FailedPrecondition,
    JobNotFound,
)
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qfs.ledger import ResourceLedger
from eigen_engine.qrtx.events import EventHub
from eigen_engine.qrtx.executors.base import Executor, TaskCancelled, WorkerCrashed
from eigen_engine.qrtx.lease import SchedulerLease
from eigen_engine.qrtx.records import JobRecord
from eigen_engine.qrtx.states import NON_TERMINAL, TERMINAL, JobState

__all__ = ["JobPlan", "Scheduler", "SchedulerConfig", "fail_dependents"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """Tuning of the scheduler.

    Attributes:
        batch_max: Most jobs in one batched task.
        poll_interval_s: How often to look for work queued by other processes, for cancels
            made by them, and for the lease when another engine holds it.
        retry_backoff_s: Delay before the first retry; doubled for each later one.
        stale_submission_s: A job PENDING or COMPILING for this long was abandoned by the
            process submitting it (a live submitter moves it on within a fraction of a
            second per job), so it is compiled again from QFS. Younger ones are left to
            their submitter, which may be another live engine.
    """

    batch_max: int = 32
    poll_interval_s: float = 0.25
    retry_backoff_s: float = 0.5
    stale_submission_s: float = 120.0


@dataclass(frozen=True, slots=True)
class JobPlan:
    """How to run one job: the picklable task argument and whether it may share a task.

    Attributes:
        task: The argument of the run function (e.g. a ``JobTask``).
        batchable: Small sampling job that may run in a batch with others.
    """

    task: Any
    batchable: bool


@dataclass(slots=True)
class _Inflight:
    key: str
    job_ids: list[str]
    future: Future[Any]
    deadline: float | None
    solo: bool = field(default=True)


Planner = Callable[[JobRecord], JobPlan]
Dispatcher = Callable[[JobRecord, JobPlan], Any]
Persister = Callable[[dict[str, Any], JobRecord | None], None]
Discarder = Callable[[str], None]
ProgressSink = Callable[[str, dict[str, Any]], None]
Recompiler = Callable[[JobRecord], None]


class Scheduler:
    """Runs the queued jobs of one engine home; see the module docstring.

    Args:
        index: The job index and queue.
        ledger: Memory/qubit admission.
        hub: Where state events go.
        lease: The home's scheduler lease.
        executor_factory: Makes the executor on first use.
        run_one: Picklable task function for one job: ``run_one(task) -> outcome``.
        run_many: Picklable task function for a batch: ``run_many(tasks) -> [outcome]``.
        plan: Builds a job's :class:`JobPlan` (from a cache, or from QFS).
        persist: ``persist(outcome, record)`` writes a finished job's results and
            ``meta.json`` (before DONE); for an outcome the worker stored already (it says
            ``"stored": True``) the record is not read, and ``None``.
        on_progress: Receives ``(job_id, report)`` progress reports from workers.
        recompile: Compiles again a job an earlier engine left PENDING or COMPILING.
        task_for: The task argument to send for a job that just went RUNNING (default:
            ``plan.task``); lets the engine add what is known only now (attempt, times).
        discard: Undoes what a successful outcome stored when the job ended otherwise
            meanwhile (cancelled, timed out).
        config: Tuning.
    """

    def __init__(
        self,
        *,
        index: JobIndex,
        ledger: ResourceLedger,
        hub: EventHub,
        lease: SchedulerLease,
        executor_factory: Callable[[], Executor],
        run_one: Callable[[Any], dict[str, Any]],
        run_many: Callable[[tuple[Any, ...]], list[dict[str, Any]]],
        plan: Planner,
        persist: Persister,
        on_progress: ProgressSink,
        recompile: Recompiler,
        task_for: Dispatcher | None = None,
        discard: Discarder | None = None,
        config: SchedulerConfig | None = None,
    ) -> None:
        self._index = index
        self._ledger = ledger
        self._hub = hub
        self._lease = lease
        self._executor_factory = executor_factory
        self._executor: Executor | None = None
        self._run_one = run_one
        self._run_many = run_many
        self._plan = plan
        self._persist = persist
        self._on_progress = on_progress
        self._recompile = recompile
        self._task_for: Dispatcher = task_for or (lambda _record, plan: plan.task)
        self._discard: Discarder = discard or (lambda _job_id: None)
        self._config = config or SchedulerConfig()
        self._wake = threading.Condition()
        self._stopping = False
        self._woken = False  # wake() was called since the scheduler last went to sleep
        self._done: collections.deque[_Inflight] = collections.deque()
        self._inflight: dict[str, _Inflight] = {}
        self._task_of: dict[str, str] = {}
        self._not_before: dict[str, float] = {}
        self._solo: set[str] = set()
        self._last_poll = 0.0
        self._last_sweep = 0.0
        self._thread = threading.Thread(target=self._serve, name="eigen-scheduler", daemon=True)

    # -- public -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler thread."""
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (new work, a cancel) instead of at the next poll.

        A wake-up that comes while the scheduler is busy is remembered, so work queued just
        after it read the queue is seen at once, not at the next poll.
        """
        with self._wake:
            self._woken = True
            self._wake.notify_all()

    @property
    def executor(self) -> Executor | None:
        """The executor, once the first job has been dispatched."""
        return self._executor

    def ensure_executor(self) -> Executor:
        """Return the executor, making it now if no job has needed it yet."""
        with self._wake:
            if self._executor is None:
                self._executor = self._executor_factory()
            return self._executor

    def stop_task_of(self, job_id: str) -> None:
        """Stop the worker task of a job that was just cancelled (no-op if none runs here).

        A batch keeps running while any of its jobs is still wanted; the outcome of a
        cancelled job is then simply dropped.
        """
        with self._wake:
            key = self._task_of.get(job_id)
            inflight = self._inflight.get(key) if key else None
        if inflight is None or self._executor is None:
            return
        states = self._index.states(inflight.job_ids)
        if all(states.get(j) in TERMINAL for j in inflight.job_ids):
            self._executor.cancel(inflight.key)

    def close(self, timeout: float | None = 30.0) -> None:
        """Stop scheduling; hand running jobs back to the queue for the next engine."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel=True)
        for inflight in list(self._inflight.values()):
            for job_id in inflight.job_ids:
                self._ledger.release(job_id)
                self._requeue(job_id, "the engine was closed while the job ran; it runs again "
                                      "when an engine opens this home", count_attempt=False)
        self._inflight.clear()
        self._task_of.clear()
        self._lease.release()

    # -- the scheduler thread -----------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            try:
                if not self._lease.held:
                    if self._lease.try_acquire():
                        self._recover()
                    else:
                        self._sleep(self._config.poll_interval_s)
                        continue
                self._settle_finished()
                now = time.monotonic()
                self._enforce_timeouts(now)
                if now - self._last_poll >= self._config.poll_interval_s:
                    self._last_poll = now
                    self._notice_external_cancels()
                if now - self._last_sweep >= self._config.stale_submission_s / 4:
                    self._last_sweep = now
                    self._recover(running=False)
                self._dispatch()
            except Exception:  # the scheduler must outlive any one bad job or disk hiccup
                _log.exception("scheduler iteration failed; retrying")
                self._sleep(self._config.poll_interval_s)
                continue
            self._sleep(self._next_wake())

    def _sleep(self, seconds: float) -> None:
        with self._wake:
            if not (self._stopping or self._done or self._woken):
                self._wake.wait(max(seconds, 0.0))
            self._woken = False

    def _next_wake(self) -> float:
        wait = self._config.poll_interval_s
        now = time.monotonic()
        deadlines = [i.deadline for i in self._inflight.values() if i.deadline is not None]
        moments = deadlines + list(self._not_before.values())
        if moments:
            wait = min(wait, min(moments) - now)
        return wait

    # -- recovery -------------------------------------------------------------------------

    def _recover(self, *, running: bool = True) -> None:
        """Repair what an engine that died left behind (DESIGN.md §5).

        RUNNING jobs can only belong to a previous holder of the lease, so they are taken
        back at once (``running``); abandoned submissions only once they are stale.
        """
        stale_before = time.time() - self._config.stale_submission_s
        for record in self._index.recoverable(include_queued=False):
            if record.state is not JobState.RUNNING:
                if max(record.timestamps.values(), default=record.created_at) > stale_before:
                    continue
            elif not running:
                continue
            try:
                if record.state is JobState.RUNNING:
                    self._requeue(
                        record.id,
                        "the engine running this job stopped before it finished",
                        count_attempt=True,
                    )
                else:
                    if record.state is JobState.COMPILING:
                        self._change(record.id, JobState.PENDING, expected=JobState.COMPILING)
                    self._recompile(self._index.get(record.id))
            except (FailedPrecondition, JobNotFound):
                continue  # another process changed it meanwhile
            except EigenError as exc:
                self._fail(record.id, exc.code, exc.message)

    def _requeue(self, job_id: str, why: str, *, count_attempt: bool) -> None:
        """Put a RUNNING job back in the queue, or fail it when its attempts are used up."""
        record = self._index.get(job_id)
        if record.state is not JobState.RUNNING:
            return
        if count_attempt and record.attempt >= record.max_attempts:
            self._fail(
                job_id,
                ErrorCode.UNAVAILABLE,
                f"{why}; it was tried {record.attempt} time(s), its retry budget "
                f"(runtime.retry.max_attempts = {record.max_attempts})",
            )
            return
        if count_attempt:
            record = self._index.increment_attempt(job_id)
        note = f"{why}; re-queued (attempt {record.attempt} of {record.max_attempts})"
        self._change(job_id, JobState.QUEUED, expected=JobState.RUNNING,
                     error=(ErrorCode.UNAVAILABLE, note))

    # -- dispatch ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        executor = self._executor
        workers = executor.max_workers if executor is not None else None
        free = (workers if workers is not None else 1) - len(self._inflight)
        if free <= 0:
            return
        now = time.monotonic()
        for job_id, moment in list(self._not_before.items()):
            if moment <= now:
                del self._not_before[job_id]
        exclude = set(self._not_before)
        records = self._index.next_queued(free * self._config.batch_max, exclude=exclude)
        if not records:
            return
        if executor is None:
            executor = self.ensure_executor()
            free = executor.max_workers - len(self._inflight)
        per_task = max(1, min(self._config.batch_max, math.ceil(len(records) / max(free, 1))))
        # Choose the jobs that fit (workers, memory), start them in one transaction, then
        # hand them out: a job alone, or small sampling jobs ``per_task`` to a task.
        chosen: list[tuple[JobRecord, JobPlan]] = []
        batched = 0
        for record in records:
            if free <= 0:
                break
            try:
                plan = self._plan(record)
            except EigenError as exc:
                self._fail(record.id, exc.code, exc.message)
                continue
            if not self._ledger.try_acquire(record.id, record.memory_bytes or 0,
                                            record.qubits or 0):
                break  # strict priority: wait until running jobs free their memory
            chosen.append((record, plan))
            if self._batchable(record, plan):
                batched += 1
                if batched < per_task:
                    continue
                batched = 0
            free -= 1
        batch: list[tuple[JobRecord, JobPlan]] = []
        for record, plan in self._start(chosen):
            if self._batchable(record, plan):
                batch.append((record, plan))
                if len(batch) >= per_task:
                    self._submit(batch)
                    batch = []
                continue
            self._submit([(record, plan)])
        if batch:
            self._submit(batch)

    def _batchable(self, record: JobRecord, plan: JobPlan) -> bool:
        return plan.batchable and record.id not in self._solo and record.timeout_s is None

    def _start(
        self, chosen: list[tuple[JobRecord, JobPlan]]
    ) -> list[tuple[JobRecord, JobPlan]]:
        """Move the chosen jobs to RUNNING (one transaction); return those that went."""
        if not chosen:
            return []
        try:
            running = self._index.transition_many(
                [record.id for record, _ in chosen], JobState.RUNNING, expected=JobState.QUEUED
            )
        except (FailedPrecondition, JobNotFound):
            # One was cancelled (or started by another engine) meanwhile: go one by one.
            started = []
            for record, plan in chosen:
                now_running = self._change(record.id, JobState.RUNNING,
                                           expected=JobState.QUEUED, quiet=True)
                if now_running is None:
                    self._ledger.release(record.id)
                else:
                    started.append((now_running, plan))
            return started
        for record in running:
            self._hub.publish_state(record)
        return [(record, plan) for record, (_, plan) in zip(running, chosen, strict=True)]

    def _submit(self, group: list[tuple[JobRecord, JobPlan]]) -> None:
        assert self._executor is not None
        ids = [record.id for record, _ in group]
        key = ids[0] if len(ids) == 1 else f"batch-{ids[0]}"
        timeout = group[0][0].timeout_s if len(group) == 1 else None
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            tasks = tuple(self._task_for(record, plan) for record, plan in group)
            if len(group) == 1:
                future = self._executor.submit(
                    key, self._run_one, tasks[0], on_progress=self._progress
                )
            else:
                future = self._executor.submit(
                    key, self._run_many, tasks, on_progress=self._progress
                )
        except Exception as exc:
            for job_id in ids:
                self._ledger.release(job_id)
                self._fail(job_id, ErrorCode.INTERNAL, f"could not start a worker task: {exc}")
            return
        inflight = _Inflight(key, ids, future, deadline, solo=len(ids) == 1)
        with self._wake:
            self._inflight[key] = inflight
            for job_id in ids:
                self._task_of[job_id] = key
        future.add_done_callback(functools.partial(self._finished, inflight))

    def _progress(self, report: Any) -> None:
        if isinstance(report, dict) and isinstance(report.get("job_id"), str):
            self._on_progress(report["job_id"], report)

    def _finished(self, inflight: _Inflight, _future: Future[Any]) -> None:
        with self._wake:
            self._done.append(inflight)
            self._wake.notify_all()

    # -- settling ---------------------------------------------------------------------------

    def _settle_finished(self) -> None:
        while True:
            with self._wake:
                if not self._done:
                    return
                inflight = self._done.popleft()
                self._inflight.pop(inflight.key, None)
                for job_id in inflight.job_ids:
                    self._task_of.pop(job_id, None)
            try:
                self._settle(inflight)
            finally:
                for job_id in inflight.job_ids:
                    self._ledger.release(job_id)

    def _settle(self, inflight: _Inflight) -> None:
        try:
            value = inflight.future.result()
        except TaskCancelled:
            return  # cancelled or timed out: the job's state was set when that was decided
        except WorkerCrashed as exc:
            if inflight.solo:
                self._fail(inflight.job_ids[0], ErrorCode.INTERNAL, str(exc))
                return
            # One job of a batch brought the worker down: run each again on its own, so
            # only the culprit fails.
            for job_id in inflight.job_ids:
                self._solo.add(job_id)
                self._requeue(job_id, f"a job in the same worker batch crashed it ({exc})",
                              count_attempt=False)
            return
        except Exception as exc:
            for job_id in inflight.job_ids:
                self._fail(job_id, ErrorCode.INTERNAL, f"the worker task failed: {exc}")
            return
        outcomes = value if isinstance(value, list) else [value]
        done = [outcome for outcome in outcomes if self._settle_one(outcome)]
        self._finish_done(done)

    def _finish_done(self, outcomes: list[dict[str, Any]]) -> None:
        """Move the jobs of stored successful outcomes to DONE, in one transaction."""
        if not outcomes:
            return
        try:
            records = self._index.transition_many(
                [outcome["job_id"] for outcome in outcomes], JobState.DONE,
                expected=JobState.RUNNING,
            )
        except (FailedPrecondition, JobNotFound):
            # One was cancelled or timed out meanwhile: go one by one, dropping its outcome.
            for outcome in outcomes:
                if self._change(outcome["job_id"], JobState.DONE, expected=JobState.RUNNING,
                                quiet=True) is None:
                    self._drop(outcome)
            return
        for record in records:
            self._hub.publish_state(record)

    def _drop(self, outcome: dict[str, Any]) -> None:
        """The job ended otherwise while it ran: its outcome (and anything stored) goes."""
        try:
            self._discard(outcome["job_id"])
        except (EigenError, OSError) as exc:
            _log.warning("could not discard the results of job %s: %s", outcome["job_id"], exc)

    def _settle_one(self, outcome: dict[str, Any]) -> bool:
        """Act on one outcome; return ``True`` for a success whose results are stored and
        whose job should now go DONE."""
        job_id = outcome["job_id"]
        self._solo.discard(job_id)
        stored = bool(outcome.get("ok") and outcome.get("stored"))
        record = None
        if not stored:  # (a stored outcome's state is checked by the DONE transition)
            try:
                record = self._index.get(job_id)
            except JobNotFound:
                return False
            if record.state is not JobState.RUNNING:
                return False  # cancelled or timed out meanwhile: the outcome is dropped
        if outcome.get("ok"):
            try:
                self._persist(outcome, record)
            except EigenError as exc:
                self._fail(job_id, exc.code, f"could not store the results: {exc.message}")
                return False
            except OSError as exc:
                self._fail(job_id, ErrorCode.INTERNAL, f"could not store the results: {exc}")
                return False
            return True
        assert record is not None
        if outcome.get("cancelled"):
            self._change(job_id, JobState.CANCELLED, expected=JobState.RUNNING, quiet=True)
            fail_dependents(self._index, self._hub, job_id)
            return False
        error = outcome.get("error") or {}
        code = ErrorCode(error.get("code", ErrorCode.INTERNAL.value))
        message = str(error.get("message", "the job failed"))
        if error.get("transient") and record.attempt < record.max_attempts:
            backoff = self._config.retry_backoff_s * 2 ** (record.attempt - 1)
            self._not_before[job_id] = time.monotonic() + backoff
            self._requeue(job_id, f"transient driver error: {message}", count_attempt=True)
            return False
        if error.get("transient"):
            message = (f"{message} (gave up after {record.attempt} attempt(s); raise "
                       "runtime.retry.max_attempts to try more often)")
        self._fail(job_id, code, message)
        return False

    def _fail(self, job_id: str, code: ErrorCode, message: str) -> None:
        """Move a job to ERROR (if it has not finished) and fail the jobs waiting on it."""
        self._solo.discard(job_id)
        try:
            self._change(job_id, JobState.ERROR, error=(code, message),
                         expected=NON_TERMINAL, quiet=True)
        except (FailedPrecondition, JobNotFound):
            return
        fail_dependents(self._index, self._hub, job_id)

    def _change(
        self,
        job_id: str,
        state: JobState,
        *,
        expected: JobState | Collection[JobState] | None = None,
        error: tuple[ErrorCode, str] | None = None,
        quiet: bool = False,
    ) -> JobRecord | None:
        try:
            record = self._index.transition(job_id, state, expected=expected, error=error)
        except (FailedPrecondition, JobNotFound):
            if quiet:
                return None
            raise
        self._hub.publish_state(record)
        return record

    # -- timeouts and cancels from elsewhere ---------------------------------------------------

    def _enforce_timeouts(self, now: float) -> None:
        for inflight in list(self._inflight.values()):
            if inflight.deadline is None or now < inflight.deadline:
                continue
            inflight.deadline = None
            job_id = inflight.job_ids[0]
            record = self._index.get(job_id)
            limit = record.timeout_s
            self._fail(
                job_id,
                ErrorCode.DEADLINE_EXCEEDED,
                f"job {job_id} ran longer than its timeout of {limit:g} s "
                "(runtime.timeout.execution_seconds) and was stopped; raise the timeout or "
                "make the job smaller",
            )
            if self._executor is not None:
                self._executor.cancel(inflight.key)

    def _notice_external_cancels(self) -> None:
        """Stop the tasks of jobs another process cancelled (visible only in the index)."""
        ids = [job_id for i in self._inflight.values() for job_id in i.job_ids]
        if not ids:
            return
        states = self._index.states(ids)
        for job_id in ids:
            if states.get(job_id) in TERMINAL:
                self.stop_task_of(job_id)


def fail_dependents(index: JobIndex, hub: EventHub, job_id: str) -> list[str]:
    """Fail every unfinished job that (transitively) waits on ``job_id``, which did not
    finish DONE; return their ids. Each message names the dependency and how it ended."""
    failed: list[str] = []
    frontier = [job_id]
    while frontier:
        dep = frontier.pop()
        dep_record = index.get(dep)
        for child in index.dependents(dep):
            message = (
                f"dependency {dep} ended {dep_record.state}"
                + (f" ({dep_record.error_message})" if dep_record.error_message else "")
                + "; this job cannot run without it"
            )
            try:
                record = index.transition(
                    child,
                    JobState.ERROR,
                    error=(ErrorCode.FAILED_PRECONDITION, message),
                    expected=NON_TERMINAL,
                )
            except (FailedPrecondition, JobNotFound):
                continue
            hub.publish_state(record)
            failed.append(child)
            frontier.append(child)
    return failed

