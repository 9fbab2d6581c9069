"""Queue latency at depth: enqueue and dequeue against 100,000 QUEUED jobs in the SQLite index.

Run: ``python bench/bench_queue.py [--queued 100000] [--ops 1000] [--synchronous NORMAL]``.
Prints a human-readable report, then one JSON line (the last line) for harnesses.

- enqueue = ``transition(job, QUEUED)`` of a COMPILING job (takes a queue sequence number);
- dequeue = ``next_queued(1)`` + ``transition(job, RUNNING, expected=QUEUED)``, i.e. pick the
  best job and claim it, each its own SQLite transaction as in the scheduler;
- submit = ``insert_many`` of 10,000 PENDING jobs in one transaction.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from eigen_engine.qfs.index import JobIndex
from eigen_engine.qrtx.records import JobRecord, new_job_id
from eigen_engine.qrtx.states import JobState

TARGET_P95_MS = 1.0


def _records(count: int, state: JobState, rng: random.Random) -> list[JobRecord]:
    now = time.time()
    return [
        JobRecord(
            id=new_job_id(),
            name=f"bench-{i}",
            state=state,
            priority=rng.randint(0, 100),
            created_at=now,
            shots=1024,
        )
        for i in range(count)
    ]


def _summary(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1e3 for s in samples_s)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {
        "median": round(statistics.median(ms), 4),
        "p95": round(p95, 4),
        "max": round(ms[-1], 4),
    }


def run(queued: int, ops: int, synchronous: Literal["NORMAL", "FULL"]) -> dict[str, Any]:
    """Build the queue in a temporary database and time enqueue, dequeue and bulk submit."""
    rng = random.Random(20260101)
    with tempfile.TemporaryDirectory(prefix="eigen-bench-queue-") as tmp:
        index = JobIndex(Path(tmp) / "jobs.sqlite", synchronous=synchronous)
        try:
            start = time.perf_counter()
            for _ in range(0, queued, 10_000):
                index.insert_many(_records(min(10_000, queued), JobState.QUEUED, rng))
            fill_s = time.perf_counter() - start

            submissions = _records(10_000, JobState.PENDING, rng)
            start = time.perf_counter()
            index.insert_many(submissions)
            submit_s = time.perf_counter() - start

            compiling = _records(ops, JobState.COMPILING, rng)
            index.insert_many(compiling)
            enqueue: list[float] = []
            for record in compiling:
                t0 = time.perf_counter()
                index.transition(record.id, JobState.QUEUED)
                enqueue.append(time.perf_counter() - t0)

            dequeue: list[float] = []
            for _ in range(ops):
                t0 = time.perf_counter()
                best = index.next_queued(1)[0]
                index.transition(best.id, JobState.RUNNING, expected=JobState.QUEUED)
                dequeue.append(time.perf_counter() - t0)
            depth = index.queue_depth()
        finally:
            index.close()
    return {
        "bench": "queue",
        "queued": queued,
        "ops": ops,
        "synchronous": synchronous,
        "depth_after": depth,
        "fill_s": round(fill_s, 3),
        "submit_10k_s": round(submit_s, 4),
        "enqueue_ms": _summary(enqueue),
        "dequeue_ms": _summary(dequeue),
        "target_p95_ms": TARGET_P95_MS,
    }


def main() -> None:
    """Parse arguments, run the benchmark, print the report and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--queued", type=int, default=100_000, help="jobs QUEUED beforehand")
    parser.add_argument("--ops", type=int, default=1_000, help="timed enqueues and dequeues")
    parser.add_argument("--synchronous", choices=("NORMAL", "FULL"), default="NORMAL")
    args = parser.parse_args()
    result = run(args.queued, args.ops, args.synchronous)
    print(f"queue benchmark: {result['queued']:,} jobs QUEUED, {result['ops']:,} timed ops")
    print(f"  filled in {result['fill_s']} s; 10,000 submissions in {result['submit_10k_s']} s")
    for op in ("enqueue", "dequeue"):
        s = result[f"{op}_ms"]
        verdict = "ok" if s["p95"] < TARGET_P95_MS else "SLOW"
        print(
            f"  {op:8s} median {s['median']:.3f} ms  p95 {s['p95']:.3f} ms  "
            f"max {s['max']:.3f} ms  [{verdict}: p95 < {TARGET_P95_MS} ms]"
        )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
