"""The event hub: ordered delivery, bounded progress rate, streams that subscribe at once."""

from __future__ import annotations

from dataclasses import replace

from eigen_engine.qrtx.events import PROGRESS_INTERVAL_S, EventHub, JobEvent
from eigen_engine.qrtx.records import JobRecord, Progress
from eigen_engine.qrtx.states import JobState

JOB = JobRecord(id="j-0123456789ab", name="t", created_at=1.0)


def test_progress_events_are_at_least_the_interval_apart() -> None:
    hub = EventHub()
    seen: list[JobEvent] = []
    hub.subscribe(seen.append)
    sent = [hub.publish_progress(replace(JOB, progress=Progress(evaluations=i)), now=i * 0.01)
            for i in range(100)]  # 100 reports in one second
    assert sum(sent) == len(seen)
    assert len(seen) <= 1 / PROGRESS_INTERVAL_S + 1
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)


def test_state_events_are_never_dropped_and_keep_order() -> None:
    hub = EventHub()
    seen: list[JobEvent] = []
    hub.subscribe(seen.append)
    states = [JobState.PENDING, JobState.COMPILING, JobState.QUEUED, JobState.RUNNING,
              JobState.DONE]
    for state in states:
        hub.publish_state(replace(JOB, state=state))
    assert [e.job.state for e in seen] == states
    assert [e.to_dict()["type"] for e in seen] == ["job.state"] * 5


def test_a_stream_subscribes_when_created() -> None:
    hub = EventHub()
    stream = hub.stream(JOB.id, timeout=1.0)
    hub.publish_state(replace(JOB, state=JobState.QUEUED))
    hub.publish_state(replace(JOB, state=JobState.CANCELLED))
    assert [e.job.state for e in stream] == [JobState.QUEUED, JobState.CANCELLED]


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    hub = EventHub()
    seen: list[JobEvent] = []

    def broken(_: JobEvent) -> None:
        raise RuntimeError("boom")

    hub.subscribe(broken)
    hub.subscribe(seen.append)
    hub.publish_state(JOB)
    assert len(seen) == 1
