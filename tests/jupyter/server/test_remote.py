"""``RemoteEngine`` against a real server: the Engine interface, errors and events."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from eigen_engine.compiler import compile_source
from eigen_engine.errors import (
    CompileError,
    DeviceNotFound,
    InvalidArgument,
    JobCancelled,
    JobNotFound,
    JobSpecError,
    JobTimeout,
    ServerUnavailable,
)
from eigen_engine.job import Job
from eigen_engine.qrtx.states import JobState
from eigen_engine.remote import RemoteEngine, VersionMismatchWarning
from eigen_engine.remote import client as remote_client
from tests.jupyter.server.client import BELL, BROKEN, STATES, in_thread


async def test_round_trip(remote: RemoteEngine) -> None:
    events: list[Any] = []
    subscribed = threading.Event()

    def collect(event: Any) -> None:
        events.append(event)
        subscribed.set()

    def scenario() -> None:
        info = remote.handshake()
        assert info["api_version"] == "v1"
        stop = remote.subscribe(collect)
        job = remote.submit(BELL, shots=300, seed=5, name="remote-bell")
        assert isinstance(job, Job)
        result = job.result(timeout=60)
        assert result.job_id == job.id and result.state is JobState.DONE
        assert sum(result.counts.values()) == 300 and set(result.counts) <= {"00", "11"}
        record = remote.status(job.id)
        assert (record.state, record.name, record.shots) == (JobState.DONE, "remote-bell", 300)
        assert record.owner  # recorded by the server from the token's identity
        assert [r.id for r in remote.jobs()] == [job.id]
        assert remote.count_jobs(state="DONE") == 1 and remote.count_jobs(state="ERROR") == 0
        assert remote.queue_depth() == 0
        assert "results.json" in remote.artifacts(job.id)
        assert remote.artifact(job.id, "program.eigen.py").decode() == BELL
        assert remote.job(job.id).id == job.id
        compiled = remote.compile(BELL, seed=2)
        local = compile_source(BELL, seed=2)
        assert (compiled.sha256, compiled.aqo_json, compiled.qasm) == (
            local.sha256, local.aqo_json, local.qasm)
        assert compiled.circuit == local.circuit
        devices = remote.devices()
        assert "aer" in {d.id for d in devices}
        assert remote.device("simulator").id == "aer"
        stop()

    await in_thread(scenario)
    assert subscribed.is_set()


async def test_errors_come_back_as_the_same_classes(remote: RemoteEngine,
                                                    held_queue: Any) -> None:
    def scenario() -> None:
        with pytest.raises(CompileError) as compile_error:
            remote.submit(BROKEN)
        assert [(d.code, d.line, d.col) for d in compile_error.value.diagnostics] == [
            ("E201", 5, 5)]
        assert compile_error.value.details[0].field == "source"
        with pytest.raises(CompileError):
            remote.compile(BROKEN)
        with pytest.raises(JobNotFound):
            remote.status("j-0123456789ab")
        with pytest.raises(DeviceNotFound):
            remote.device("quantum-toaster")
        with pytest.raises(JobSpecError):
            remote.submit(spec=_bad_spec())
        job = remote.submit(BELL)
        with pytest.raises(JobTimeout):
            remote.wait(job.id, timeout=0.3)
        assert job.cancel().state is JobState.CANCELLED
        with pytest.raises(JobCancelled) as cancelled:
            job.result(timeout=10)
        assert cancelled.value.job_id == job.id
        with pytest.raises(InvalidArgument) as bad_option:
            remote.compile(BELL, limits=1)  # not a REST compile option: refused by name
        assert bad_option.value.details[0].field == "options.limits"

    await in_thread(scenario)


async def test_submit_a_job_file(remote: RemoteEngine, tmp_path: Path) -> None:
    (tmp_path / "program.eigen.py").write_text(BELL)
    (tmp_path / "job.yaml").write_text(
        "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: from-file}\n"
        "spec:\n  target: simulator\n  shots: 128\n  program: {path: program.eigen.py}\n"
    )

    def scenario() -> None:
        job = remote.submit(spec=tmp_path / "job.yaml", seed=1)
        record = job.wait(60)
        assert (record.name, record.shots, record.state) == ("from-file", 128, JobState.DONE)

    await in_thread(scenario)


async def test_submit_many(remote: RemoteEngine, tmp_path: Path) -> None:
    (tmp_path / "program.eigen.py").write_text(BELL)
    (tmp_path / "job.yaml").write_text(  # read here, like submit(spec=path)
        "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: from-file}\n"
        "spec:\n  target: simulator\n  shots: 128\n  program: {path: program.eigen.py}\n"
    )
    requests = [
        {"source": BELL, "seed": 1, "shots": 64, "priority": 20, "name": "first"},
        {"spec": tmp_path / "job.yaml", "seed": 2, "priority": 80},
        {"source": BELL, "seed": 3, "shots": 32, "name": "third", "owner": "ignored"},
    ]

    def scenario() -> list[Any]:
        jobs = remote.submit_many(iter(requests))  # any iterable, like Engine.submit_many
        assert all(isinstance(j, Job) for j in jobs)
        return [j.wait(60) for j in jobs]

    records = await in_thread(scenario)
    assert [(r.name, r.priority, r.shots, r.seed) for r in records] == [
        ("first", 20, 64, 1), ("from-file", 80, 128, 2), ("third", 50, 32, 3)]
    assert {r.state for r in records} == {JobState.DONE}
    assert await in_thread(remote.submit_many, []) == []


async def test_submit_many_is_all_or_none(remote: RemoteEngine, held_queue: Any) -> None:
    def scenario() -> None:
        good = {"source": BELL, "seed": 1}
        with pytest.raises(CompileError, match=r"^request #1: ") as compile_error:
            remote.submit_many([good, {"source": BROKEN}, good])
        assert [d.code for d in compile_error.value.diagnostics] == ["E201"]
        assert compile_error.value.details[0].field == "requests[1].source"
        with pytest.raises(InvalidArgument, match=r"requests\[2\]\.shots") as bad_shots:
            remote.submit_many([good, good, {"source": BELL, "shots": 0}])
        assert bad_shots.value.details[0].field == "requests[2].shots"
        with pytest.raises(DeviceNotFound, match=r"^request #0: "):
            remote.submit_many([{"source": BELL, "target": "quantum-toaster"}, good])
        with pytest.raises(TypeError, match=r"^request #1: .*'sauce'"):
            remote.submit_many([good, {"sauce": BELL}])  # caught here, before any request
        with pytest.raises(JobSpecError, match=r"^request #0: "):
            remote.submit_many([{"spec": "/no/such/job.yaml"}])
        assert remote.count_jobs() == 0  # no request of a failed batch became a job

    await in_thread(scenario)


async def test_calibrate_waits_as_long_as_asked(remote: RemoteEngine) -> None:
    opened: list[float] = []
    real_open = remote._opener.open

    def open_(request: Any, timeout: float) -> Any:
        opened.append(timeout)
        return real_open(request, timeout=timeout)

    remote._opener = SimpleNamespace(open=open_)  # type: ignore[assignment]
    figures = await in_thread(remote.calibrate, "aer", "readout:0.05", timeout=240.0)
    assert figures and opened == [240.0]  # not the client's 10 s default
    assert await in_thread(remote.calibrate, "aer") and opened[-1] == 300.0  # Engine's default
    with pytest.raises(ServerUnavailable, match="did not answer"):
        await in_thread(remote.calibrate, "aer", timeout=0.001)


async def test_events_of_one_job(remote: RemoteEngine, held_queue: Any) -> None:
    def scenario() -> list[str]:
        job = remote.submit(BELL)
        stream = remote.events(job.id)
        held_queue.release()
        return [e.job.state.value for e in stream if e.kind == "state"]

    assert await in_thread(scenario) == STATES[-2:]


async def test_events_end_after_a_quiet_timeout(remote: RemoteEngine) -> None:
    assert await in_thread(lambda: list(remote.events(timeout=0.2))) == []


async def test_handshake_warns_on_a_version_mismatch(
    remote: RemoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_client, "__version__", "0.0.1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await in_thread(remote.handshake)
    assert [w.category for w in caught] == [VersionMismatchWarning]
    assert "0.0.1" in str(caught[0].message)


async def test_a_wrong_token_or_no_server(remote: RemoteEngine) -> None:
    wrong = RemoteEngine(remote.url, "wrong", check_version=False)
    with pytest.raises(ServerUnavailable, match="token"):
        await in_thread(wrong.handshake)
    with pytest.raises(ServerUnavailable, match="cannot reach"):
        await in_thread(RemoteEngine, "http://127.0.0.1:9/", "t")
    nothing_here = RemoteEngine(remote.url.replace("/a%40b/", "/elsewhere/"), remote.token,
                                check_version=False)
    with pytest.raises(ServerUnavailable, match="no Eigen API"):
        await in_thread(nothing_here.handshake)


def test_urls_are_normalized() -> None:
    engine = RemoteEngine("http://0.0.0.0:8888/lab?token=abc", check_version=False)
    assert (engine.url, engine.token) == ("http://127.0.0.1:8888/lab/", "abc")
    api = RemoteEngine("http://h:1/base/eigen/api/v1", "t", check_version=False)
    assert api.url == "http://h:1/base/"


def _bad_spec() -> Any:
    from eigen_engine.jobspec import JobSpec

    return JobSpec(name="bad", target="simulator", source=BELL, shots=0)
