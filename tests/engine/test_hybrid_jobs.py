"""Hybrid jobs end to end (issue 4): the examples submitted to a real engine (one worker,
real Aer and Cirq), checked against plain Qiskit/scipy, numpy and closed forms.

One engine serves the whole module, so its worker starts once; every test submits its own
jobs. Sampled results are checked with tolerances derived from the shots, never exact counts.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import n_local
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.optimize import minimize

from eigen_engine import CompileError, Engine
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.states import JobState
from tests.engine.enginetools import EXAMPLES

LOGISTICS = EXAMPLES / "logistics" / "job.yaml"
VQE_H2 = EXAMPLES / "vqe_h2" / "job.yaml"
QAOA = EXAMPLES / "qaoa_maxcut" / "job.yaml"
SWEEP = EXAMPLES / "sweep" / "job.yaml"
SIGMAS = 5.0

EXACT = """\
import numpy as np
from eigen_lang import ExpectationValue, Param, X, Y, Z, cx, h, hybrid_program, rx, ry, rz, sweep


@hybrid_program()
def exact_values():
    a = Param("a", 0.3)
    b = Param("b", -1.1)
    c = Param("c", 2.2)
    h(0)
    ry(1, a)
    cx(0, 1)
    rz(2, b)
    ry(2, c)
    cx(1, 2)
    rx(0, c)
    ry(2, a)
    return {
        "zz": ExpectationValue(observable=Z(0) * Z(1) + 0.5 * X(2)),
        "xyz": ExpectationValue(observable=X(0) * Y(1) * Z(2) - 0.25 * Y(0) + X(1)),
        "curve": sweep(None, {a: np.linspace(0.0, np.pi, 9)}, observable=Z(1) * Z(2) + X(0)),
    }
"""

LONG_VQE = """\
from eigen_lang import (
    ExpectationValue, create_hea_ansatz, create_ising_model_hamiltonian, hybrid_program,
    minimize,
)


@hybrid_program()
def long_vqe():
    hamiltonian = create_ising_model_hamiltonian(n_spins=12, J=-1.0, h=0.7, periodic=True)
    ansatz = create_hea_ansatz(12, 4, entanglement="linear", rotations="ry")
    energy = ExpectationValue(ansatz, observable=hamiltonian)
    result = minimize(energy, [0.1] * ansatz.num_params, method="cobyla", max_iter=MAX_ITER)
    return result.fun
"""
LONG_MAX_ITER = 20_000

RUNTIME_IF = """\
from eigen_lang import ExpectationValue, Param, Z, hybrid_program, ry


@hybrid_program()
def branchy():
    ry(0, Param("t", 0.4))
    energy = ExpectationValue(observable=Z(0))
    if energy < 0:
        return "negative"
    return "positive"
