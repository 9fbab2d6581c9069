"""The engine end to end: real simulators, real SQLite and QFS, real worker processes.

Distributions are checked with binomial tolerances (4 standard deviations) on seeded runs.
Misbehaving jobs (slow, flaky, crashing) run on the test-only ``testdrv`` driver of
``enginetools``; everything else runs on Aer or Cirq.
"""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from eigen_engine import Engine
from eigen_engine.errors import ErrorCode, JobCancelled, JobFailed
from eigen_engine.jobspec import load_jobspec
from eigen_engine.qfs.artifacts import ArtifactStore
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.records import JobRecord
from eigen_engine.qrtx.scheduler import Scheduler, SchedulerConfig
from eigen_engine.qrtx.states import JobState
from tests.engine.enginetools import (
    EXAMPLES,
    RELEASE,
    SLEEP_S,
    EngineFactory,
    driver_executor,
    scheduler_held,
    wait_for,
)

BELL = EXAMPLES / "bell" / "job.yaml"
GHZ = EXAMPLES / "ghz" / "job.yaml"
NOISY_BELL = EXAMPLES / "noisy_bell" / "job.yaml"
BELL_SOURCE = (EXAMPLES / "bell" / "program.eigen.py").read_text()
SIGMAS = 4.0


def within_binomial(k: int, n: int, p: float) -> bool:
    """Whether ``k`` successes in ``n`` trials is within SIGMAS standard deviations of ``n p``."""
    return abs(k - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p))


# -- results ---------------------------------------------------------------------------------


def test_bell_job_file_gives_only_00_and_11_about_half_each(engine: Engine) -> None:
    job = engine.submit(spec=BELL)
    result = job.result(timeout=120)
    record = job.status()
    assert (record.state, record.name, record.shots, record.seed) == (JobState.DONE, "bell",
                                                                      1024, 1)
    assert set(result.counts) <= {"00", "11"}
    assert sum(result.counts.values()) == 1024
    assert within_binomial(result.counts.get("11", 0), 1024, 0.5), result.counts


def test_bell_on_cirq_agrees_with_aer(engine: Engine) -> None:
    shots = 4000
    aer = engine.submit(spec=BELL, shots=shots, seed=11).result(timeout=120).counts
    cirq_result = engine.submit(spec=BELL, target="cirq", shots=shots, seed=11).result(timeout=120)
    cirq = cirq_result.counts
    assert cirq_result.metadata["driver"] == "cirq"
    assert set(cirq) <= {"00", "11"}
    assert within_binomial(cirq.get("11", 0), shots, 0.5), cirq
    # Two-sample check: the difference of the two "11" rates is within its standard error.
    diff = abs(aer.get("11", 0) - cirq.get("11", 0)) / shots
    assert diff <= SIGMAS * math.sqrt(2 * 0.25 / shots), (aer, cirq)


def _noisy_bell_disagreement_rate(depolarizing: float, readout: float) -> float:
    """P(01 or 10) for H(0); CX(0,1); measure, with Qiskit's depolarizing channel after each
    gate and symmetric readout flips, computed on a reference density matrix."""
    from qiskit.circuit.library import CXGate, HGate
    from qiskit.quantum_info import DensityMatrix
    from qiskit_aer.noise import depolarizing_error

    rho = DensityMatrix.from_label("00")
    rho = rho.evolve(HGate(), [0]).evolve(depolarizing_error(depolarizing, 1).to_quantumchannel(),
                                          [0])
    rho = rho.evolve(CXGate(), [0, 1]).evolve(
        depolarizing_error(depolarizing, 2).to_quantumchannel(), [0, 1]
    )
    before = rho.probabilities_dict()
    odd = before.get("01", 0.0) + before.get("10", 0.0)
    flip_parity = 2 * readout * (1 - readout)  # exactly one of the two bits flips
    rate = odd * (1 - flip_parity) + (1 - odd) * flip_parity
    # The same figure by hand: the two-qubit channel leaves odd parity with probability P/2.
    assert math.isclose(odd, depolarizing / 2, rel_tol=1e-9)
    return rate


