"""What a worker process runs for a job: decode the AQO, run it on its driver, report back.

The scheduler sends a :class:`JobTask` (plain data: the AQO's canonical bytes and the
resolved options) to an executor; :func:`run_job` (one job) or :func:`run_jobs` (a batch of
small sampling jobs in one task, saving the process hop per job) run in the worker and return
plain dicts, never exceptions, so a failure of one job in a batch leaves the others intact.

Outcome dicts:

- ``{"job_id", "ok": True, "counts", "outputs", "metadata", "timings", "state"}`` where
  ``state`` is ``None`` or ``{"kind", "npy"}`` (the captured final state as ``.npy`` bytes);
- ``{"job_id", "ok": False, "error": {"type", "code", "message", "transient"}}``;
- ``{"job_id", "ok": False, "cancelled": True}`` when the job stopped on a cancel request;
- ``{"job_id", "ok": True, "stored": True}`` when the task carried a
  :class:`~eigen_engine.qfs.outcome.ResultStorage` and the worker wrote ``results.json`` and
  ``meta.json`` itself.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eigen_engine.drivers.protocol import QDriver
from eigen_engine.drivers.registry import resolve_target
from eigen_engine.errors import EigenError, ErrorCode, JobCancelled, TransientDriverError
from eigen_engine.ir.aqo import Circuit, circuit_from_aqo
from eigen_engine.qfs.outcome import ResultStorage, store_in_worker

__all__ = [
    "PROGRESS_INTERVAL_S",
    "JobTask",
    "WorkerHooks",
    "calibrate_device",
    "run_job",
    "run_jobs",
]

PROGRESS_INTERVAL_S = 0.1
"""Iteration records and progress leave the worker in batches at most this often."""


@dataclass(frozen=True, slots=True)
class JobTask:
    """Everything a worker needs to run one job (picklable plain data).

    Attributes:
        job_id: The job.
        aqo_json: Canonical bytes of the compiled AQO.
        kind: ``"sampling"`` (run the main circuit) or ``"hybrid"`` (run the plan).
        device_id: The resolved device, e.g. ``aer`` or ``cirq:density_matrix``.
        shots: Samples per circuit execution.
        seed: The job seed; every simulator seed derives from it.
        noise_model: Noise string, or ``None`` for the device's own.
        optimization_level: Transpiler effort (0: run the gates as written).
        capture_state: Also return the final state (L2 state store).
        storage: Store the results here in the worker (set at dispatch, when the worker
            shares the engine home's filesystem); ``None``: send them back.
    """

    job_id: str
    aqo_json: bytes
    kind: str
    device_id: str
    shots: int
    seed: int
    noise_model: str | None = None
    optimization_level: int = 0
    capture_state: bool = False
    storage: ResultStorage | None = None


class WorkerHooks:
    """The runtime's hooks inside a worker: batches iteration records into progress reports.

    Records are sent to the engine at most every :data:`PROGRESS_INTERVAL_S` seconds (plus
    a final flush), as ``{"job_id", "records": [...], "progress": {...}}``.
    """

    def __init__(self, job_id: str) -> None:
        from eigen_engine.qrtx.executors.context import cancel_requested, report_progress

        self._job_id = job_id
        self._report = report_progress
        self._cancel_requested = cancel_requested
        self._pending: list[dict[str, Any]] = []
        self._last = 0.0
        self._iteration = 0
        self._best: float | None = None
        self._evaluations = 0

    def evaluation(self, record: Mapping[str, Any]) -> None:
        """Queue one evaluation record; send the queue if the interval has passed."""
        self._pending.append(dict(record))
        self._evaluations += 1
        self._iteration = int(record.get("iteration", self._iteration))
        value = record.get("best_value", record.get("value"))
        if isinstance(value, int | float):
            self._best = float(value) if self._best is None else min(self._best, float(value))
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S:
            self.flush()
            self._last = now

    def cancelled(self) -> bool:
        """Whether the engine asked this job to stop."""
        return self._cancel_requested()

    def flush(self) -> None:
        """Send the queued records now (no-op when there are none)."""
        if not self._pending:
            return
        records, self._pending = self._pending, []
        self._report(
            {
                "job_id": self._job_id,
                "records": records,
                "progress": {
                    "iteration": self._iteration,
                    "best_value": self._best,
                    "evaluations": self._evaluations,
                },
            }
        )


def run_jobs(tasks: tuple[JobTask, ...]) -> list[dict[str, Any]]:
    """Run several jobs one after another in this worker; return one outcome per job."""
    return [run_job(task) for task in tasks]


def run_job(task: JobTask) -> dict[str, Any]:
    """Run one job and return its outcome dict (see the module docstring); never raises."""
    started = time.perf_counter()
    try:
        driver, device_id = resolve_target(task.device_id)
        doc = json.loads(task.aqo_json)
        # The hybrid runtime decodes its own circuits; the main one is needed only for
        # sampling and for a captured state.
        hybrid = task.kind == "hybrid"
        circuit = circuit_from_aqo(doc) if not hybrid or task.capture_state else None
        decoded = time.perf_counter()
        if circuit is None or hybrid:
            body = _run_hybrid(task, doc, driver, device_id)
        else:
            body = _run_sampling(task, doc, circuit, driver, device_id)
        executed = time.perf_counter()
        state = None
        if circuit is not None and task.capture_state:
            state = _capture_state(circuit, device_id)
    except JobCancelled:
        return {"job_id": task.job_id, "ok": False, "cancelled": True}
    except Exception as exc:  # reported as the job's error, never lost in the pool
        return {"job_id": task.job_id, "ok": False, "error": describe_error(exc)}
    outcome = {
        "job_id": task.job_id,
        "ok": True,
        **body,
        "state": state,
        "timings": {
            "decode_s": decoded - started,
            "execute_s": executed - decoded,
            "worker_total_s": time.perf_counter() - started,
        },
    }
    if task.storage is None:
        return outcome
    try:
        store_in_worker(task.storage, outcome)
    except Exception as exc:  # the job's error, like any other
        error = describe_error(exc)
        error.update(message=f"could not store the results: {error['message']}",
                     transient=False)
        return {"job_id": task.job_id, "ok": False, "error": error}
    return {"job_id": task.job_id, "ok": True, "stored": True}


def calibrate_device(device_id: str, noise_model: str | None) -> dict[str, float]:
    """Measure a device's readout and gate error in this worker (see ``calibrate_device``)."""
    driver, resolved = resolve_target(device_id)
    return dict(driver.calibrate_device(resolved, noise_model=noise_model))


def describe_error(exc: BaseException) -> dict[str, Any]:
    """Return the plain-data form of an error raised while running a job."""
    if isinstance(exc, EigenError):
        code = exc.code
        message = exc.message
    else:
        code = ErrorCode.INTERNAL
        message = f"{type(exc).__name__}: {exc}"
    return {
        "type": type(exc).__name__,
        "code": code.value,
        "message": message,
        "transient": isinstance(exc, TransientDriverError),
    }


def _run_sampling(
    task: JobTask, doc: Mapping[str, Any], circuit: Circuit, driver: QDriver, device_id: str
) -> dict[str, Any]:
    from eigen_engine.runtime.hybrid import static_outputs

    outputs = static_outputs(doc)  # (checked before the simulation, so a bad one costs none)
    result = driver.execute_circuit(
        device_id,
        circuit,
        task.shots,
        {
            "seed": task.seed,
            "noise_model": task.noise_model,
            "optimization_level": task.optimization_level,
        },
    )
    metadata = {**result.metadata, "device_id": result.device_id, "seed": result.seed,
                "shots": result.shots}
    return {"counts": dict(result.counts), "outputs": outputs, "metadata": metadata}


def _run_hybrid(
    task: JobTask, doc: Mapping[str, Any], driver: QDriver, device_id: str
) -> dict[str, Any]:
    from eigen_engine.runtime.hybrid import RunSettings, run_plan

    hooks = WorkerHooks(task.job_id)
    settings = RunSettings(
        device_id=device_id,
        shots=task.shots,
        seed=task.seed,
        noise_model=task.noise_model,
        optimization_level=task.optimization_level,
    )
    try:
        outcome = run_plan(doc, driver, settings, hooks)
    finally:
        hooks.flush()  # the partial history of a cancelled or failed run reaches QFS too
    metadata = {**outcome.metadata, "device_id": device_id, "seed": task.seed,
                "shots": task.shots}
    return {"counts": outcome.counts, "outputs": outcome.outputs, "metadata": metadata}


def _capture_state(circuit: Circuit, device_id: str) -> dict[str, Any]:
    """The noise-free final state of the main circuit at its default parameter values.

    A state-vector device gives the statevector, a density-matrix device the density
    matrix (final measurements removed). Returned as ``.npy`` bytes.
    """
    import numpy as np
    from qiskit import qasm3
    from qiskit.quantum_info import DensityMatrix, Statevector

    from eigen_engine.ir.qasm import qasm_identifier, to_qasm3

    bare = circuit.without_final_measurements()
    qc = qasm3.loads(to_qasm3(bare))
    by_name = {p.name: p for p in qc.parameters}
    missing = [n for n in bare.parameters if n not in bare.defaults]
    if missing:
        raise EigenError(
            f"capture_state needs a value for every circuit parameter; {', '.join(missing)} "
            "have no default (give them one with Param(name, default))"
        )
    qc = qc.assign_parameters(
        {by_name[qasm_identifier(n)]: float(bare.defaults[n]) for n in bare.parameters}
    )
    density = device_id.endswith("density_matrix")
    data = DensityMatrix(qc).data if density else Statevector(qc).data
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(data), allow_pickle=False)
    return {"kind": "density_matrix" if density else "statevector", "npy": buffer.getvalue()}
