"""Turning a submission (source and/or JobSpec, plus flags) into a checked, compiled job.

:func:`prepare` does every check a submission needs — JobSpec, options, compile, target,
memory, dependencies — *before* anything is written, so a bad submission leaves nothing in
QFS. The engine then persists the :class:`Prepared` job in one go.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eigen_engine.compiler.program import CompiledProgram
from eigen_engine.drivers.devices import format_bytes
from eigen_engine.drivers.noise import parse_noise
from eigen_engine.drivers.registry import resolve_target
from eigen_engine.errors import (
    DeviceNotFound,
    ErrorDetail,
    FailedPrecondition,
    InvalidArgument,
    JobNotFound,
    ResourceExhausted,
)
from eigen_engine.jobspec import (
    DEFAULTS,
    JobOptions,
    JobSpec,
    ResolvedOptions,
    load_jobspec,
    merge_options,
)
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qfs.ledger import ResourceLedger
from eigen_engine.qrtx.records import JobRecord, new_job_id, validate_job_id
from eigen_engine.qrtx.states import JobState
from eigen_engine.runtime.task import JobTask

__all__ = [
    "BATCH_MAX_QUBITS",
    "CAPTURE_STATE_KEY",
    "Compiler",
    "Prepared",
    "Submission",
    "is_batchable",
    "prepare",
    "stored_task",
]

CAPTURE_STATE_KEY = "capture_state"
"""``spec.metadata`` key of the stored job.yaml that asks for the final state (L2 store)."""

BATCH_MAX_QUBITS = 12
"""Sampling jobs up to this width may share a worker task with other small jobs."""

Compiler = Callable[..., CompiledProgram]
"""``compile(source, *, seed, inputs, entrypoint, filename) -> CompiledProgram`` (cached)."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What a caller asked for: a program and/or a JobSpec, and flags above them.

    Attributes:
        source: Program text (overrides the JobSpec's program when both are given).
        spec: A validated JobSpec, or the path of a ``job.yaml``.
        flags: Options from the caller (highest precedence).
        name: Display name (default: the JobSpec's, else the entrypoint's).
        entrypoint: The ``@hybrid_program`` function to run, if the program has several.
        dependencies: Jobs that must be DONE first (added to the JobSpec's).
        timeout_s: Execution time budget (overrides ``runtime.timeout``).
        max_attempts: Retry budget (overrides ``runtime.retry.max_attempts``).
        owner: Who submits it.
        capture_state: Save the final state in the L2 state store.
    """

    source: str | None = None
    spec: JobSpec | str | os.PathLike[str] | None = None
    flags: JobOptions = field(default_factory=JobOptions)
    name: str | None = None
    entrypoint: str | None = None
    dependencies: Sequence[str] = ()
    timeout_s: float | None = None
    max_attempts: int | None = None
    owner: str = ""
    capture_state: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked, compiled job, ready to be written.

    Attributes:
        record: Its index record, PENDING.
        spec: The JobSpec it runs (with its program source).
        resolved: The options after precedence.
        compiled: The compiled program.
        task: What a worker runs.
        batchable: Whether it may share a worker task.
        input_yaml: The job file as submitted, when there was one.
        compile_s: Seconds the compiler took (0 when cached).
    """

    record: JobRecord
    spec: JobSpec
    resolved: ResolvedOptions
    compiled: CompiledProgram
    task: JobTask
    batchable: bool
    input_yaml: bytes | None
    compile_s: float


def prepare(
    submission: Submission,
    *,
    compile_program: Compiler,
    index: JobIndex,
    ledger: ResourceLedger,
    default_target: str | None = None,
    job_id: str | None = None,
) -> Prepared:
    """Check and compile a submission; write nothing.

    Raises:
        InvalidArgument: neither a program nor a JobSpec, or a bad option.
        JobSpecError: the JobSpec file is invalid.
        CompileError: the program does not compile (every diagnostic attached).
        DeviceNotFound: the target names no device.
        ResourceExhausted: the job needs more memory than the machine can give.
        JobNotFound: a dependency does not exist.
        FailedPrecondition: a dependency already failed or was cancelled.
    """
    spec, input_yaml = _load_spec(submission.spec)
    source = submission.source if submission.source is not None else (spec and spec.source)
    if not source:
        raise InvalidArgument(
            "nothing to run: give the program source (or a program file) or a job.yaml",
            details=[ErrorDetail(field="source", message="missing program")],
        )
    flags = submission.flags
    entrypoint = submission.entrypoint or (spec.entrypoint if spec else None)
    seed = flags.seed if flags.seed is not None else (spec.seed if spec else None)
    inputs = {**(spec.inputs if spec else {}), **flags.inputs}
    started = time.perf_counter()
    compiled = compile_program(
        source, seed=seed, inputs=inputs, entrypoint=entrypoint,
        filename=spec.program_path or "program.eigen.py" if spec else "<cell>",
    )
    compile_s = time.perf_counter() - started
    resolved = merge_options(spec, flags, dict(compiled.defaults))
    if resolved.origins["target"] == "default" and default_target:
        resolved = _with(resolved, target=default_target, origin="engine")
    if resolved.seed is None or resolved.seed != compiled.seed:
        resolved = _with(resolved, seed=compiled.seed, origin=resolved.origins["seed"])
    try:
        driver, device_id = resolve_target(resolved.target)
        parse_noise(resolved.noise_model)
    except (DeviceNotFound, InvalidArgument) as exc:
        option = "target" if isinstance(exc, DeviceNotFound) else "noise_model"
        field_path = _field(resolved.origins.get(option, "flags"), option)
        raise type(exc)(
            exc.message, details=[ErrorDetail(field=field_path, message=exc.message)]
        ) from None
    qubits = compiled.num_qubits
    memory = driver.estimate_memory(device_id, qubits)
    if not ledger.fits_ever(memory, qubits):
        raise ResourceExhausted(
            f"the program uses {qubits} qubits, which on {device_id} needs "
            f"{format_bytes(memory)} of simulator memory, but this engine may use at most "
            f"{format_bytes(ledger.capacity_bytes)}; use fewer qubits or a device that needs "
            "less memory (e.g. target aer:mps)",
            details=[ErrorDetail(field="qubits", message=f"{qubits} qubits need "
                                                          f"{format_bytes(memory)}")],
        )
    dependencies = tuple(dict.fromkeys([*(spec.dependencies if spec else ()),
                                        *submission.dependencies]))
    _check_dependencies(index, dependencies)
    name = submission.name or (spec.name if spec else None) or compiled.entrypoint
    if spec is None:
        spec = JobSpec(name=name, target=resolved.target, source=source, entrypoint=entrypoint)
    # Kept in the stored job.yaml (spec.metadata) so an engine that runs the job after a
    # restart, or another process's engine, still captures the state.
    capture_state = submission.capture_state or bool(spec.metadata.get(CAPTURE_STATE_KEY))
    if capture_state and not spec.metadata.get(CAPTURE_STATE_KEY):
        spec = replace(spec, metadata={**spec.metadata, CAPTURE_STATE_KEY: True})
    record = JobRecord(
        id=job_id or new_job_id(),
        name=name,
        owner=submission.owner,
        state=JobState.PENDING,
        priority=resolved.priority,
        target=device_id,
        created_at=time.time(),
        max_attempts=submission.max_attempts or spec.max_attempts or 3,
        source_sha256=compiled.source_sha256,
        aqo_sha256=compiled.sha256,
        dependencies=dependencies,
        shots=resolved.shots,
        seed=resolved.seed,
        timeout_s=submission.timeout_s if submission.timeout_s is not None else spec.timeout_s,
        qubits=qubits,
        memory_bytes=memory,
    )
    task = JobTask(
        job_id=record.id,
        aqo_json=compiled.aqo_json,
        kind=compiled.kind,
        device_id=device_id,
        shots=resolved.shots,
        seed=compiled.seed,
        noise_model=resolved.noise_model,
        optimization_level=resolved.optimization_level,
        capture_state=capture_state,
    )
    return Prepared(record, spec, resolved, compiled, task, is_batchable(task, qubits),
                    input_yaml, compile_s)


def is_batchable(task: JobTask, qubits: int) -> bool:
    """Whether a job may share a worker task with other small jobs."""
    return task.kind == "sampling" and qubits <= BATCH_MAX_QUBITS


def stored_task(record: JobRecord, spec: JobSpec, aqo_json: bytes) -> JobTask:
    """Rebuild the worker task of a job already compiled and stored (queued by another
    process, or before a restart) from its record, resolved job.yaml and stored AQO."""
    hybrid = bool(json.loads(aqo_json).get("annotations", {}).get("hybrid"))
    return JobTask(
        job_id=record.id,
        aqo_json=aqo_json,
        kind="hybrid" if hybrid else "sampling",
        device_id=record.target,
        shots=record.shots if record.shots is not None else int(DEFAULTS["shots"]),
        seed=record.seed or 0,
        noise_model=spec.noise_model,
        optimization_level=spec.optimization_level or 0,
        capture_state=bool(spec.metadata.get(CAPTURE_STATE_KEY)),
    )


def _load_spec(
    spec: JobSpec | str | os.PathLike[str] | None,
) -> tuple[JobSpec | None, bytes | None]:
    if spec is None or isinstance(spec, JobSpec):
        return spec, None
    path = Path(spec)
    loaded = load_jobspec(path)
    return loaded, path.read_bytes()


def _check_dependencies(index: JobIndex, dependencies: Sequence[str]) -> None:
    for dep in dependencies:
        validate_job_id(dep, field_name="dependencies")
        try:
            state = index.get(dep).state
        except JobNotFound:
            raise JobNotFound(
                f"dependency {dep} does not exist in this engine's store; submit it first "
                "or remove it from spec.dependencies",
                details=[ErrorDetail(field="spec.dependencies", message=f"no job {dep}")],
            ) from None
        if state in (JobState.ERROR, JobState.CANCELLED):
            raise FailedPrecondition(
                f"dependency {dep} already ended {state}, so this job could never run; "
                "resubmit the dependency or drop it",
                details=[ErrorDetail(field="spec.dependencies", message=f"{dep} is {state}")],
            )


def _with(resolved: ResolvedOptions, *, origin: str, **changes: Any) -> ResolvedOptions:
    values: dict[str, Any] = {
        "target": resolved.target,
        "shots": resolved.shots,
        "seed": resolved.seed,
        "priority": resolved.priority,
        "noise_model": resolved.noise_model,
        "optimization_level": resolved.optimization_level,
        "inputs": resolved.inputs,
    }
    values.update(changes)
    origins: Mapping[str, str] = {**resolved.origins, **dict.fromkeys(changes, origin)}
    return ResolvedOptions(origins=origins, **values)


def _field(origin: str, option: str) -> str:
    """The field path of an option for error details: ``spec.target``, ``target``, ..."""
    return {"jobspec": f"spec.{option}", "source": f"@hybrid_program({option}=...)"}.get(
        origin, option
    )