@pytest.mark.parametrize("target", ["aer", "cirq:density_matrix"])
def test_noisy_bell_shows_disagreements_at_the_rate_the_noise_implies(
    engine: Engine, target: str
) -> None:
    spec = load_jobspec(NOISY_BELL)
    noise = dict(part.split(":") for part in (spec.noise_model or "").split("+"))
    expected = _noisy_bell_disagreement_rate(float(noise["depolarizing"]), float(noise["readout"]))
    result = engine.submit(spec=NOISY_BELL, target=target).result(timeout=120)
    counts, shots = result.counts, spec.shots
    assert result.metadata["noise_model"] == spec.noise_model
    assert sum(counts.values()) == shots
    odd = counts.get("01", 0) + counts.get("10", 0)
    assert odd > 0
    assert within_binomial(odd, shots, expected), (counts, expected)
    # Disagreements split evenly between 01 and 10, agreements between 00 and 11.
    assert within_binomial(counts.get("01", 0), odd, 0.5), counts
    assert within_binomial(counts.get("11", 0), shots - odd, 0.5), counts


@pytest.mark.parametrize("target", ["aer", "cirq"])
def test_same_job_and_seed_give_identical_counts(engine: Engine, target: str) -> None:
    first, second, other = (
        engine.submit(spec=GHZ, target=target, seed=seed, shots=500) for seed in (5, 5, 6)
    )
    counts = first.result(timeout=120).counts
    assert second.result(timeout=120).counts == counts
    # Different seeds sample differently (the GHZ split of 500 shots is not fixed).
    assert other.result(timeout=120).counts != counts


def test_ghz_example_gives_all_zeros_or_all_ones(engine: Engine) -> None:
    job = engine.submit(spec=GHZ)
    result = job.result(timeout=120)
    assert job.status().qubits == 5
    assert set(result.counts) <= {"00000", "11111"}
    assert sum(result.counts.values()) == 2048
    assert within_binomial(result.counts.get("11111", 0), 2048, 0.5), result.counts


def test_result_to_dict_is_the_stored_results_json(engine: Engine) -> None:
    job = engine.submit(BELL_SOURCE, shots=100, seed=3)
    result = job.result(timeout=120)
    stored = json.loads(engine.artifact(job.id, "results.json"))
    assert result.to_dict() == stored
    assert set(stored) == {"job_id", "state", "results"}
    assert set(stored["results"]) == {"counts", "outputs", "metadata"}
    assert (stored["job_id"], stored["state"]) == (job.id, "DONE")
    assert stored["results"]["outputs"] is None  # a sampling job returns counts only
    assert stored["results"]["metadata"]["shots"] == 100


def test_meta_json_hashes_every_artifact_and_records_versions_seeds_timings(
    engine: Engine, home: Path
) -> None:
    job = engine.submit(spec=BELL, seed=9)
    job.result(timeout=120)
    store = ArtifactStore(home)
    assert store.verify(job.id) == []
    meta = store.read_meta(job.id)
    assert set(meta["artifacts"]) == set(engine.artifacts(job.id)) - {"meta.json"}
    assert {"program.eigen.py", "job.yaml", "input.job.yaml", "compiled.aqo.json",
            "compiled.qasm", "results.json"} <= set(meta["artifacts"])
    versions = meta["versions"]
    for package in ("eigen-jupyter", "qiskit", "qiskit-aer", "cirq-core", "numpy"):
        assert versions[package] != "not installed", package
    assert meta["seeds"]["job"] == 9
    assert isinstance(meta["seeds"]["simulator"], int)
    for stage in ("compile_s", "queued_s", "run_s", "total_s"):
        assert meta["timings"][stage] >= 0, stage
    assert meta["aqo_sha256"] == job.status().aqo_sha256 == (
        meta["artifacts"]["compiled.aqo.json"]["sha256"]
    )


