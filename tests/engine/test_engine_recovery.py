"""Kill test: an engine process SIGKILLed mid-run loses no accepted job and runs none twice.

A child process opens an engine, queues 200 jobs and starts running them; the test kills it
with SIGKILL once some jobs are DONE and some are not. A new engine on the same home must
then finish every accepted job exactly once: each ends DONE with one ``results.json``
whose sha256 matches ``meta.json``, the jobs finished before the kill are left as they
were, and no temp file of an interrupted write is left (one is planted, so that this is
checked whether or not the kill happened to interrupt a write).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eigen_engine.qfs.artifacts import ArtifactStore
from eigen_engine.qfs.atomic import TEMP_SUFFIX, sha256_file
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qrtx.scheduler import SchedulerConfig
from eigen_engine.qrtx.states import JobState
from tests.engine.enginetools import EXAMPLES, EngineFactory, scheduler_held, wait_for

JOBS = 200
BELL_SOURCE = (EXAMPLES / "bell" / "program.eigen.py").read_text()

CHILD = textwrap.dedent(
    """
    import sys, time
    from eigen_engine import Engine

    home, program, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = Engine(home, workers=1)
    source = open(program).read()
    requests = [{"source": source, "seed": i, "shots": 4000, "priority": i % 3 * 40}
                for i in range(jobs)]
    if hasattr(engine, "submit_many"):
        engine.submit_many(requests)
    else:
        for request in requests:
            engine.submit(**request)
    print("accepted", flush=True)
    time.sleep(600)  # the scheduler thread runs the jobs until the test kills this process
    """
)


@pytest.mark.slow
def test_engine_killed_mid_run_loses_nothing_and_runs_nothing_twice(
    make_engine: EngineFactory, home: Path
) -> None:
    home.mkdir(parents=True)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), str(EXAMPLES / "bell" / "program.eigen.py"),
         str(JOBS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "accepted"
        index = JobIndex(home / "jobs.sqlite")

        def partly_done() -> bool:
            counts = index.count_by_state()
            return 0 < counts.get(JobState.DONE, 0) < JOBS

        wait_for(partly_done, timeout=120, interval=0.005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    before = {r.id: r for r in index.list(None, limit=10 * JOBS)}
    index.close()
    assert len(before) == JOBS
    by_state = {s: sum(1 for r in before.values() if r.state is s) for s in JobState}
    assert 0 < by_state[JobState.DONE] < JOBS, by_state
    store = ArtifactStore(home)
    done_before = {
        job_id: (r.timestamps[JobState.DONE], sha256_file(store.path(job_id, "results.json")))
        for job_id, r in before.items()
        if r.state is JobState.DONE
    }
    running_before = {job_id for job_id, r in before.items() if r.state is JobState.RUNNING}
    # The kill may or may not have cut a write short; make sure one was, in an unfinished
    # job, the way write_atomic names its temp file.
    unfinished = min(set(before) - set(done_before))
    planted = store.job_dir(unfinished) / f".results.json.cutshort{TEMP_SUFFIX}"
    planted.write_bytes(b'{"job_id": ')

    engine = make_engine()
    wait_for(lambda: engine.count_jobs(state=JobState.DONE) == JOBS, timeout=300, interval=0.1)
    engine.close()  # settles whatever it still had in hand; nothing can change after this
    with JobIndex(home / "jobs.sqlite") as index:
        after = {r.id: r for r in index.list(None, limit=10 * JOBS)}
    assert set(after) == set(before)
    assert all(r.state is JobState.DONE for r in after.values())
    for job_id, (done_at, results_sha) in done_before.items():
        assert after[job_id].timestamps[JobState.DONE] == done_at, job_id
        assert sha256_file(store.path(job_id, "results.json")) == results_sha, job_id
    for job_id, record in after.items():
        # Jobs the kill caught running count one more attempt; no other job was retried.
        assert record.attempt == before[job_id].attempt + (job_id in running_before), job_id
    for job_id in after:
        assert store.verify(job_id) == [], job_id
        results = store.read_json(job_id, "results.json")
        assert results["job_id"] == job_id
        assert sum(results["results"]["counts"].values()) == 4000
    assert list(home.rglob(f"*{TEMP_SUFFIX}")) == []


def test_job_queued_by_an_engine_that_closed_keeps_its_options(
    make_engine: EngineFactory, home: Path
) -> None:
    with scheduler_held(home):
        first = make_engine()
        job = first.submit(BELL_SOURCE, seed=4, shots=300, noise_model="readout:0.1",
                           capture_state=True)
        first.close()
    result = make_engine().result(job.id, timeout=120)
    assert result.metadata["noise_model"] == "readout:0.1"
    assert sum(result.counts.values()) == 300
    assert "state_sha256" in result.metadata


def _abandoned_submission(make_engine: EngineFactory) -> str:
    """Leave a job as a submitter that died right after accepting it would: files and a
    PENDING record, never compiled into the queue."""
    client = make_engine(run_scheduler=False)
    prepared = client._prepare(BELL_SOURCE, seed=6, shots=200)
    job_id = prepared.record.id
    client._store.write(job_id, "program.eigen.py", prepared.spec.source.encode())
    client._store.write(job_id, "job.yaml", prepared.spec.to_yaml(prepared.resolved).encode())
    client._index.insert(prepared.record)
    client.close()
    return job_id


def test_a_stale_abandoned_submission_is_compiled_again_and_runs(
    make_engine: EngineFactory,
) -> None:
    job_id = _abandoned_submission(make_engine)
    engine = make_engine(scheduler=SchedulerConfig(stale_submission_s=0.0))
    result = engine.result(job_id, timeout=120)
    assert set(result.counts) <= {"00", "11"}
    assert sum(result.counts.values()) == 200
    assert list(engine.status(job_id).timestamps)[:3] == [
        JobState.PENDING, JobState.COMPILING, JobState.QUEUED]


def test_a_fresh_submission_is_left_to_its_submitter(make_engine: EngineFactory) -> None:
    job_id = _abandoned_submission(make_engine)
    engine = make_engine(scheduler=SchedulerConfig(stale_submission_s=3600.0,
                                                   poll_interval_s=0.05))
    wait_for(lambda: engine._scheduler._lease.held)
    time.sleep(0.3)  # several scheduler rounds; not a timing assertion
    assert engine.status(job_id).state is JobState.PENDING
