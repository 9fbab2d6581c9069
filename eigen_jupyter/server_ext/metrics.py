"""Prometheus metrics of the hosted engine, served on Jupyter's own ``/metrics``.

The metrics live in ``prometheus_client``'s default registry, which is what jupyter_server's
``/metrics`` handler exports. They are module-level (a registry refuses a name twice), so a
process hosting several servers, as the test suite does, shares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

from eigen_engine.qrtx.states import JobState

if TYPE_CHECKING:
    from eigen_engine.qrtx.events import JobEvent

__all__ = [
    "COMPILE_SECONDS",
    "JOBS",
    "JOBS_SUBMITTED",
    "QUEUE_DEPTH",
    "STAGE_SECONDS",
    "TRANSITIONS",
    "observe_event",
    "set_job_counts",
]

_LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
                    300, 900, 3600)

JOBS = Gauge("eigen_jobs", "Jobs in the engine's store, by state", ["state"])
QUEUE_DEPTH = Gauge("eigen_queue_depth", "Jobs in the scheduler's queue (state QUEUED)")
TRANSITIONS = Counter(
    "eigen_job_transitions_total", "Job state changes seen by this server, by new state", ["state"]
)
JOBS_SUBMITTED = Counter("eigen_jobs_submitted_total", "Jobs submitted through the REST API")
STAGE_SECONDS = Histogram(
    "eigen_job_stage_seconds",
    "Time jobs spent in a state before leaving it (COMPILING = compile time, "
    "QUEUED = queue wait, RUNNING = simulator time)",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
COMPILE_SECONDS = Histogram(
    "eigen_compile_seconds", "Time of POST compile requests (the compiler itself)",
    buckets=_LATENCY_BUCKETS,
)


def observe_event(event: JobEvent) -> None:
    """Count a state change and record how long the job spent in the state it left.

    The left state is the one entered last before the new one, read from the record's
    per-state timestamps; progress events change nothing.
    """
    if event.kind != "state":
        return
    record = event.job
    TRANSITIONS.labels(state=record.state.value).inc()
    entered = record.timestamps.get(record.state)
    if entered is None:
        return
    earlier = [(t, s) for s, t in record.timestamps.items() if s != record.state and t <= entered]
    if earlier:
        left_at, left = max(earlier)
        STAGE_SECONDS.labels(stage=left.value).observe(max(0.0, entered - left_at))


def set_job_counts(counts: Mapping[JobState, int]) -> None:
    """Set the jobs-by-state gauges and the queue depth from fresh store counts."""
    for state in JobState:
        JOBS.labels(state=state.value).set(counts.get(state, 0))
    QUEUE_DEPTH.set(counts.get(JobState.QUEUED, 0))