def test_events_arrive_in_state_order(engine: Engine) -> None:
    seen: list[JobEvent] = []
    finished = threading.Event()

    def on_event(event: JobEvent) -> None:
        seen.append(event)
        if event.kind == "state" and event.job.is_terminal:
            finished.set()

    unsubscribe = engine.subscribe(on_event)
    try:
        job = engine.submit(BELL_SOURCE, seed=1)
        assert finished.wait(120)
    finally:
        unsubscribe()
    mine = [e for e in seen if e.job.id == job.id and e.kind == "state"]
    assert [e.job.state for e in mine] == [
        JobState.PENDING, JobState.COMPILING, JobState.QUEUED, JobState.RUNNING, JobState.DONE
    ]
    assert [e.seq for e in mine] == sorted(e.seq for e in mine)


def test_capture_state_keeps_a_statevector_loadable_as_numpy(engine: Engine) -> None:
    result = engine.submit(BELL_SOURCE, seed=1, capture_state=True).result(timeout=120)
    state, meta = engine.load_state(result.metadata["state_sha256"])
    assert isinstance(state, np.ndarray)
    assert np.allclose(state, np.array([1, 0, 0, 1]) / math.sqrt(2))
    assert meta["kind"] == "statevector"


def test_devices_report_their_queue_depth(make_engine: EngineFactory, home: Path) -> None:
    with scheduler_held(home):
        engine = make_engine()
        for _ in range(3):
            engine.submit(BELL_SOURCE, target="simulator")
        for _ in range(2):
            engine.submit(BELL_SOURCE, target="cirq")
        depth = {d.id: d.queue_depth for d in engine.devices()}
        assert depth["aer"] == 3
        assert depth["cirq"] == 2
        assert sum(depth.values()) == 5 == engine.queue_depth()
        assert engine.device("simulator").queue_depth == 3


# -- cancel, timeout, dependencies ------------------------------------------------------------


def test_cancel_queued_job_never_runs(make_engine: EngineFactory, home: Path) -> None:
    with scheduler_held(home):
        engine = make_engine()
        job = engine.submit(BELL_SOURCE, seed=1)
        assert job.state is JobState.QUEUED
        assert job.cancel().state is JobState.CANCELLED
    # The scheduler takes over now; the next job runs, the cancelled one does not.
    engine.submit(BELL_SOURCE, seed=2).result(timeout=120)
    record = job.status()
    assert (record.state, record.error_code) == (JobState.CANCELLED, ErrorCode.CANCELLED)
    assert JobState.RUNNING not in record.timestamps
    assert "results.json" not in engine.artifacts(job.id)
    with pytest.raises(JobCancelled):
        job.result(timeout=10)


def test_cancel_running_job_ends_its_worker(driver_engine: Engine) -> None:
    slow = driver_engine.submit(BELL_SOURCE, target="testdrv:sleep")
    wait_for(lambda: slow.state is JobState.RUNNING)
    queued = driver_engine.submit(BELL_SOURCE, seed=4)
    assert queued.state is JobState.QUEUED  # the only worker is busy
    assert slow.cancel().state is JobState.CANCELLED
    with pytest.raises(JobCancelled):
        slow.result(timeout=10)
    # The sleeping worker was ended and replaced: the queued job runs long before the
    # sleep (SLEEP_S) would have ended on its own.
    assert set(queued.result(timeout=SLEEP_S / 2).counts) <= {"00", "11"}
    assert slow.state is JobState.CANCELLED


