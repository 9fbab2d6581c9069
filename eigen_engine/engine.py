"""``Engine``: the one composition root and facade of the embedded engine (DESIGN.md §4).

An engine owns a home directory (the SQLite index, QFS artifacts, the state store), a
scheduler thread and, once the first job runs, an executor (a local process pool or Dask).
Several engines — a Jupyter server and a CLI, say — may open the same home: all of them
submit, list, read and cancel, and the one holding the home's scheduler lease runs the jobs
(another takes over when it exits, and recovers what it left unfinished).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from eigen_engine.compiler.program import CompiledProgram, compile_source
from eigen_engine.drivers.devices import DeviceInfo
from eigen_engine.drivers.registry import list_devices, resolve_target
from eigen_engine.errors import (
    EigenError,
    ErrorCode,
    ErrorDetail,
    FailedPrecondition,
    InvalidArgument,
    JobCancelled,
    JobFailed,
    JobTimeout,
)
from eigen_engine.ir.canonical import canonical_bytes
from eigen_engine.job import Job, JobResult
from eigen_engine.jobspec import JobOptions, load_jobspec
from eigen_engine.qfs.artifacts import META_NAME, ArtifactStore
from eigen_engine.qfs.atomic import BackgroundSync
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qfs.ledger import ResourceLedger
from eigen_engine.qfs.outcome import JobFacts, ResultStorage, store_outcome
from eigen_engine.qfs.state_store import StateStore
from eigen_engine.qrtx.events import EventHub, JobEvent
from eigen_engine.qrtx.executors import Executor, LocalExecutor, create_executor
from eigen_engine.qrtx.lease import SchedulerLease
from eigen_engine.qrtx.records import JobRecord, Progress, validate_job_id
from eigen_engine.qrtx.scheduler import JobPlan, Scheduler, SchedulerConfig, fail_dependents
from eigen_engine.qrtx.states import TERMINAL, JobState
from eigen_engine.runtime.task import JobTask, calibrate_device, run_job, run_jobs
from eigen_engine.submission import (
    Prepared,
    Submission,
    is_batchable,
    prepare,
    stored_task,
)

__all__ = ["Engine", "default_home"]

_COMPILE_CACHE_SIZE = 256
_ACCEPT_CHUNK = 64  # jobs of a submit_many written and queued together


def default_home() -> Path:
    """The engine home: ``$EIGEN_HOME``, else ``<Jupyter data dir>/eigen``."""
    env = os.environ.get("EIGEN_HOME")
    if env:
        return Path(env).expanduser()
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "eigen"


class Engine:
    """Compile, queue, run and store jobs; see DESIGN.md §4 for the contract.

    Thread-safe: any thread may call any method. Methods that compile (``submit``,
    ``compile``) are CPU-bound; servers call them off their event loop.

    Args:
        home: The engine home (default :func:`default_home`).
        executor: ``"local"`` (a process pool, default), ``"dask"``, or an executor object.
        workers: Worker processes of the local pool (default: the CPU count).
        dask_address: Scheduler address of a Dask cluster (``executor="dask"``); without
            one the engine starts a ``LocalCluster`` of ``workers`` processes on this machine
            when the first job runs, and stops it on :meth:`close`.
        default_target: Target of jobs that name none anywhere (default ``simulator``).
        memory_bytes: Simulator memory budget for admission (default 75% of what is free).
        durability: ``"batched"`` (default): artifacts are replaced atomically at once and
            flushed to disk together once a second, like the index (SQLite
            ``synchronous=NORMAL``) — nothing is ever torn and a killed process loses
            nothing; ``"strict"``: every file is fsynced before the call returns (about
            0.5 ms more per file).
        scheduler: Scheduler tuning.
        run_scheduler: Run a scheduler in this engine (default). ``False`` makes a client of the
            home that submits, reads and cancels while another engine runs the jobs (the
            ``eigen status`` / ``jobs`` commands use this).

    Example:
        >>> from eigen_engine import Engine
        >>> with Engine(home=tmp_path) as engine:
        ...     job = engine.submit(open("examples/bell/program.eigen.py").read(), seed=1)
        ...     sorted(job.result().counts)
        ['00', '11']
    """

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        executor: str | Executor = "local",
        workers: int | None = None,
        dask_address: str | None = None,
        default_target: str | None = None,
        memory_bytes: int | None = None,
        durability: str = "batched",
        scheduler: SchedulerConfig | None = None,
        run_scheduler: bool = True,
    ) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.default_target = default_target
        self._executor_spec = executor
        self._workers = workers
        self._dask_address = dask_address
        if durability not in ("batched", "strict"):
            raise ValueError(f"durability must be 'batched' or 'strict', got {durability!r}")
        self._sync = BackgroundSync() if durability == "batched" else None
        self._index = JobIndex(self.home / "jobs.sqlite")
        self._store = ArtifactStore(self.home, sync=self._sync)
        self._state_store = StateStore(self.home)
        self._ledger = ResourceLedger(memory_bytes)
        self._hub = EventHub()
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._changes = 0  # state events seen (under _changed): no wake-up is lost in wait()
        self._poll_s = (scheduler or SchedulerConfig()).poll_interval_s
        self._plans: dict[str, JobPlan] = {}
        self._compile_s: dict[str, float] = {}
        self._workers_store = False  # set when the executor shares this home's filesystem
        self._cluster: Any = None  # the LocalCluster of executor="dask" without an address
        self._calibrations: dict[str, dict[str, float]] = {}
        self._compiled: OrderedDict[tuple[Any, ...], CompiledProgram] = OrderedDict()
        self._closed = False
        self._hub.subscribe(self._on_event)
        self._scheduler = Scheduler(
            index=self._index,
            ledger=self._ledger,
            hub=self._hub,
            lease=SchedulerLease(self.home),
            executor_factory=self._make_executor,
            run_one=run_job,
            run_many=run_jobs,
            plan=self._plan,
            persist=self._persist,
            on_progress=self._on_progress,
            recompile=self._recompile,
            task_for=self._task_for,
            discard=self._discard,
            config=scheduler,
        )
        if run_scheduler:
            self._scheduler.start()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Engine home={str(self.home)!r}>"

    # -- submitting ---------------------------------------------------------------------------

    def submit(
        self,
        source: str | None = None,
        spec: Any = None,
        *,
        target: str | None = None,
        shots: int | None = None,
        priority: int | None = None,
        seed: int | None = None,
        inputs: Mapping[str, Any] | None = None,
        name: str | None = None,
        noise_model: str | None = None,
        entrypoint: str | None = None,
        dependencies: Sequence[str] | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        owner: str | None = None,
        capture_state: bool = False,
        optimization_level: int | None = None,
    ) -> Job:
        """Compile a program and queue it as a job; return its handle at once.

        Args:
            source: Program text. Optional when ``spec`` names a program.
            spec: A :class:`~eigen_engine.jobspec.JobSpec` or the path of a ``job.yaml``.
            target, shots, priority, seed, noise_model, optimization_level, inputs: Job
                options; they override the JobSpec, which overrides ``@hybrid_program``.
            name: Display name.
            entrypoint: Which ``@hybrid_program`` function to run.
            dependencies: Job ids that must finish DONE before this one runs.
            timeout: Execution time budget in seconds.
            max_attempts: Retry budget for transient driver failures (default 3).
            owner: Who submits (the Jupyter identity).
            capture_state: Keep the final state in the L2 state store.

        Raises:
            CompileError: the program does not compile; every diagnostic is attached.
            JobSpecError, InvalidArgument: a bad JobSpec or option (field paths in details).
            DeviceNotFound: unknown target.
            ResourceExhausted: the job could never fit in memory.
            JobNotFound, FailedPrecondition: a dependency is missing or already failed.
        """
        self._check_open()
        prepared = self._prepare(
            source, spec, target=target, shots=shots, priority=priority, seed=seed,
            inputs=inputs, name=name, noise_model=noise_model, entrypoint=entrypoint,
            dependencies=dependencies, timeout=timeout, max_attempts=max_attempts,
            owner=owner, capture_state=capture_state, optimization_level=optimization_level,
        )
        self._accept([prepared])
        return Job(self, prepared.record.id)

    def submit_many(self, requests: Iterable[Mapping[str, Any]]) -> list[Job]:
        """Submit many jobs at once: each request holds :meth:`submit`'s arguments by name.

        Every request is checked and compiled first; if one is bad, none is submitted and the
        error names its position. The jobs then enter the index and the queue in chunks of a
        few transactions each, in request order (so equal priorities run in that order); the
        first chunk runs while later ones are being written.

        Example:
            >>> jobs = engine.submit_many({"source": bell, "seed": s} for s in range(100))

        Raises:
            The errors of :meth:`submit`, with ``request #i:`` in front of the message.
        """
        self._check_open()
        prepared: list[Prepared] = []
        for i, request in enumerate(requests):
            try:
                prepared.append(self._prepare(**request))
            except EigenError as exc:
                exc.message = f"request #{i}: {exc.message}"
                exc.args = (exc.message,)
                raise
            except TypeError as exc:
                raise TypeError(f"request #{i}: {exc}") from None
        # Accepted in chunks, each queued (and the scheduler woken) before the next is
        # written, so the first jobs run while the rest are still being stored.
        for start in range(0, len(prepared), _ACCEPT_CHUNK):
            self._accept(prepared[start : start + _ACCEPT_CHUNK])
        return [Job(self, p.record.id) for p in prepared]

    def _prepare(
        self,
        source: str | None = None,
        spec: Any = None,
        *,
        target: str | None = None,
        shots: int | None = None,
        priority: int | None = None,
        seed: int | None = None,
        inputs: Mapping[str, Any] | None = None,
        name: str | None = None,
        noise_model: str | None = None,
        entrypoint: str | None = None,
        dependencies: Sequence[str] | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        owner: str | None = None,
        capture_state: bool = False,
        optimization_level: int | None = None,
    ) -> Prepared:
        flags = JobOptions.from_mapping(
            {
                "target": target,
                "shots": shots,
                "seed": seed,
                "priority": priority,
                "noise_model": noise_model,
                "optimization_level": optimization_level,
                "inputs": dict(inputs) if inputs else None,
            }
        )
        if timeout is not None and not timeout > 0:
            raise InvalidArgument(
                f"timeout must be a positive number of seconds, got {timeout!r}",
                details=[ErrorDetail(field="timeout", message="must be > 0")],
            )
        submission = Submission(
            source=source,
            spec=spec,
            flags=flags,
            name=name,
            entrypoint=entrypoint,
            dependencies=tuple(dependencies or ()),
            timeout_s=timeout,
            max_attempts=max_attempts,
            owner=owner or "",
            capture_state=capture_state,
        )
        return prepare(
            submission,
            compile_program=self._compile_cached,
            index=self._index,
            ledger=self._ledger,
            default_target=self.default_target,
        )

    def _accept(self, batch: Sequence[Prepared]) -> None:
        """Write prepared jobs: files, then records (PENDING), then compiled files, QUEUED.

        The order makes every crash point recoverable: a job directory without a record is
        an unaccepted submission; a PENDING or COMPILING record has its program and
        job.yaml, so the next engine compiles it again.
        """
        store = self._store
        for prepared in batch:
            job_id = prepared.record.id
            store.write(job_id, "program.eigen.py", prepared.spec.source.encode("utf-8"))
            store.write(job_id, "job.yaml",
                        prepared.spec.to_yaml(prepared.resolved).encode("utf-8"))
            if prepared.input_yaml is not None:
                store.write(job_id, "input.job.yaml", prepared.input_yaml)
        with self._lock:
            for prepared in batch:
                self._plans[prepared.record.id] = JobPlan(prepared.task, prepared.batchable)
                self._compile_s[prepared.record.id] = prepared.compile_s
        self._index.insert_many([p.record for p in batch])
        for prepared in batch:
            self._hub.publish_state(prepared.record)
        self._enqueue(batch)

    def _enqueue(self, batch: Sequence[Prepared]) -> None:
        ids = [p.record.id for p in batch]
        for record in self._index.transition_many(ids, JobState.COMPILING):
            self._hub.publish_state(record)
        for prepared in batch:
            job_id = prepared.record.id
            self._store.write(job_id, "compiled.aqo.json", prepared.compiled.aqo_json)
            self._store.write(job_id, "compiled.qasm", prepared.compiled.qasm.encode("utf-8"))
        for record in self._index.transition_many(ids, JobState.QUEUED):
            self._hub.publish_state(record)
        self._scheduler.wake()

    def _recompile(self, record: JobRecord) -> None:
        """Compile again a job an earlier engine left PENDING (its files are in QFS)."""
        spec = load_jobspec(self._store.path(record.id, "job.yaml"))
        submission = Submission(spec=spec, owner=record.owner, name=record.name)
        prepared = prepare(
            submission,
            compile_program=self._compile_cached,
            index=self._index,
            ledger=self._ledger,
            job_id=record.id,
        )
        with self._lock:
            self._plans[record.id] = JobPlan(prepared.task, prepared.batchable)
        self._enqueue([prepared])

    def compile(self, source: str, **options: Any) -> CompiledProgram:
        """Compile a program without running it (see :func:`compile_source`).

        Raises:
            CompileError: the program does not compile.
        """
        return self._compile_cached(source, **options)

    def _compile_cached(self, source: str, **options: Any) -> CompiledProgram:
        key = (source, canonical_bytes(_jsonable(options)))
        with self._lock:
            hit = self._compiled.get(key)
            if hit is not None:
                self._compiled.move_to_end(key)
                return hit
        compiled = compile_source(source, **options)
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > _COMPILE_CACHE_SIZE:
                self._compiled.popitem(last=False)
        return compiled

    # -- reading ------------------------------------------------------------------------------

    def job(self, job_id: str) -> Job:
        """Return the handle of an existing job.

        Raises:
            JobNotFound: no such job.
        """
        self._index.get(job_id)
        return Job(self, job_id)

    def status(self, job_id: str) -> JobRecord:
        """Return a job's current record.

        Raises:
            InvalidArgument: not a job id. JobNotFound: no such job.
        """
        return self._index.get(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until a job is DONE, ERROR or CANCELLED; return its final record.

        Raises:
            JobTimeout: ``timeout`` seconds passed first (the job goes on).
            JobNotFound: no such job.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._changes
            record = self._index.get(job_id)
            if record.is_terminal:
                return record
            # Woken by this engine's events (one that came while the record was read counts
            # too); the poll catches changes made by other processes.
            poll = self._poll_s
            wait = poll if deadline is None else min(poll, deadline - time.monotonic())
            if wait <= 0:
                raise JobTimeout(
                    f"job {job_id} is still {record.state} after {timeout:g} s; wait longer "
                    "or check it later with status()",
                    job_id=job_id,
                )
            with self._changed:
                if self._changes == seen:
                    self._changed.wait(wait)

    def result(self, job_id: str, timeout: float | None = None) -> JobResult:
        """Wait for a job and return its result.

        Raises:
            JobFailed: the job ended in ERROR (its code and message).
            JobCancelled: the job was cancelled.
            JobTimeout: it did not finish within ``timeout`` seconds.
        """
        record = self.wait(job_id, timeout)
        if record.state is JobState.CANCELLED:
            raise JobCancelled(record.error_message or f"job {job_id} was cancelled",
                               job_id=job_id)
        if record.state is JobState.ERROR:
            raise JobFailed(
                f"job {job_id} failed: {record.error_message}",
                job_id=job_id,
                code=record.error_code or ErrorCode.INTERNAL,
            )
        return JobResult.from_dict(self._store.read_json(job_id, "results.json"))

    def jobs(
        self,
        *,
        state: JobState | str | None = None,
        owner: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[JobRecord]:
        """Return jobs newest first, filtered and paged."""
        return self._index.list(
            None if state is None else JobState(state),
            limit=limit,
            offset=offset,
            text=search,
            owner=owner,
        )

    def count_jobs(
        self,
        *,
        state: JobState | str | None = None,
        owner: str | None = None,
        search: str | None = None,
    ) -> int:
        """Return how many jobs :meth:`jobs` pages through with the same filters."""
        return self._index.count(
            None if state is None else JobState(state), text=search, owner=owner
        )

    def queue_depth(self) -> int:
        """Return how many jobs are QUEUED."""
        return self._index.queue_depth()

    def artifacts(self, job_id: str) -> list[str]:
        """Return the names of a job's stored artifacts."""
        self._index.get(job_id)
        return self._store.list(job_id)

    def artifact(self, job_id: str, name: str) -> bytes:
        """Return one artifact's bytes.

        Raises:
            InvalidArgument: not an artifact name. NotFound: not written (yet).
        """
        self._index.get(job_id)
        return self._store.read(job_id, name)

    def load_state(self, sha256: str) -> tuple[Any, dict[str, Any]]:
        """Return a captured state (numpy array) and its metadata from the L2 store."""
        return self._state_store.get(sha256)

    # -- devices ------------------------------------------------------------------------------

    def devices(self) -> list[DeviceInfo]:
        """Every device of every driver, with its status and this engine's queue depth."""
        depth = self._index.queue_depth_by_target()
        return [self._decorate(d, depth.get(d.id, 0)) for d in list_devices()]

    def device(self, device_id: str) -> DeviceInfo:
        """One device with its status and queue depth.

        Raises:
            DeviceNotFound: unknown device or target name.
        """
        driver, resolved = resolve_target(device_id)
        depth = self._index.queue_depth_by_target().get(resolved, 0)
        return self._decorate(driver.get_device_status(resolved), depth)

    def calibrate(
        self, device_id: str, noise_model: str | None = None, *, timeout: float = 300.0
    ) -> dict[str, float]:
        """Measure a simulator device's readout and gate error under a noise model.

        The probe circuits run in a worker process (never in the caller's, which may be a
        Jupyter server); the figures are kept on the device, as ``calibration``.
        """
        _, resolved = resolve_target(device_id)
        key = f"calibrate-{resolved}-{time.monotonic_ns()}"
        future = self._scheduler.ensure_executor().submit(
            key, calibrate_device, resolved, noise_model
        )
        figures: dict[str, float] = future.result(timeout)
        with self._lock:
            self._calibrations[resolved] = dict(figures)
        return figures

    def _decorate(self, device: DeviceInfo, depth: int) -> DeviceInfo:
        with self._lock:
            figures = self._calibrations.get(device.id)
        if figures is None:
            return replace(device, queue_depth=depth)
        return replace(device, queue_depth=depth, calibration=MappingProxyType(dict(figures)))

    # -- cancelling ---------------------------------------------------------------------------

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job from any unfinished state; cancelling a cancelled job is a no-op.

        A running job is stopped between optimizer evaluations, or by ending its worker.
        Jobs that depend on it fail.

        Raises:
            FailedPrecondition: the job already finished DONE or ERROR.
            JobNotFound: no such job.
        """
        record = self._index.get(job_id)
        if record.state is JobState.CANCELLED:
            return record
        record = self._index.transition(
            job_id,
            JobState.CANCELLED,
            error=(ErrorCode.CANCELLED, "cancelled on request"),
        )
        self._hub.publish_state(record)
        self._scheduler.stop_task_of(job_id)
        fail_dependents(self._index, self._hub, job_id)
        return record

    # -- events -------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on an engine thread for every job event; return the
        function that unsubscribes. Callbacks must return quickly."""
        return self._hub.subscribe(callback)

    def events(
        self, job_id: str | None = None, *, timeout: float | None = None
    ) -> Iterator[JobEvent]:
        """Iterate over job events as they happen (of one job: until it finishes)."""
        if job_id is not None:
            validate_job_id(job_id)
        return self._hub.stream(job_id, timeout=timeout)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the scheduler and the workers; running jobs go back to the queue."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._scheduler.close()
        if self._cluster is not None:
            self._cluster.close()
        self._index.close()
        if self._sync is not None:
            self._sync.close()

    def _check_open(self) -> None:
        if self._closed:
            raise FailedPrecondition("this engine was closed; open a new Engine")

    # -- scheduler callbacks ------------------------------------------------------------------

    def _make_executor(self) -> Executor:
        if not isinstance(self._executor_spec, str):
            executor = self._executor_spec
        elif self._executor_spec == "dask":
            address = self._dask_address or self._start_local_cluster()
            executor = create_executor("dask", client_or_address=address)
        else:
            executor = create_executor(self._executor_spec, max_workers=self._workers)
        # Processes of this machine write into this home themselves; Dask workers may be
        # elsewhere, so their results come back here to be written.
        self._workers_store = isinstance(executor, LocalExecutor)
        return executor

    def _start_local_cluster(self) -> str:
        """A Dask ``LocalCluster`` for ``executor="dask"`` without an address (closed with
        the engine); return its scheduler address."""
        try:
            from distributed import LocalCluster
        except ImportError as exc:
            raise ImportError(
                "the dask executor needs dask.distributed: pip install 'eigen-jupyter[dask]', "
                "or use executor='local'"
            ) from exc
        if self._cluster is None:
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=self._workers or os.cpu_count() or 1, threads_per_worker=1,
                processes=True, dashboard_address=None,
            )
        return str(self._cluster.scheduler_address)

    def _plan(self, record: JobRecord) -> JobPlan:
        with self._lock:
            plan = self._plans.get(record.id)
        if plan is not None:
            return plan
        # Queued by another process, or before a restart: rebuild from QFS, running the
        # AQO that was checked and hashed at submit (not a fresh compile).
        spec = load_jobspec(self._store.path(record.id, "job.yaml"))
        task = stored_task(record, spec, self._store.read(record.id, "compiled.aqo.json"))
        return JobPlan(task, is_batchable(task, record.qubits or 0))

    def _task_for(self, record: JobRecord, plan: JobPlan) -> Any:
        """The task sent for a job now RUNNING: a small sampling job on workers that share
        this home's filesystem also stores its own results (in parallel, not one after
        another here); hybrid jobs do not, as their iteration log is written here."""
        task = plan.task
        if not (self._workers_store and isinstance(task, JobTask) and task.kind == "sampling"):
            return task
        storage = ResultStorage(str(self.home), fsync=self._sync is None,
                                facts=self._facts(record),
                                known=self._store.take_hashes(record.id))
        return replace(task, storage=storage)

    def _facts(self, record: JobRecord) -> JobFacts:
        with self._lock:  # (kept for a retry; both are dropped when the job finishes)
            compile_s = self._compile_s.get(record.id)
        stamps = record.timestamps
        return JobFacts(
            job_id=record.id,
            seed=record.seed,
            target=record.target,
            attempt=record.attempt,
            source_sha256=record.source_sha256,
            aqo_sha256=record.aqo_sha256,
            qubits=record.qubits,
            created_at=record.created_at,
            running_at=stamps.get(JobState.RUNNING, time.time()),
            compile_s=compile_s,
            queued_s=_span(stamps, JobState.QUEUED, JobState.RUNNING),
        )

    def _persist(self, outcome: dict[str, Any], record: JobRecord | None) -> None:
        """Write ``results.json`` (and a captured state), then ``meta.json`` with hashes, for
        the job's ``record`` (read by the scheduler); for an outcome its worker stored, only
        have the files flushed to disk."""
        if record is not None and not outcome.get("stored"):
            store_outcome(self._store, self._state_store, self._facts(record), outcome)
        elif self._sync is not None:
            self._sync.mark()

    def _discard(self, job_id: str) -> None:
        """A job ended otherwise (cancelled, timed out) while its results were stored."""
        for name in (META_NAME, "results.json"):
            with contextlib.suppress(FileNotFoundError):
                self._store.path(job_id, name).unlink()

    def _on_progress(self, job_id: str, report: dict[str, Any]) -> None:
        """Store a worker's iteration records and progress, and announce it (≤ 10/s)."""
        records = report.get("records") or ()
        if records:
            self._store.append_jsonl_many(job_id, "iterations.jsonl", records)
        progress = Progress.from_dict(report.get("progress") or {})
        if self._index.update_progress(job_id, progress):
            self._hub.publish_progress(self._index.get(job_id))

    def _on_event(self, event: JobEvent) -> None:
        if event.kind == "state":
            if event.job.state in TERMINAL:
                with self._lock:
                    self._plans.pop(event.job.id, None)
                    self._compile_s.pop(event.job.id, None)
            with self._changed:
                self._changes += 1
                self._changed.notify_all()


def _span(stamps: Mapping[JobState, float], start: JobState, end: JobState) -> float | None:
    if start in stamps and end in stamps:
        return stamps[end] - stamps[start]
    return None


def _jsonable(options: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(options, sort_keys=True, default=repr))



