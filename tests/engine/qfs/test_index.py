"""The SQLite job index: records, the one transition path, the priority queue, recovery."""

from __future__ import annotations

import multiprocessing
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eigen_engine.errors import (
    ErrorCode,
    FailedPrecondition,
    InvalidArgument,
    JobFailed,
    JobNotFound,
    StorageError,
)
from eigen_engine.qfs.index import SCHEMA_VERSION, JobIndex
from eigen_engine.qrtx.records import JobRecord, Progress, new_job_id
from eigen_engine.qrtx.states import JobState

MakeRecord = Callable[..., JobRecord]

P, C, Q, R = JobState.PENDING, JobState.COMPILING, JobState.QUEUED, JobState.RUNNING
D, E, X = JobState.DONE, JobState.ERROR, JobState.CANCELLED


def queue_order(index: JobIndex, limit: int = 100) -> list[str]:
    return [r.name for r in index.next_queued(limit)]


# -- records ---------------------------------------------------------------------------------


def test_insert_get_round_trip(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(
        name="vqe", owner="alice", priority=70, shots=100, seed=3, dependencies=(),
        progress=Progress(2, -1.0, 5), timeout_s=9.5,
    )  # fmt: skip
    index.insert(record)
    stored = index.get(record.id)
    assert stored == replace(record, timestamps={P: record.created_at})


def test_get_unknown_and_malformed_ids(index: JobIndex) -> None:
    with pytest.raises(JobNotFound):
        index.get("j-000000000000")
    with pytest.raises(InvalidArgument):
        index.get("../jobs")


def test_duplicate_id_is_refused(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record()
    index.insert(record)
    with pytest.raises(FailedPrecondition, match=record.id):
        index.insert(record)
    assert index.count_by_state()[P] == 1  # the failed batch left nothing behind


def test_list_newest_first_with_filters(index: JobIndex, make_record: MakeRecord) -> None:
    a = make_record(name="bell_pair")
    b = make_record(name="vqe-100%", owner="bob", state=D)
    c = make_record(name="qaoa", state=D)
    index.insert_many([a, b, c])
    assert [r.name for r in index.list()] == ["qaoa", "vqe-100%", "bell_pair"]
    assert [r.name for r in index.list(D)] == ["qaoa", "vqe-100%"]
    assert [r.name for r in index.list(limit=1, offset=1)] == ["vqe-100%"]
    assert [r.name for r in index.list(text="VQE")] == ["vqe-100%"]
    assert [r.name for r in index.list(text="100%")] == ["vqe-100%"]
    assert [r.name for r in index.list(text="l_p")] == ["bell_pair"]  # '_' is literal
    assert [r.name for r in index.list(text="%")] == ["vqe-100%"]
    assert [r.name for r in index.list(owner="bob")] == ["vqe-100%"]


def test_count_by_state_lists_every_state(index: JobIndex, make_record: MakeRecord) -> None:
    index.insert_many([make_record(), make_record(state=Q), make_record(state=Q)])
    counts = index.count_by_state()
    assert counts == {P: 1, C: 0, Q: 2, R: 0, D: 0, E: 0, X: 0}
    assert index.queue_depth() == 2


def test_hashes_resources_attempts(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record()
    index.insert(record)
    index.set_hashes(record.id, source_sha256="a" * 64)
    updated = index.set_hashes(record.id, aqo_sha256="b" * 64)
    assert (updated.source_sha256, updated.aqo_sha256) == ("a" * 64, "b" * 64)
    updated = index.set_resources(record.id, qubits=5, memory_bytes=512)
    assert (updated.qubits, updated.memory_bytes) == (5, 512)
    assert index.increment_attempt(record.id).attempt == 2
    assert index.get(record.id).attempt == 2
    with pytest.raises(ValueError):
        index.set_hashes(record.id, source_sha256="not-a-hash")
    with pytest.raises(JobNotFound):
        index.increment_attempt("j-000000000000")


def test_progress_only_while_unfinished(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=R)
    index.insert(record)
    assert index.update_progress(record.id, Progress(3, -0.5, 9))
    assert index.get(record.id).progress == Progress(3, -0.5, 9)
    index.transition(record.id, D)
    assert not index.update_progress(record.id, Progress(4, -0.6, 10))
    assert index.get(record.id).progress == Progress(3, -0.5, 9)
    with pytest.raises(JobNotFound):
        index.update_progress("j-000000000000", Progress())


# -- transitions -----------------------------------------------------------------------------


def test_happy_path_records_every_timestamp(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record()
    index.insert(record)
    for i, state in enumerate((C, Q, R, D), start=1):
        updated = index.transition(record.id, state, now=2000.0 + i)
        assert updated.state is state
    stored = index.get(record.id)
    assert stored == updated
    assert dict(stored.timestamps) == {P: record.created_at, C: 2001.0, Q: 2002.0, R: 2003.0,
                                       D: 2004.0}  # fmt: skip
    assert stored.finished_at == 2004.0


def test_refused_transition_changes_nothing(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=D)
    index.insert(record)
    with pytest.raises(FailedPrecondition, match="a finished job cannot be cancelled"):
        index.transition(record.id, X)
    assert index.get(record.id) == replace(record, timestamps={D: record.created_at})


def test_expected_state_guard(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=C)
    index.insert(record)
    with pytest.raises(FailedPrecondition, match="is COMPILING, expected QUEUED"):
        index.transition(record.id, X, expected=Q)
    assert index.transition(record.id, X, expected={C, Q}).state is X


def test_error_is_required_for_error_state(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=R)
    index.insert(record)
    with pytest.raises(ValueError):
        index.transition(record.id, E)
    failed = index.transition(
        record.id, E, error=JobFailed("the worker died", code=ErrorCode.INTERNAL)
    )
    assert (failed.error_code, failed.error_message) == (ErrorCode.INTERNAL, "the worker died")


def test_cancel_records_a_default_reason(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=Q)
    index.insert(record)
    cancelled = index.transition(record.id, X)
    assert cancelled.error_code is ErrorCode.CANCELLED
    assert index.get(record.id).error_code is ErrorCode.CANCELLED


def test_retry_reason_kept_until_done(index: JobIndex, make_record: MakeRecord) -> None:
    record = make_record(state=R)
    index.insert(record)
    retried = index.transition(record.id, Q, error=(ErrorCode.UNAVAILABLE, "device busy"))
    assert retried.error_message == "device busy"
    index.transition(record.id, R)
    with pytest.raises(ValueError):
        index.transition(record.id, D, error=(ErrorCode.INTERNAL, "no"))
    done = index.transition(record.id, D)
    assert (done.error_code, done.error_message) == (None, None)
    assert index.get(record.id).error_message is None


def test_transition_unknown_job(index: JobIndex) -> None:
    with pytest.raises(JobNotFound):
        index.transition("j-000000000000", C)


# -- the queue -------------------------------------------------------------------------------


def test_priority_order_then_fifo(index: JobIndex, make_record: MakeRecord) -> None:
    plan = [("low-1", 10), ("high-1", 90), ("mid-1", 50), ("high-2", 90), ("low-2", 10),
            ("mid-2", 50), ("top", 100)]  # fmt: skip
    records = {name: make_record(name=name, priority=p, state=C) for name, p in plan}
    index.insert_many(records.values())
    for name, _ in plan:  # enqueue order defines FIFO, not creation order
        index.transition(records[name].id, Q)
    assert queue_order(index) == ["top", "high-1", "high-2", "mid-1", "mid-2", "low-1", "low-2"]
    assert queue_order(index, limit=2) == ["top", "high-1"]


def test_fifo_follows_entry_into_queued(index: JobIndex, make_record: MakeRecord) -> None:
    first = make_record(name="first", state=C)
    second = make_record(name="second", state=C)
    index.insert_many([first, second])
    index.transition(second.id, Q)
    index.transition(first.id, Q)
    assert queue_order(index) == ["second", "first"]
    # A retried job re-enters at the back of its priority.
    index.transition(second.id, R, expected=Q)
    index.transition(second.id, Q)
    assert queue_order(index) == ["first", "second"]


def test_bulk_inserted_queued_jobs_keep_batch_order(
    index: JobIndex, make_record: MakeRecord
) -> None:
    index.insert_many([make_record(name=f"q{i}", state=Q) for i in range(5)])
    index.insert_many([make_record(name="later", state=Q)])
    assert queue_order(index) == ["q0", "q1", "q2", "q3", "q4", "later"]


def test_exclude_skips_jobs(index: JobIndex, make_record: MakeRecord) -> None:
    a, b = make_record(name="a", state=Q, priority=90), make_record(name="b", state=Q)
    index.insert_many([a, b])
    assert [r.name for r in index.next_queued(5, exclude={a.id})] == ["b"]


def test_dependencies_gate_the_queue(index: JobIndex, make_record: MakeRecord) -> None:
    parent = make_record(name="parent", state=Q, priority=10)
    child = make_record(name="child", state=Q, priority=90, dependencies=(parent.id,))
    index.insert_many([parent, child])
    assert queue_order(index) == ["parent"]
    assert index.queue_depth() == 2
    assert index.dependents(parent.id) == [child.id]
    with pytest.raises(FailedPrecondition, match="dependencies are not DONE"):
        index.transition(child.id, R)
    index.transition(parent.id, R, expected=Q)
    assert queue_order(index) == []
    index.transition(parent.id, D)
    assert queue_order(index) == ["child"]
    assert index.transition(child.id, R, expected=Q).state is R


def test_dependency_on_a_finished_job_does_not_block(
    index: JobIndex, make_record: MakeRecord
) -> None:
    done = make_record(state=D)
    index.insert(done)
    child = make_record(name="child", state=Q, dependencies=(done.id, done.id))
    index.insert(child)
    assert queue_order(index) == ["child"]


def test_failed_dependency_keeps_dependents_blocked(
    index: JobIndex, make_record: MakeRecord
) -> None:
    parent = make_record(state=Q)
    child = make_record(name="child", state=Q, dependencies=(parent.id,))
    index.insert_many([parent, child])
    index.transition(parent.id, E, error=(ErrorCode.INTERNAL, "boom"))
    assert queue_order(index) == []
    assert index.dependents(parent.id) == [child.id]  # for the scheduler to fail them


def test_bad_dependencies_are_refused(index: JobIndex, make_record: MakeRecord) -> None:
    with pytest.raises(JobNotFound, match="j-000000000000"):
        index.insert(make_record(dependencies=("j-000000000000",)))
    selfish = make_record()
    with pytest.raises(FailedPrecondition, match="itself"):
        index.insert(replace(selfish, dependencies=(selfish.id,)))
    later = make_record()
    with pytest.raises(FailedPrecondition, match="later in the same batch"):
        index.insert_many([make_record(dependencies=(later.id,)), later])
    assert sum(index.count_by_state().values()) == 0


def test_recoverable_lists_unfinished_jobs_oldest_first(
    index: JobIndex, make_record: MakeRecord
) -> None:
    index.insert_many([make_record(name=s.value, state=s) for s in JobState])
    assert [r.name for r in index.recoverable()] == ["PENDING", "COMPILING", "QUEUED", "RUNNING"]
    assert [r.name for r in index.recoverable(include_queued=False)] == [
        "PENDING", "COMPILING", "RUNNING",
    ]  # fmt: skip


def test_bulk_insert_is_fast(index: JobIndex, make_record: MakeRecord) -> None:
    records = [make_record(name=f"s{i}") for i in range(10_000)]
    start = time.perf_counter()
    index.insert_many(records)
    assert time.perf_counter() - start < 5.0
    assert index.count_by_state()[P] == 10_000


# -- persistence -----------------------------------------------------------------------------


def test_survives_reopen(tmp_path: Path, make_record: MakeRecord) -> None:
    path = tmp_path / "jobs.sqlite"
    first = JobIndex(path)
    a, b = make_record(name="a", state=C), make_record(name="b", state=C)
    first.insert_many([a, b])
    first.transition(b.id, Q)
    first.close()
    with JobIndex(path) as second:
        second.transition(a.id, Q)
        assert queue_order(second) == ["b", "a"]  # sequence numbers continue across restarts
        assert [r.name for r in second.recoverable()] == ["a", "b"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite"
    JobIndex(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StorageError, match="newer"):
        JobIndex(path)


def test_closed_index_refuses_use(tmp_path: Path) -> None:
    index = JobIndex(tmp_path / "jobs.sqlite")
    index.close()
    result: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(result, index.queue_depth))
    thread.start()
    thread.join()
    assert isinstance(result[0], StorageError)


def _capture(sink: list[BaseException], fn: object) -> None:
    try:
        fn()  # type: ignore[operator]
    except BaseException as exc:
        sink.append(exc)


# -- concurrency -----------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [2, 8], ids=["2-threads", "8-threads"])
def test_racing_starts_have_exactly_one_winner(
    index: JobIndex, make_record: MakeRecord, threads: int
) -> None:
    jobs = [make_record(state=Q) for _ in range(20)]
    index.insert_many(jobs)
    for job in jobs:
        outcomes = _race_to_start(index, job.id, threads)
        assert sorted(outcomes) == ["lost"] * (threads - 1) + ["won"]
        assert index.get(job.id).state is R


def _race_to_start(index: JobIndex, job_id: str, threads: int) -> list[str]:
    """Start one job from ``threads`` threads released together; return each outcome."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        try:
            index.transition(job_id, R, expected=Q)
            result = "won"
        except FailedPrecondition:
            result = "lost"
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=start) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return outcomes


def _drain(index: JobIndex, claimed: list[str], lock: threading.Lock) -> None:
    while True:
        batch = index.next_queued(3)
        if not batch:
            return
        for record in batch:
            try:
                index.transition(record.id, R, expected=Q)
            except FailedPrecondition:
                continue
            with lock:
                claimed.append(record.id)


def test_concurrent_dequeue_claims_each_job_once(index: JobIndex, make_record: MakeRecord) -> None:
    jobs = [make_record(state=Q, priority=i % 5) for i in range(300)]
    index.insert_many(jobs)
    claimed: list[str] = []
    lock = threading.Lock()
    workers = [threading.Thread(target=_drain, args=(index, claimed, lock)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(claimed) == sorted(j.id for j in jobs)
    assert index.queue_depth() == 0


def _drain_in_process(db_path: str, out: multiprocessing.Queue[list[str]]) -> None:
    claimed: list[str] = []
    with JobIndex(db_path) as index:
        _drain(index, claimed, threading.Lock())
    out.put(claimed)


def test_processes_never_double_start(tmp_path: Path, make_record: MakeRecord) -> None:
    path = tmp_path / "jobs.sqlite"
    jobs = [make_record(state=Q) for _ in range(200)]
    with JobIndex(path) as index:
        index.insert_many(jobs)
        index.queue_depth()  # this process holds an open connection across the fork
        ctx = multiprocessing.get_context("fork")
        out: multiprocessing.Queue[list[str]] = ctx.Queue()
        procs = [ctx.Process(target=_drain_in_process, args=(str(path), out)) for _ in range(3)]
        for proc in procs:
            proc.start()
        results = [out.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
        claimed = [job_id for chunk in results for job_id in chunk]
        assert sorted(claimed) == sorted(j.id for j in jobs)
        assert index.count_by_state()[R] == 200


# -- the queue against a reference model -----------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.booleans()), min_size=1, max_size=30))
def test_queue_order_matches_a_sorted_model(plan: list[tuple[int, bool]]) -> None:
    """Enqueue jobs (some retried through RUNNING); the queue is (-priority, entry order)."""
    with tempfile.TemporaryDirectory() as tmp, JobIndex(Path(tmp) / "jobs.sqlite") as index:
        records = [
            JobRecord(id=new_job_id(), name=str(i), priority=p, state=C, created_at=float(i))
            for i, (p, _) in enumerate(plan)
        ]
        index.insert_many(records)
        entries: list[tuple[int, int, str]] = []
        clock = 0
        for record, (priority, retried) in zip(records, plan, strict=True):
            index.transition(record.id, Q)
            clock += 1
            if retried:
                index.transition(record.id, R, expected=Q)
                index.transition(record.id, Q)
                clock += 1
            entries.append((-priority, clock, record.name))
        assert queue_order(index) == [name for _, _, name in sorted(entries)]
