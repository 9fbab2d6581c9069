"""The job index and queue: one SQLite database (WAL) that survives restarts."""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from eigen_engine.errors import (
    EigenError,
    ErrorCode,
    FailedPrecondition,
    JobNotFound,
    StorageError,
)
from eigen_engine.qrtx.records import JobRecord, Progress, validate_job_id
from eigen_engine.qrtx.states import TERMINAL, JobState, check_transition

__all__ = ["SCHEMA_VERSION", "JobIndex"]

SCHEMA_VERSION = 1

_QUEUED = JobState.QUEUED.value
_TERMINAL_SQL = ", ".join(f"'{s.value}'" for s in sorted(TERMINAL))
_MAX_PARAMS = 500  # ids per IN (...) list; far below SQLite's parameter limit

# The queue index is partial (QUEUED rows only) so it stays as small as the queue. SQLite only
# uses a partial index when the query repeats its WHERE literally, hence the literal 'QUEUED'
# in the dequeue query rather than a bound parameter.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS counters (
        name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT NOT NULL,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL,
        target TEXT NOT NULL,
        created_at REAL NOT NULL,
        timestamps TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        error_code TEXT,
        error_message TEXT,
        progress TEXT NOT NULL,
        source_sha256 TEXT,
        aqo_sha256 TEXT,
        dependencies TEXT NOT NULL,
        shots INTEGER,
        seed INTEGER,
        timeout_s REAL,
        qubits INTEGER,
        memory_bytes INTEGER,
        queue_seq INTEGER,
        blocked INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS job_deps (
        dep_id TEXT NOT NULL, job_id TEXT NOT NULL,
        PRIMARY KEY (dep_id, job_id)) WITHOUT ROWID""",
    f"""CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (blocked, priority DESC, queue_seq)
        WHERE state = '{_QUEUED}'""",
    "CREATE INDEX IF NOT EXISTS jobs_state_created ON jobs (state, created_at DESC)",
    "CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at DESC)",
    "INSERT OR IGNORE INTO counters (name, value) VALUES ('queue_seq', 0)",
)

_COLUMNS = (
    "id", "name", "owner", "state", "priority", "target", "created_at", "timestamps",
    "attempt", "max_attempts", "error_code", "error_message", "progress", "source_sha256",
    "aqo_sha256", "dependencies", "shots", "seed", "timeout_s", "qubits", "memory_bytes",
    "queue_seq", "blocked",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
)

JobFailure = EigenError | tuple[ErrorCode, str]
"""What ``transition`` accepts as ``error``: an ``EigenError`` or ``(code, message)``."""


class JobIndex:
    """Jobs, their states and the run queue, in one SQLite database in WAL mode.

    Thread-safe: each thread (and each process after a fork) gets its own connection. Every
    write is one SQLite transaction; a state changes only in :meth:`transition`, which checks
    the table in :mod:`eigen_engine.qrtx.states` under ``BEGIN IMMEDIATE``, so two threads or
    processes racing on one job cannot both win.

    Durability: ``synchronous=NORMAL`` by default: a committed change survives the process
    dying at any point (the case recovery is built for); the last commits before an OS crash
    or power cut may be lost, but the database stays consistent. Pass ``synchronous="FULL"``
    to fsync on every commit (about 10x slower writes).

    The queue: QUEUED jobs are ordered by priority (highest first), then by a sequence number
    taken each time a job enters QUEUED (FIFO within a priority). A job waits until each of
    its dependencies is DONE; a ``blocked`` counter per job, decremented when a dependency
    finishes, keeps this out of the dequeue query, which is a walk of one partial index.

    Example:
        >>> index = JobIndex(home / "jobs.sqlite")
        >>> record = JobRecord(id=new_job_id(), name="bell", created_at=time.time())
        >>> index.insert(record)
        >>> index.transition(record.id, JobState.COMPILING).state
        <JobState.COMPILING: 'COMPILING'>
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        busy_timeout_s: float = 30.0,
    ) -> None:
        """Open (creating if needed) the index at ``db_path``.

        Raises:
            StorageError: the database cannot be opened, or was written by a newer version.
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        self.path = Path(db_path)
        self._synchronous = synchronous
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[int, sqlite3.Connection]] = []
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._guard():
                conn = self._connection()
                conn.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the database
                self._create_schema(conn)
        except BaseException:
            self.close()
            raise

    # -- connections and transactions -------------------------------------------------------

    def close(self) -> None:
        """Close every connection this process opened; the index is unusable afterwards."""
        with self._lock:
            self._closed = True
            mine = [c for pid, c in self._connections if pid == os.getpid()]
            self._connections.clear()
        for conn in mine:
            conn.close()

    def __enter__(self) -> JobIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        # A connection must not cross a fork: the child opens its own.
        if conn is not None and self._local.pid == os.getpid() and not self._closed:
            return conn
        with self._lock:
            if self._closed:
                raise StorageError(f"the job index {self.path} is closed")
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_s,
                isolation_level=None,  # autocommit; transactions are explicit BEGIN IMMEDIATE
                check_same_thread=False,  # only close() touches it from another thread
            )
            self._connections.append((os.getpid(), conn))
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        self._local.conn = conn
        self._local.pid = os.getpid()
        return conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"job index {self.path}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with the write lock up front (no upgrade deadlocks)."""
        with self._guard():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> builtins.list[sqlite3.Row]:
        with self._guard():
            return self._connection().execute(sql, tuple(params)).fetchall()

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            found = row[0]
            if found is not None and found > SCHEMA_VERSION:
                raise StorageError(
                    f"the job index {self.path} has schema version {found}, written by a newer "
                    f"eigen; this version reads schema {SCHEMA_VERSION}: upgrade eigen-jupyter"
                )
            for statement in _SCHEMA:
                conn.execute(statement)
            if found is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- records ----------------------------------------------------------------------------

    def insert(self, record: JobRecord) -> None:
        """Store a new job; see :meth:`insert_many`."""
        self.insert_many([record])

    def insert_many(self, records: Iterable[JobRecord]) -> None:
        """Store new jobs in one transaction (10,000 submissions take a fraction of a second).

        Records are stored as given; the engine submits them PENDING, and ``transition`` is
        the only way their state changes afterwards. A record's ``timestamps`` gets
        ``created_at`` for its initial state when it has none. A QUEUED record joins the
        queue behind everything already there.

        Raises:
            FailedPrecondition: a job id already exists, a job depends on itself, or on a job
                that comes later in the same batch.
            JobNotFound: a dependency names a job that does not exist.
        """
        batch = builtins.list(records)
        if not batch:
            return
        with self._write() as conn:
            known = self._dependency_states(conn, batch)
            rows: builtins.list[dict[str, Any]] = []
            edges: builtins.list[tuple[str, str]] = []
            queued = sum(1 for r in batch if r.state is JobState.QUEUED)
            seq = self._take_seq(conn, queued) - queued if queued else 0
            for record in batch:
                deps = builtins.list(dict.fromkeys(record.dependencies))
                for dep in deps:
                    if dep == record.id:
                        raise FailedPrecondition(f"job {record.id} cannot depend on itself")
                    if dep not in known:
                        raise FailedPrecondition(
                            f"job {record.id} depends on {dep}, which comes later in the same "
                            "batch; submit dependencies first"
                        )
                values = record.row_values()
                if record.state not in record.timestamps:
                    stamps = {s.value: t for s, t in record.timestamps.items()}
                    stamps[record.state.value] = record.created_at
                    values["timestamps"] = json.dumps(stamps, separators=(",", ":"))
                if record.state is JobState.QUEUED:
                    seq += 1
                values["queue_seq"] = seq if record.state is JobState.QUEUED else None
                values["blocked"] = sum(1 for d in deps if known[d] is not JobState.DONE)
                rows.append(values)
                edges.extend((dep, record.id) for dep in deps)
                known[record.id] = record.state
            try:
                conn.executemany(_INSERT, rows)
            except sqlite3.IntegrityError:
                dup = self._first_existing(conn, [r.id for r in batch])
                raise FailedPrecondition(f"job {dup} already exists") from None
            conn.executemany("INSERT OR IGNORE INTO job_deps (dep_id, job_id) VALUES (?, ?)", edges)

    def get(self, job_id: str) -> JobRecord:
        """Return a job's record.

        Raises:
            InvalidArgument: ``job_id`` is not a job id.
            JobNotFound: no such job.
        """
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (validate_job_id(job_id),))
        if not rows:
            raise JobNotFound(f"no job {job_id} in {self.path.parent}")
        return JobRecord.from_row(rows[0])

    def list(
        self,
        state: JobState | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        text: str | None = None,
        owner: str | None = None,
    ) -> builtins.list[JobRecord]:
        """Return jobs newest first.

        Args:
            state: Only jobs in this state.
            limit: At most this many (a page).
            offset: Skip this many first (the page start).
            text: Only jobs whose name contains this (case-insensitive for ASCII).
            owner: Only jobs of this owner.
        """
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0, got {limit}, {offset}")
        clause, params = _filters(state, text, owner)
        sql = f"SELECT * FROM jobs {clause}ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"
        rows = self._read(sql, [*params, limit, offset])
        return [JobRecord.from_row(r) for r in rows]

    def count(
        self,
        state: JobState | None = None,
        *,
        text: str | None = None,
        owner: str | None = None,
    ) -> int:
        """Return how many jobs :meth:`list` would page through with the same filters."""
        clause, params = _filters(state, text, owner)
        return int(self._read(f"SELECT COUNT(*) FROM jobs {clause}", params)[0][0])

    def states(self, job_ids: Iterable[str]) -> dict[str, JobState]:
        """Return the current state of each existing job among ``job_ids``."""
        ids = builtins.list(job_ids)
        found: dict[str, JobState] = {}
        for start in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[start : start + _MAX_PARAMS]
            marks = ", ".join("?" * len(chunk))
            for row in self._read(f"SELECT id, state FROM jobs WHERE id IN ({marks})", chunk):
                found[row[0]] = JobState(row[1])
        return found

    def queue_depth_by_target(self) -> dict[str, int]:
        """Return how many jobs are QUEUED for each target."""
        rows = self._read(
            f"SELECT target, COUNT(*) FROM jobs WHERE state = '{_QUEUED}' GROUP BY target"
        )
        return {row[0]: int(row[1]) for row in rows}

    def count_by_state(self) -> dict[JobState, int]:
        """Return the number of jobs in every state (zero for states with none)."""
        counts = dict.fromkeys(JobState, 0)
        for row in self._read("SELECT state, COUNT(*) FROM jobs GROUP BY state"):
            counts[JobState(row[0])] = row[1]
        return counts

    # -- state changes ----------------------------------------------------------------------

    def transition(
        self,
        job_id: str,
        new_state: JobState,
        *,
        now: float | None = None,
        error: JobFailure | None = None,
        expected: JobState | Collection[JobState] | None = None,
    ) -> JobRecord:
        """Move a job to ``new_state``: the only way a job's state ever changes.

        The check against the transition table, the ``expected`` guard and the update happen
        in one ``BEGIN IMMEDIATE`` transaction. Entering a state records its timestamp;
        entering QUEUED takes a new queue sequence number; DONE clears any earlier error and
        unblocks the jobs waiting on this one.

        Args:
            job_id: The job.
            new_state: Where it goes.
            now: The time to record (default: ``time.time()``).
            error: Required for ERROR; optional for CANCELLED (default code ``CANCELLED``)
                and for the retry / recovery edges back to PENDING or QUEUED, where it
                records why. Refused for DONE.
            expected: Refuse unless the job is currently in this state (or one of these),
                e.g. ``expected=QUEUED`` when starting a job you just dequeued.

        Returns:
            The updated record.

        Raises:
            JobNotFound: no such job.
            FailedPrecondition: the table refuses the transition, the job is not in
                ``expected``, or a job is started before its dependencies are DONE.
        """
        return self.transition_many([job_id], new_state, now=now, error=error,
                                    expected=expected)[0]

    def transition_many(
        self,
        job_ids: Iterable[str],
        new_state: JobState,
        *,
        now: float | None = None,
        error: JobFailure | None = None,
        expected: JobState | Collection[JobState] | None = None,
    ) -> builtins.list[JobRecord]:
        """Move several jobs to ``new_state`` in one transaction, all or none.

        Each job is checked exactly as by :meth:`transition` (which is this with one id);
        if any check fails, nothing changes. Queue sequence numbers follow ``job_ids``' order.

        Raises:
            JobNotFound, FailedPrecondition: as :meth:`transition`, for the first bad job.
        """
        ids = [validate_job_id(job_id) for job_id in job_ids]
        new_state = JobState(new_state)
        error_fields = _error_fields(new_state, error)
        allowed = None
        if expected is not None:
            allowed = {expected} if isinstance(expected, JobState) else set(expected)
        out: builtins.list[JobRecord] = []
        with self._write() as conn:
            for job_id in ids:
                # Each job gets the moment its own change was made (unless ``now`` is
                # given), so recorded times keep the order of ``job_ids``.
                stamp = time.time() if now is None else now
                out.append(
                    self._transition_in(conn, job_id, new_state, stamp, error_fields, allowed)
                )
        return out

    def _transition_in(
        self,
        conn: sqlite3.Connection,
        job_id: str,
        new_state: JobState,
        stamp: float,
        error_fields: tuple[ErrorCode, str] | None,
        allowed: set[JobState] | None,
    ) -> JobRecord:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job {job_id} in {self.path.parent}")
        record = JobRecord.from_row(row)
        if allowed is not None and record.state not in allowed:
            want = " or ".join(sorted(s.value for s in allowed))
            raise FailedPrecondition(f"job {job_id} is {record.state}, expected {want}")
        check_transition(record.state, new_state, job_id=job_id)
        if new_state is JobState.RUNNING and row["blocked"] > 0:
            raise FailedPrecondition(
                f"job {job_id} cannot start: {row['blocked']} of its dependencies are not "
                "DONE yet"
            )
        stamps = {**record.timestamps, new_state: stamp}
        code, message = error_fields or (record.error_code, record.error_message)
        if new_state is JobState.DONE:
            code, message = None, None
        queue_seq = self._take_seq(conn, 1) if new_state is JobState.QUEUED else None
        conn.execute(
            "UPDATE jobs SET state = ?, timestamps = ?, error_code = ?, error_message = ?, "
            "queue_seq = ? WHERE id = ?",
            (
                new_state.value,
                json.dumps({s.value: t for s, t in stamps.items()}, separators=(",", ":")),
                None if code is None else code.value,
                message,
                queue_seq,
                job_id,
            ),
        )
        if new_state is JobState.DONE:
            conn.execute(
                "UPDATE jobs SET blocked = blocked - 1 WHERE id IN "
                "(SELECT job_id FROM job_deps WHERE dep_id = ?)",
                (job_id,),
            )
        return replace(
            record, state=new_state, timestamps=stamps, error_code=code, error_message=message
        )

    def update_progress(self, job_id: str, progress: Progress) -> bool:
        """Record a running job's progress; return ``False`` if the job already finished.

        Raises:
            JobNotFound: no such job.
        """
        sql = f"UPDATE jobs SET progress = ? WHERE id = ? AND state NOT IN ({_TERMINAL_SQL})"
        payload = json.dumps(progress.to_dict(), separators=(",", ":"), allow_nan=False)
        with self._guard():
            cursor = self._connection().execute(sql, (payload, validate_job_id(job_id)))
        if cursor.rowcount == 0:
            self.get(job_id)  # raises JobNotFound if it does not exist
            return False
        return True

    def set_hashes(
        self,
        job_id: str,
        *,
        source_sha256: str | None = None,
        aqo_sha256: str | None = None,
    ) -> JobRecord:
        """Record the source and/or AQO sha256 (arguments left ``None`` are unchanged)."""
        for value in (source_sha256, aqo_sha256):
            if value is not None and not _is_sha256(value):
                raise ValueError(f"expected a hex sha256, got {value!r}")
        return self._update_returning(
            job_id,
            "source_sha256 = COALESCE(?, source_sha256), aqo_sha256 = COALESCE(?, aqo_sha256)",
            (source_sha256, aqo_sha256),
        )

    def set_resources(
        self, job_id: str, *, qubits: int | None = None, memory_bytes: int | None = None
    ) -> JobRecord:
        """Record what the compiled job needs (arguments left ``None`` are unchanged)."""
        for value in (qubits, memory_bytes):
            if value is not None and value < 0:
                raise ValueError(f"resources must be >= 0, got {value}")
        return self._update_returning(
            job_id,
            "qubits = COALESCE(?, qubits), memory_bytes = COALESCE(?, memory_bytes)",
            (qubits, memory_bytes),
        )

    def increment_attempt(self, job_id: str) -> JobRecord:
        """Add one to the job's attempt counter (before a retry); return the new record."""
        return self._update_returning(job_id, "attempt = attempt + 1", ())

    def _update_returning(
        self, job_id: str, assignments: str, params: tuple[Any, ...]
    ) -> JobRecord:
        sql = f"UPDATE jobs SET {assignments} WHERE id = ? RETURNING *"
        with self._guard():
            conn = self._connection()
            rows = conn.execute(sql, (*params, validate_job_id(job_id))).fetchall()
        if not rows:
            raise JobNotFound(f"no job {job_id} in {self.path.parent}")
        return JobRecord.from_row(rows[0])

    # -- queue ------------------------------------------------------------------------------

    def next_queued(
        self, limit: int = 1, *, exclude: Collection[str] = ()
    ) -> builtins.list[JobRecord]:
        """Return the QUEUED jobs to run next, best first, without changing them.

        Highest priority first, FIFO within a priority; only jobs whose dependencies are all
        DONE. Start one with ``transition(id, RUNNING, expected=QUEUED)``: if another thread
        got there first, that raises ``FailedPrecondition``.

        Args:
            limit: At most this many.
            exclude: Ids to skip (e.g. jobs the scheduler is already admitting).
        """
        if limit <= 0:
            return []
        skip = builtins.list(exclude)
        clause = f"AND id NOT IN ({', '.join('?' * len(skip))}) " if skip else ""
        sql = (
            f"SELECT * FROM jobs INDEXED BY jobs_queue WHERE state = '{_QUEUED}' AND blocked = 0 "
            f"{clause}ORDER BY priority DESC, queue_seq LIMIT ?"
        )
        return [JobRecord.from_row(r) for r in self._read(sql, [*skip, limit])]

    def queue_depth(self) -> int:
        """Return how many jobs are QUEUED (including those waiting on dependencies)."""
        return int(self._read(f"SELECT COUNT(*) FROM jobs WHERE state = '{_QUEUED}'")[0][0])

    def recoverable(self, *, include_queued: bool = True) -> builtins.list[JobRecord]:
        """Return the unfinished jobs a new engine must pick up, oldest first.

        These are jobs left PENDING, COMPILING or RUNNING by an engine that stopped (and, with
        ``include_queued``, the QUEUED ones, which need no repair but may need admission).
        PENDING is included because an accepted job that was never compiled must not be lost.
        """
        states = [JobState.PENDING, JobState.COMPILING, JobState.RUNNING]
        if include_queued:
            states.append(JobState.QUEUED)
        marks = ", ".join("?" * len(states))
        sql = f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY created_at, rowid"
        return [JobRecord.from_row(r) for r in self._read(sql, [s.value for s in states])]

    def dependents(self, job_id: str) -> builtins.list[str]:
        """Return the ids of jobs that depend on ``job_id`` (to fail them if it fails)."""
        rows = self._read(
            "SELECT job_id FROM job_deps WHERE dep_id = ? ORDER BY job_id",
            (validate_job_id(job_id),),
        )
        return [r[0] for r in rows]

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _take_seq(conn: sqlite3.Connection, count: int) -> int:
        """Reserve ``count`` queue sequence numbers; return the last one."""
        row = conn.execute(
            "UPDATE counters SET value = value + ? WHERE name = 'queue_seq' RETURNING value",
            (count,),
        ).fetchone()
        return int(row[0])

    @staticmethod
    def _dependency_states(
        conn: sqlite3.Connection, batch: builtins.list[JobRecord]
    ) -> dict[str, JobState]:
        """States of the stored jobs the batch depends on; raise if one does not exist."""
        in_batch = {r.id for r in batch}
        wanted = sorted({d for r in batch for d in r.dependencies} - in_batch)
        found: dict[str, JobState] = {}
        for i in range(0, len(wanted), _MAX_PARAMS):
            chunk = wanted[i : i + _MAX_PARAMS]
            sql = f"SELECT id, state FROM jobs WHERE id IN ({', '.join('?' * len(chunk))})"
            found.update((row[0], JobState(row[1])) for row in conn.execute(sql, chunk))
        for record in batch:
            for dep in record.dependencies:
                if dep not in found and dep not in in_batch:
                    raise JobNotFound(f"job {record.id} depends on {dep}, which does not exist")
        return found

    @staticmethod
    def _first_existing(conn: sqlite3.Connection, ids: builtins.list[str]) -> str:
        seen: set[str] = set()
        for job_id in ids:
            if job_id in seen:
                return job_id
            seen.add(job_id)
        for i in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[i : i + _MAX_PARAMS]
            sql = f"SELECT id FROM jobs WHERE id IN ({', '.join('?' * len(chunk))}) LIMIT 1"
            row = conn.execute(sql, chunk).fetchone()
            if row is not None:
                return str(row[0])
        return ids[0]


