"""10,000 jobs queued at once: all accepted, counted, run in priority order, all DONE.

The jobs are queued while the test holds the home's scheduler lease, so none starts before
the last is queued; with one worker, the order in which they enter RUNNING is then exactly
priority order (highest first), FIFO within a priority. Small sampling jobs run in batches,
and the jobs of a batch enter RUNNING one after another, so their recorded times still
increase along that order.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from eigen_engine import Engine
from eigen_engine.qrtx.records import JobRecord
from eigen_engine.qrtx.states import JobState
from tests.engine.enginetools import EXAMPLES, EngineFactory, scheduler_held, wait_for

BELL_SOURCE = (EXAMPLES / "bell" / "program.eigen.py").read_text()
JOBS = 10_000
PRIORITIES = (0, 10, 50, 51, 90, 100)


def all_records(engine: Engine) -> list[JobRecord]:
    records: list[JobRecord] = []
    while page := engine.jobs(limit=1000, offset=len(records)):
        records += page
    return records


@pytest.mark.slow
def test_ten_thousand_queued_jobs_run_in_priority_order(
    make_engine: EngineFactory, home: Path
) -> None:
    rng = random.Random(1)
    priorities = [rng.choice(PRIORITIES) for _ in range(JOBS)]
    requests = [{"source": BELL_SOURCE, "seed": 1, "shots": 16, "priority": p}
                for p in priorities]
    with scheduler_held(home):
        engine = make_engine()
        if hasattr(engine, "submit_many"):
            ids = [job.id for job in engine.submit_many(requests)]
        else:  # about 5x slower
            ids = [engine.submit(**request).id for request in requests]
        assert len(set(ids)) == JOBS
        assert engine.count_jobs() == JOBS
        assert engine.queue_depth() == JOBS == engine.count_jobs(state=JobState.QUEUED)
        assert engine.device("simulator").queue_depth == JOBS
        assert engine.count_jobs(state=JobState.RUNNING) == 0
    # The lease is free: the engine's scheduler takes it at its next poll and runs the queue.
    wait_for(lambda: engine.count_jobs(state=JobState.DONE) == JOBS, timeout=600, interval=0.5)
    assert engine.queue_depth() == 0

    records = {r.id: r for r in all_records(engine)}
    assert set(records) == set(ids)
    assert all(r.state is JobState.DONE and r.attempt == 1 for r in records.values())
    expected = sorted(range(JOBS), key=lambda i: (-priorities[i], i))
    started = [records[ids[i]].timestamps[JobState.RUNNING] for i in expected]
    out_of_order = [k for k in range(1, JOBS) if not started[k - 1] < started[k]]
    assert out_of_order == [], (
        f"{len(out_of_order)} jobs started before a job queued ahead of them, first: "
        f"{[ids[expected[k]] for k in out_of_order[:3]]}"
    )
    assert sum(1 for _ in (home / "circuit_fs").glob("*/results.json")) == JOBS
    engine.close()
    shutil.rmtree(home)  # 70,000 files: do not leave them to pytest's rotation of tmp dirs