def test_a_job_cancelled_inside_a_running_batch_keeps_no_results(
    make_engine: EngineFactory, home: Path, testdrv: Path
) -> None:
    # Small sampling jobs share a worker task, and the worker writes their results.json and
    # meta.json itself. A job cancelled while its batch runs is still run by the worker (the
    # batch goes on for the others), but what the worker stored for it is removed.
    with scheduler_held(home):
        engine = make_engine(executor=driver_executor(testdrv))
        paused = engine.submit(BELL_SOURCE, target="testdrv:pause", seed=1)
        later = engine.submit(BELL_SOURCE, seed=2)
    wait_for(lambda: later.state is JobState.RUNNING, timeout=60)
    assert paused.state is JobState.RUNNING  # one task holds both: the one worker is busy
    assert later.cancel().state is JobState.CANCELLED
    (testdrv / RELEASE).touch()
    assert set(paused.result(timeout=60).counts) <= {"00", "11"}
    store = ArtifactStore(home)
    assert store.verify(paused.id) == []
    assert store.read_meta(paused.id)["timings"]["run_s"] > 0
    wait_for(lambda: "results.json" not in engine.artifacts(later.id), timeout=30)
    assert later.state is JobState.CANCELLED
    assert "meta.json" not in engine.artifacts(later.id)


def test_timeout_fails_the_job_with_deadline_exceeded(driver_engine: Engine) -> None:
    job = driver_engine.submit(BELL_SOURCE, target="testdrv:sleep", timeout=1.0)
    record = job.wait(timeout=120)
    assert (record.state, record.error_code) == (JobState.ERROR, ErrorCode.DEADLINE_EXCEEDED)
    assert "timeout of 1 s" in (record.error_message or "")
    with pytest.raises(JobFailed) as failed:
        job.result()
    assert failed.value.code is ErrorCode.DEADLINE_EXCEEDED


def test_dependents_of_a_failed_job_fail_naming_it(
    make_engine: EngineFactory, home: Path, testdrv: Path
) -> None:
    with scheduler_held(home):
        engine = make_engine(executor=driver_executor(testdrv))
        parent = engine.submit(BELL_SOURCE, target="testdrv:fail")
        child = engine.submit(BELL_SOURCE, dependencies=[parent.id])
        grandchild = engine.submit(BELL_SOURCE, dependencies=[child.id])
        assert child.state is JobState.QUEUED
    assert parent.wait(timeout=120).state is JobState.ERROR
    record = child.wait(timeout=30)
    assert (record.state, record.error_code) == (JobState.ERROR, ErrorCode.FAILED_PRECONDITION)
    assert parent.id in (record.error_message or "")
    last = grandchild.wait(timeout=30)
    assert last.state is JobState.ERROR and child.id in (last.error_message or "")
    assert JobState.RUNNING not in record.timestamps


def test_dependents_of_a_cancelled_job_fail_naming_it(
    make_engine: EngineFactory, home: Path
) -> None:
    with scheduler_held(home):
        engine = make_engine()
        parent = engine.submit(BELL_SOURCE)
        child = engine.submit(BELL_SOURCE, dependencies=[parent.id])
        parent.cancel()
        record = child.status()
        assert (record.state, record.error_code) == (JobState.ERROR,
                                                     ErrorCode.FAILED_PRECONDITION)
        assert parent.id in (record.error_message or "")
        assert "CANCELLED" in (record.error_message or "")


# -- failures in the worker ---------------------------------------------------------------------


def test_transient_driver_error_is_retried_then_done(
    make_engine: EngineFactory, testdrv: Path, home: Path
) -> None:
    engine = make_engine(executor=driver_executor(testdrv),
                         scheduler=SchedulerConfig(retry_backoff_s=0.05))
    job = engine.submit(BELL_SOURCE, target="testdrv:flaky", seed=21)
    result = job.result(timeout=120)
    assert set(result.counts) <= {"00", "11"}
    assert job.status().attempt == 2
    meta = ArtifactStore(home).read_meta(job.id)
    assert meta["attempt"] == 2
    assert meta["timings"]["compile_s"] > 0  # still known on the second attempt
    assert (testdrv / "flaky-21").exists()


def test_permanent_driver_error_is_not_retried(driver_engine: Engine) -> None:
    job = driver_engine.submit(BELL_SOURCE, target="testdrv:fail")
    record = job.wait(timeout=120)
    assert (record.state, record.attempt) == (JobState.ERROR, 1)
    assert "testdrv:fail always fails" in (record.error_message or "")