"""


# -- fixtures -------------------------------------------------------------------------------

class EventLog:
    """Every event of the engine, in the order the hub delivered them."""

    def __init__(self) -> None:
        self.events: list[JobEvent] = []

    def __call__(self, event: JobEvent) -> None:
        self.events.append(event)

    def progress_times(self, job_id: str) -> list[float]:
        return [e.time for e in self.events if e.kind == "progress" and e.job.id == job_id]


@pytest.fixture(scope="module")
def events() -> EventLog:
    return EventLog()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, events: EventLog) -> Iterator[Engine]:
    """One engine (one worker) for the module; its event log records everything."""
    with Engine(tmp_path_factory.mktemp("hybrid-home"), workers=1) as eng:
        eng.subscribe(events)
        yield eng


class Reference(NamedTuple):
    """The appendix VQE done by hand."""

    history: list[float]  # every objective value, in evaluation order
    optimum: float  # COBYLA's result.fun
    ground: float  # the exact ground energy (numpy eigvalsh)


def appendix_reference() -> Reference:
    """The seed appendix VQE in plain Qiskit and scipy, as a user would write it: same HEA
    (Qiskit's ``n_local``), same Ising Hamiltonian, ``StatevectorEstimator``, COBYLA with
    maxiter 150 and tol 1e-5 from ``0.1 * default_rng(7).standard_normal(20)``."""
    ansatz = n_local(5, "ry", "cx", entanglement="linear", reps=3)
    hamiltonian = SparsePauliOp.from_sparse_list(
        [("ZZ", [i, i + 1], -1.0) for i in range(4)] + [("X", [i], 0.5) for i in range(5)],
        num_qubits=5,
    )
    estimator = StatevectorEstimator()
    history: list[float] = []

    def energy(x: np.ndarray) -> float:
        value = float(estimator.run([(ansatz, hamiltonian, x)]).result()[0].data.evs)
        history.append(value)
        return value

    x0 = 0.1 * np.random.default_rng(7).standard_normal(ansatz.num_parameters)
    result = minimize(energy, x0, method="COBYLA", options={"maxiter": 150}, tol=1e-5)
    ground = float(np.linalg.eigvalsh(hamiltonian.to_matrix())[0])
    return Reference(history, float(result.fun), ground)


@pytest.fixture(scope="module")
def reference() -> Reference:
    return appendix_reference()


@pytest.fixture(scope="module")
def appendix_job(engine: Engine) -> str:
    """The appendix job submitted through its job file with seed 7; its id once DONE."""
    job = engine.submit(spec=LOGISTICS, seed=7)
    assert job.wait(120).state is JobState.DONE
    return job.id


def iterations(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    text = engine.artifact(job_id, "iterations.jsonl").decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def vqe_energy(x: list[float]) -> float:
    """<Z0> + <X1> of the vqe_h2 ansatz, noiseless, from its state vector (numpy only)."""
    def ry(t: float) -> np.ndarray:
        return np.array([[math.cos(t / 2), -math.sin(t / 2)], [math.sin(t / 2), math.cos(t / 2)]])

    # basis index = 2*q1 + q0 (qubit 0 rightmost, as Qiskit)
    cnot = np.eye(4)[:, [0, 3, 2, 1]]
    z0 = np.kron(np.eye(2), np.diag([1.0, -1.0]))
    x1 = np.kron(np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2))
    state = np.kron(ry(x[1]), ry(x[0])) @ np.eye(4)[:, 0]
    state = np.kron(ry(x[3]), ry(x[2])) @ (cnot @ state)
    return float(state @ (z0 + x1) @ state)


def at_most_per_second(times: list[float], limit: int, jitter: float = 0.005) -> bool:
    """No ``limit + 1`` event times fit in one second (less ``jitter``: the hub limits on its
    own clock, the events carry wall-clock stamps taken just after)."""
    times = sorted(times)
    return all(times[i + limit] - times[i] >= 1.0 - jitter for i in range(len(times) - limit))


def exact_reference(angles: np.ndarray) -> dict[str, Any]:
    """The ``EXACT`` program's values from Qiskit's ``Statevector``."""

    def state(a: float, b: float = -1.1, c: float = 2.2) -> Statevector:
        qc = QuantumCircuit(3)
        qc.h(0)
        qc.ry(a, 1)
        qc.cx(0, 1)
        qc.rz(b, 2)
        qc.ry(c, 2)
        qc.cx(1, 2)
        qc.rx(c, 0)
        qc.ry(a, 2)
        return Statevector(qc)

    def op(*terms: tuple[str, list[int], float]) -> SparsePauliOp:
        return SparsePauliOp.from_sparse_list(list(terms), num_qubits=3)

    zz = op(("ZZ", [0, 1], 1.0), ("X", [2], 0.5))
    xyz = op(("XYZ", [0, 1, 2], 1.0), ("Y", [0], -0.25), ("X", [1], 1.0))
    curve = op(("ZZ", [1, 2], 1.0), ("X", [0], 1.0))
    return {
        "zz": float(state(0.3).expectation_value(zz).real),
        "xyz": float(state(0.3).expectation_value(xyz).real),
        "curve": [float(state(a).expectation_value(curve).real) for a in angles],
    }


# -- the seed appendix program --------------------------------------------------------------

def test_appendix_job_equals_the_qiskit_reference(
        engine: Engine, appendix_job: str, reference: Reference) -> None:
    outputs = engine.job(appendix_job).result().outputs
    assert outputs["optimal_cost"] == pytest.approx(reference.optimum, abs=1e-8)
    assert abs(outputs["optimal_cost"] - reference.ground) <= 0.05 * abs(reference.ground)
    assert (outputs["iterations"], outputs["qubits_used"]) == (150, 5)


def test_appendix_through_the_cli(tmp_path: Path, reference: Reference) -> None:
    env = {k: v for k, v in os.environ.items() if k != "EIGEN_SERVER_URL"}
    env["EIGEN_HOME"] = str(tmp_path / "cli-home")
    eigen = Path(sys.executable).with_name("eigen")
    done = subprocess.run(
        [str(eigen), "submit", "--job", str(LOGISTICS), "--seed", "7", "--wait", "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["state"] == "DONE"
    cost = payload["results"]["outputs"]["optimal_cost"]
    assert cost == pytest.approx(reference.optimum, abs=1e-8)
    assert abs(cost - reference.ground) <= 0.05 * abs(reference.ground)


def test_iterations_jsonl_is_the_evaluation_history(
        engine: Engine, appendix_job: str, reference: Reference) -> None:
    lines = iterations(engine, appendix_job)
    result = engine.job(appendix_job).result()
    assert [line["index"] for line in lines] == list(range(150))
    assert result.metadata["nodes"]["m0"]["nfev"] == result.metadata["evaluations"] == 150
    assert {line["node"] for line in lines} == {"m0"}
    # line by line, the same objective values as scipy's COBYLA on StatevectorEstimator
    values = [line["value"] for line in lines]
    np.testing.assert_allclose(values, reference.history, rtol=0, atol=1e-8)
    assert [line["best_value"] for line in lines] == list(np.minimum.accumulate(values))
    assert min(values) == result.outputs["optimal_cost"]
    best = lines[values.index(min(values))]
    assert best["parameters"] == result.outputs["optimal_parameters"]
    assert [line["time"] for line in lines] == sorted(line["time"] for line in lines)


def test_progress_record_shows_iteration_best_value_and_evaluations(
        engine: Engine, appendix_job: str) -> None:
    progress = engine.status(appendix_job).progress
    outputs = engine.job(appendix_job).result().outputs
    last = iterations(engine, appendix_job)[-1]
    assert progress.evaluations == 150
    assert progress.iteration == last["iteration"]
    assert progress.best_value == outputs["optimal_cost"]


def test_progress_events_come_at_most_ten_per_second(
        engine: Engine, appendix_job: str, events: EventLog) -> None:
    times = events.progress_times(appendix_job)
    assert times, "the appendix job published no progress event"
    assert at_most_per_second(times, 10)
    counted = [e.job.progress.evaluations for e in events.events
               if e.job.id == appendix_job and e.kind == "progress"]
    assert counted == sorted(counted) and counted[-1] <= 150


# -- the other examples ---------------------------------------------------------------------

def test_vqe_h2_reaches_minus_two_within_shot_tolerance(engine: Engine) -> None:
    # the ansatz reaches -2: |1>|-> with the first angle of qubit 0 at 0
    assert vqe_energy([0.0, -math.pi / 2, math.pi, 0.0]) == pytest.approx(-2.0, abs=1e-12)
    result = engine.submit(spec=VQE_H2).result(120)
    shots = result.metadata["shots"]
    assert shots == 8192
    # Z0 + X1 is a sum of two +-1 observables: one evaluation's standard deviation is at most
    # 2 / sqrt(shots). depolarizing:0.001 after each of the <= 4 gates a qubit sees (two ry,
    # the cnot, the basis change) shrinks each term by at most (1 - 0.001)**4.
    noise_shift = 2 * (1 - (1 - 0.001) ** 4)
    tolerance = noise_shift + SIGMAS * 2 / math.sqrt(shots)
    energy = result.outputs["energy"]
    assert energy == pytest.approx(-2.0, abs=tolerance)
    # the optimizer found the minimum, not a lucky sample: the exact energy at its point
    assert vqe_energy(result.outputs["parameters"]) == pytest.approx(-2.0, abs=tolerance)
    assert result.metadata["nodes"]["m0"]["nfev"] <= 60
    assert result.metadata["nodes"]["m0"]["shots"] == 8192  # how the objective was estimated


def test_qaoa_ring_most_likely_bitstring_is_a_maximum_cut(engine: Engine) -> None:
    result = engine.submit(spec=QAOA).result(120)
    counts = result.outputs["counts"]
    assert counts == result.counts
    assert max(counts, key=counts.__getitem__) in ("0101", "1010")
    assert result.outputs["expected_cut"] == pytest.approx(4.0, abs=1e-3)
    assert sum(counts.values()) == 2048


def test_sweep_returns_cos_and_sin_of_fifty_angles(engine: Engine) -> None:
    result = engine.submit(spec=SWEEP).result(120)
    angles = np.array(result.outputs["angles"])
    assert len(angles) == 50
    np.testing.assert_allclose(angles, np.linspace(0.0, 2 * np.pi, 50), rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.outputs["z"], np.cos(angles), rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.outputs["x"], np.sin(angles), rtol=0, atol=1e-9)
    assert result.metadata["driver_calls"] == 2  # one batched call per curve


# -- determinism and drivers ----------------------------------------------------------------

@pytest.mark.parametrize("job_file", [VQE_H2, QAOA], ids=["vqe_h2-sampled", "qaoa"])
def test_same_job_and_seed_give_identical_outputs(engine: Engine, job_file: Path) -> None:
    first, second = (engine.submit(spec=job_file).result(120) for _ in range(2))
    assert first.outputs == second.outputs
    assert first.counts == second.counts


def test_another_seed_gives_other_sampled_outputs(engine: Engine) -> None:
    seven = engine.submit(spec=VQE_H2).result(120)
    eight = engine.submit(spec=VQE_H2, seed=8).result(120)
    assert seven.outputs != eight.outputs


def test_exact_values_agree_between_aer_and_cirq(engine: Engine) -> None:
    aer, cirq = (engine.submit(EXACT, target=t, seed=1).result(120) for t in ("aer", "cirq"))
    assert (aer.metadata["device_id"], cirq.metadata["device_id"]) == ("aer", "cirq")
    assert aer.outputs["zz"] == pytest.approx(cirq.outputs["zz"], abs=1e-9)
    assert aer.outputs["xyz"] == pytest.approx(cirq.outputs["xyz"], abs=1e-9)
    np.testing.assert_allclose(aer.outputs["curve"], cirq.outputs["curve"], rtol=0, atol=1e-9)
    # and both equal Qiskit's Statevector on the same circuit
    expected = exact_reference(np.linspace(0.0, np.pi, 9))
    assert aer.outputs["zz"] == pytest.approx(expected["zz"], abs=1e-9)
    assert aer.outputs["xyz"] == pytest.approx(expected["xyz"], abs=1e-9)
    np.testing.assert_allclose(aer.outputs["curve"], expected["curve"], rtol=0, atol=1e-9)


# -- cancel and compile errors --------------------------------------------------------------

def test_cancel_stops_a_long_optimisation_and_keeps_its_history(engine: Engine) -> None:
    source = LONG_VQE.replace("MAX_ITER", str(LONG_MAX_ITER))
    job = engine.submit(source, seed=3)
    # Follow the job's event stream; after a dozen progress events (over a second of
    # optimisation, so the rate check below has teeth) cancel it. The stream ends with the
    # job's terminal state event.
    progress: list[JobEvent] = []
    seen = 0
    last: JobEvent | None = None
    for last in engine.events(job.id, timeout=60):
        if last.kind == "progress":
            progress.append(last)
            if len(progress) == 13:
                seen = last.job.progress.evaluations
                assert job.cancel().state is JobState.CANCELLED
    assert last is not None and last.kind == "state"
    assert last.job.state is JobState.CANCELLED
    assert job.wait(60).state is JobState.CANCELLED
    assert at_most_per_second([e.time for e in progress], 10)
    # the worker stopped between evaluations: a few more than were seen at the cancel, far
    # from the budget; the partial history stays in QFS, and there is no result
    lines = iterations(engine, job.id)
    assert [line["index"] for line in lines] == list(range(len(lines)))
    assert 0 < seen <= len(lines) < seen + 200
    assert len(lines) < LONG_MAX_ITER // 50
    assert "results.json" not in engine.artifacts(job.id)


def test_if_on_an_expectation_value_is_a_compile_error(engine: Engine) -> None:
    before = engine.count_jobs()
    (engine.home / "circuit_fs").mkdir(exist_ok=True)
    stored = sorted(os.listdir(engine.home / "circuit_fs"))
    with pytest.raises(CompileError) as caught:
        engine.submit(RUNTIME_IF, seed=1)
    codes = [d.code for d in caught.value.diagnostics if d.is_error]
    assert codes == ["E216"]  # condition depends on a run-time value
    error = next(d for d in caught.value.diagnostics if d.is_error)
    assert error.line == 8  # the `if`
    assert error.hint  # says what to do instead
    assert engine.count_jobs() == before
    assert sorted(os.listdir(engine.home / "circuit_fs")) == stored