def _filters(
    state: JobState | None, text: str | None, owner: str | None
) -> tuple[str, builtins.list[Any]]:
    """The WHERE clause (with a trailing space, or empty) and parameters of a job listing."""
    where: builtins.list[str] = []
    params: builtins.list[Any] = []
    if state is not None:
        where.append("state = ?")
        params.append(JobState(state).value)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("(name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
        params += [f"%{escaped}%"] * 2
    if owner is not None:
        where.append("owner = ?")
        params.append(owner)
    return (f"WHERE {' AND '.join(where)} " if where else ""), params


def _error_fields(new_state: JobState, error: JobFailure | None) -> tuple[ErrorCode, str] | None:
    """Validate ``transition``'s ``error`` for ``new_state``; return ``(code, message)``."""
    if error is None:
        if new_state is JobState.ERROR:
            raise ValueError("a transition to ERROR needs an error (code and message)")
        if new_state is JobState.CANCELLED:
            return ErrorCode.CANCELLED, "the job was cancelled"
        return None
    if new_state not in (JobState.ERROR, JobState.CANCELLED, JobState.QUEUED, JobState.PENDING):
        raise ValueError(f"an error cannot be recorded on a transition to {new_state}")
    if isinstance(error, EigenError):
        return error.code, error.message
    code, message = error
    return ErrorCode(code), str(message)


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