def test_worker_that_dies_fails_only_its_job(
    make_engine: EngineFactory, testdrv: Path, home: Path
) -> None:
    # Queued together, the three small jobs share one worker task: the crash takes the
    # others' worker down too, and only the culprit may fail.
    with scheduler_held(home):
        engine = make_engine(executor=driver_executor(testdrv))
        before = engine.submit(BELL_SOURCE, seed=1)
        crash = engine.submit(BELL_SOURCE, target="testdrv:crash")
        after = engine.submit(BELL_SOURCE, seed=2)
    record = crash.wait(timeout=120)
    assert (record.state, record.error_code) == (JobState.ERROR, ErrorCode.INTERNAL)
    assert "exited with code 1" in (record.error_message or "")
    for job in (before, after):
        assert set(job.result(timeout=120).counts) <= {"00", "11"}
    # The pool replaced the dead worker: a later job runs as well.
    assert engine.submit(BELL_SOURCE, seed=3).wait(timeout=120).state is JobState.DONE


def test_a_job_submitted_while_the_scheduler_is_busy_starts_without_waiting_for_a_poll(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A job queued while the scheduler thread is busy (here: each look at the queue is made
    # to take 20 ms longer, like a slow disk) must not wait for the next poll: with a 30 s
    # poll interval, a lost wake-up would stall it far past the 10 s it is given.
    dispatch = Scheduler._dispatch

    def slow_dispatch(self: Scheduler) -> None:
        dispatch(self)
        time.sleep(0.02)

    monkeypatch.setattr(Scheduler, "_dispatch", slow_dispatch)
    engine = make_engine(scheduler=SchedulerConfig(poll_interval_s=30.0))
    engine.submit(BELL_SOURCE, seed=0).result(timeout=120)  # start the worker
    for seed in range(1, 31):
        time.sleep(0.005 * (seed % 5))  # land in different moments of the iteration
        assert set(engine.submit(BELL_SOURCE, seed=seed, shots=16).result(timeout=10).counts) \
            <= {"00", "11"}


def test_a_sampling_program_returns_its_outputs_with_the_counts(make_engine: EngineFactory) -> None:
    source = (
        "from eigen_lang import hybrid_program, h, cx, measure_all\n"
        "@hybrid_program()\n"
        "def labelled(n: int = 2):\n"
        "    h(0); cx(0, 1); measure_all()\n"
        "    return {'qubits': n, 'label': f'bell-{n}', 'angles': [0.5 * k for k in range(3)]}\n"
    )
    result = make_engine().submit(source, seed=3, shots=100, inputs={"n": 5}).result(timeout=120)
    assert set(result.counts or {}) <= {"00", "11"}
    assert result.outputs == {"qubits": 5, "label": "bell-5", "angles": [0.0, 0.5, 1.0]}
    assert make_engine().submit(BELL_SOURCE, seed=3).result(timeout=120).outputs is None


@pytest.mark.timeout(60)  # 20 lost wake-ups would take 20 x 10 s
def test_wait_sees_a_job_finish_while_it_was_reading_the_record(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The job may finish just after wait() read its record (RUNNING) and before it sleeps:
    # that wake-up must count. Reads are made 10 ms slower to open the window wide, and the
    # poll that would otherwise rescue a lost wake-up is 30 s: a lost one sleeps until the
    # 10 s timeout each time.
    get = JobIndex.get

    def slow_get(self: JobIndex, job_id: str) -> JobRecord:
        record = get(self, job_id)
        time.sleep(0.01)
        return record

    monkeypatch.setattr(JobIndex, "get", slow_get)
    engine = make_engine(scheduler=SchedulerConfig(poll_interval_s=30.0))
    engine.submit(BELL_SOURCE, seed=0).result(timeout=120)  # start the worker
    for seed in range(1, 21):
        job = engine.submit(BELL_SOURCE, seed=seed, shots=16)
        assert engine.wait(job.id, timeout=10).state is JobState.DONE
