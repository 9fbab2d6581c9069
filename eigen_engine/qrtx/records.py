"""The job record: what the index stores about one job, and job ids."""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from eigen_engine.errors import ErrorCode, ErrorDetail, InvalidArgument
from eigen_engine.qrtx.states import TERMINAL, JobState

__all__ = [
    "JOB_ID_PATTERN",
    "JobRecord",
    "Progress",
    "new_job_id",
    "validate_job_id",
]

JOB_ID_PATTERN = re.compile(r"j-[0-9a-f]{12}")
"""A job id: ``j-`` and 12 lowercase hex digits (48 random bits). Nothing else is accepted,
so an id is always safe as a path segment and in a URL."""


def new_job_id() -> str:
    """Return a fresh random job id such as ``j-3f2a9c01b7de``."""
    return "j-" + os.urandom(6).hex()


def validate_job_id(value: object, *, field_name: str = "job_id") -> str:
    """Return ``value`` if it is a well-formed job id.

    Args:
        value: The candidate, typically from a URL, a CLI argument or a JobSpec.
        field_name: Named in the error detail.

    Raises:
        InvalidArgument: ``value`` is not ``j-`` followed by 12 lowercase hex digits (this also
            refuses anything that could escape a directory: ``..``, ``/``, NUL, ...).
    """
    if isinstance(value, str) and JOB_ID_PATTERN.fullmatch(value):
        return value
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    message = f"{shown} is not a job id; job ids look like j-0123456789ab"
    raise InvalidArgument(message, details=[ErrorDetail(field=field_name, message=message)])


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a running (hybrid) job has got.

    Attributes:
        iteration: Optimizer iterations completed.
        best_value: Best objective value seen so far, or ``None`` before the first one.
        evaluations: Objective evaluations (circuit executions) done.
    """

    iteration: int = 0
    best_value: float | None = None
    evaluations: int = 0

    def __post_init__(self) -> None:
        if self.iteration < 0 or self.evaluations < 0:
            raise ValueError(f"progress counters must be >= 0, got {self!r}")
        if self.best_value is not None and not math.isfinite(self.best_value):
            raise ValueError(f"best_value must be finite, got {self.best_value!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{"iteration", "best_value", "evaluations"}``."""
        return {
            "iteration": self.iteration,
            "best_value": self.best_value,
            "evaluations": self.evaluations,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Progress:
        """Build a ``Progress`` from its JSON form; missing keys take their defaults."""
        best = data.get("best_value")
        return cls(
            iteration=int(data.get("iteration", 0)),
            best_value=None if best is None else float(best),
            evaluations=int(data.get("evaluations", 0)),
        )


@dataclass(frozen=True, slots=True)
class JobRecord:
    """Everything the index knows about one job (the REST ``Job`` payload is ``to_dict()``).

    Attributes:
        id: The job id (see :func:`validate_job_id`).
        name: Display name (JobSpec ``metadata.name`` or one derived from the program).
        owner: Who submitted it (Jupyter identity), ``""`` when unknown.
        state: Current state.
        priority: 0 (lowest) to 100 (highest).
        target: Resolved target name, e.g. ``aer:statevector``.
        created_at: Submission time, seconds since the epoch.
        timestamps: When the job last entered each state it has been in.
        attempt: 1-based number of the current (or last) attempt.
        max_attempts: Retry budget: attempts allowed in total.
        error_code: Why it failed or was cancelled (``None`` otherwise).
        error_message: A sentence for the user, or ``None``.
        progress: Optimizer progress of a hybrid job.
        source_sha256: sha256 of the program's source bytes.
        aqo_sha256: sha256 of the compiled AQO's canonical bytes, once compiled.
        dependencies: Ids of jobs that must be DONE before this one runs.
        shots: Resolved shot count.
        seed: Resolved simulator seed.
        timeout_s: Execution time budget in seconds (``None``: no limit).
        qubits: Qubits the compiled program uses (known after compiling).
        memory_bytes: Simulator memory the job needs (known after compiling).
    """

    id: str
    name: str
    owner: str = ""
    state: JobState = JobState.PENDING
    priority: int = 50
    target: str = "simulator"
    created_at: float = 0.0
    timestamps: Mapping[JobState, float] = field(default_factory=dict)
    attempt: int = 1
    max_attempts: int = 3
    error_code: ErrorCode | None = None
    error_message: str | None = None
    progress: Progress = field(default_factory=Progress)
    source_sha256: str | None = None
    aqo_sha256: str | None = None
    dependencies: tuple[str, ...] = ()
    shots: int | None = None
    seed: int | None = None
    timeout_s: float | None = None
    qubits: int | None = None
    memory_bytes: int | None = None

    def __post_init__(self) -> None:
        validate_job_id(self.id, field_name="id")
        if not isinstance(self.state, JobState):
            raise TypeError(f"state must be a JobState, got {self.state!r}")
        if isinstance(self.priority, bool) or not 0 <= self.priority <= 100:
            raise ValueError(f"priority must be an integer from 0 to 100, got {self.priority!r}")
        if self.attempt < 1 or self.max_attempts < 1:
            raise ValueError(
                f"attempt and max_attempts must be >= 1, got {self.attempt}, {self.max_attempts}"
            )
        for dep in self.dependencies:
            validate_job_id(dep, field_name="dependencies")
        for name in ("shots", "qubits", "memory_bytes"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        # A private, ordered copy: the caller's dict cannot change a frozen record.
        stamps = {JobState(k): float(v) for k, v in self.timestamps.items()}
        object.__setattr__(self, "timestamps", {s: stamps[s] for s in JobState if s in stamps})
        object.__setattr__(self, "dependencies", tuple(self.dependencies))

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished (DONE, ERROR or CANCELLED)."""
        return self.state in TERMINAL

    @property
    def finished_at(self) -> float | None:
        """When the job entered its terminal state, or ``None`` while it is not finished."""
        return self.timestamps.get(self.state) if self.is_terminal else None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-safe form (the REST ``Job`` payload); keys are the field names."""
        return {
            "id": self.id,
            "name": self.name,
            "owner": self.owner,
            "state": self.state.value,
            "priority": self.priority,
            "target": self.target,
            "created_at": self.created_at,
            "timestamps": {s.value: t for s, t in self.timestamps.items()},
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "error_code": None if self.error_code is None else self.error_code.value,
            "error_message": self.error_message,
            "progress": self.progress.to_dict(),
            "source_sha256": self.source_sha256,
            "aqo_sha256": self.aqo_sha256,
            "dependencies": list(self.dependencies),
            "shots": self.shots,
            "seed": self.seed,
            "timeout_s": self.timeout_s,
            "qubits": self.qubits,
            "memory_bytes": self.memory_bytes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobRecord:
        """Build a record from :meth:`to_dict` output.

        Unknown keys are ignored, so a client can read payloads from a newer server.

        Raises:
            ValueError: a value is out of range or a state / error code is unknown.
            InvalidArgument: the id or a dependency is not a job id.
        """
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "state" in kwargs:
            kwargs["state"] = JobState(kwargs["state"])
        if kwargs.get("error_code") is not None:
            kwargs["error_code"] = ErrorCode(kwargs["error_code"])
        if "timestamps" in kwargs:
            kwargs["timestamps"] = {JobState(k): float(v) for k, v in kwargs["timestamps"].items()}
        if "progress" in kwargs:
            kwargs["progress"] = Progress.from_dict(kwargs["progress"])
        if "dependencies" in kwargs:
            kwargs["dependencies"] = tuple(kwargs["dependencies"])
        return cls(**kwargs)

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> JobRecord:
        """Build a record from a ``jobs`` table row, whose ``timestamps``, ``progress`` and
        ``dependencies`` columns hold JSON text. Extra columns are ignored."""
        data = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row has no __iter__ of keys
        for column in ("timestamps", "progress", "dependencies"):
            if isinstance(data.get(column), str):
                data[column] = json.loads(data[column])
        return cls.from_dict(data)

    def row_values(self) -> dict[str, Any]:
        """Return the record as ``jobs`` table column values (JSON text for the nested ones)."""
        values = self.to_dict()
        for column in ("timestamps", "progress", "dependencies"):
            values[column] = json.dumps(values[column], separators=(",", ":"))
        return values
