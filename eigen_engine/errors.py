"""The whole EigenError tree: every error the engine raises on purpose.

::

    EigenError                         code            exit
    ├── CompileError                   INVALID_ARGUMENT / RESOURCE_EXHAUSTED   2
    ├── JobSpecError                   INVALID_ARGUMENT                        2
    ├── InvalidArgument                INVALID_ARGUMENT                        2
    ├── NotFound                       NOT_FOUND                               2
    │   ├── JobNotFound
    │   └── DeviceNotFound
    ├── FailedPrecondition             FAILED_PRECONDITION                     2
    ├── ResourceExhausted              RESOURCE_EXHAUSTED                      2
    ├── Unimplemented                  UNIMPLEMENTED                           2
    ├── JobError                       (the job's own error code)              4
    │   ├── JobFailed
    │   ├── JobCancelled               CANCELLED
    │   └── JobTimeout                 DEADLINE_EXCEEDED
    ├── DriverError                    UNAVAILABLE / INTERNAL                  4
    │   └── TransientDriverError       UNAVAILABLE  (retried by the scheduler)
    ├── StorageError                   INTERNAL                                4
    └── ServerUnavailable              UNAVAILABLE                             3

Plain misuse of the Python API (wrong types) raises built-in ``TypeError`` / ``ValueError``.
Each surface maps these exactly once: the REST base handler to HTTP status + JSON envelope,
the CLI to exit codes, the magics to ``UsageError`` or rendered diagnostics.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "CompileError",
    "DeviceNotFound",
    "DriverError",
    "EigenError",
    "ErrorCode",
    "ErrorDetail",
    "FailedPrecondition",
    "InvalidArgument",
    "JobCancelled",
    "JobError",
    "JobFailed",
    "JobNotFound",
    "JobSpecError",
    "JobTimeout",
    "NotFound",
    "ResourceExhausted",
    "ServerUnavailable",
    "StorageError",
    "TransientDriverError",
    "Unimplemented",
]


class ErrorCode(enum.StrEnum):
    """Upstream error codes (gRPC canonical names), used on every surface."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    UNIMPLEMENTED = "UNIMPLEMENTED"
    CANCELLED = "CANCELLED"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of the error envelope's ``details`` list.

    Attributes:
        field: What the detail is about: a JobSpec field path, ``source``, a parameter name.
        message: A sentence naming the problem and, where one exists, the fix.
        line: 1-based source line, when the detail points into a program.
        col: 1-based source column.
        code: A diagnostic code such as ``E201``, when the detail is a compiler diagnostic.
    """

    field: str
    message: str
    line: int | None = None
    col: int | None = None
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used in the error envelope (``None`` fields omitted)."""
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.col is not None:
            out["col"] = self.col
        if self.code is not None:
            out["code"] = self.code
        return out


class EigenError(Exception):
    """Base of every error the engine raises on purpose.

    Attributes:
        code: The upstream error code.
        exit_code: What the ``eigen`` CLI exits with when this error ends a command.
        details: Structured details for the JSON error envelope.
    """

    code: ErrorCode = ErrorCode.INTERNAL
    exit_code: ClassVar[int] = 4

    def __init__(self, message: str, *, details: Sequence[ErrorDetail] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details: tuple[ErrorDetail, ...] = tuple(details)

    def to_envelope(self) -> dict[str, Any]:
        """Return ``{"error": {"code", "message", "details"}}``, the upstream envelope."""
        return {
            "error": {
                "code": self.code.value,
                "message": self.message,
                "details": [d.to_dict() for d in self.details],
            }
        }


class InvalidArgument(EigenError):
    """A request or option has a bad value."""

    code = ErrorCode.INVALID_ARGUMENT
    exit_code = 2


class CompileError(InvalidArgument):
    """A program did not compile; ``diagnostics`` holds every problem the compiler found.

    The code is ``RESOURCE_EXHAUSTED`` when a limit (E5xx) was hit, ``INVALID_ARGUMENT``
    otherwise.
    """

    def __init__(self, message: str, diagnostics: Sequence[Any], *, filename: str = "") -> None:
        self.diagnostics = tuple(diagnostics)
        self.filename = filename
        details = [
            ErrorDetail(
                field="source",
                message=f"{d.message}; {d.hint}" if d.hint else d.message,
                line=d.line,
                col=d.col,
                code=d.code,
            )
            for d in self.diagnostics
            if d.is_error
        ]
        super().__init__(message, details=details)
        if any(d.code.startswith("E5") for d in self.diagnostics if d.is_error):
            self.code = ErrorCode.RESOURCE_EXHAUSTED


class JobSpecError(InvalidArgument):
    """A JobSpec is malformed; ``details`` names every bad field path."""


class NotFound(EigenError):
    """Something named by the caller does not exist."""

    code = ErrorCode.NOT_FOUND
    exit_code = 2


class JobNotFound(NotFound):
    """No job with the given id exists in this engine's store."""


class DeviceNotFound(NotFound):
    """No device with the given id or target name is registered."""


class FailedPrecondition(EigenError):
    """The request is well formed but cannot be done in the current state."""

    code = ErrorCode.FAILED_PRECONDITION
    exit_code = 2


class ResourceExhausted(EigenError):
    """A limit was exceeded (memory, qubits, queue size, program size)."""

    code = ErrorCode.RESOURCE_EXHAUSTED
    exit_code = 2


class Unimplemented(EigenError):
    """A feature that is reserved for a later version."""

    code = ErrorCode.UNIMPLEMENTED
    exit_code = 2


class JobError(EigenError):
    """A job ended in ERROR or CANCELLED; raised by ``job.result()``.

    Attributes:
        job_id: The job's id.
    """

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        job_id: str = "",
        code: ErrorCode | None = None,
        details: Sequence[ErrorDetail] = (),
    ) -> None:
        super().__init__(message, details=details)
        self.job_id = job_id
        if code is not None:
            self.code = code


class JobFailed(JobError):
    """The job ended in ERROR."""


class JobCancelled(JobError):
    """The job was cancelled."""

    code = ErrorCode.CANCELLED


class JobTimeout(JobError):
    """The job, or a wait on it, ran out of time."""

    code = ErrorCode.DEADLINE_EXCEEDED


class DriverError(EigenError):
    """A driver could not run a circuit."""

    code = ErrorCode.INTERNAL


class TransientDriverError(DriverError):
    """A driver failure worth retrying (device busy, connection dropped)."""

    code = ErrorCode.UNAVAILABLE


class StorageError(EigenError):
    """QFS or the SQLite index could not be read or written."""

    code = ErrorCode.INTERNAL


class ServerUnavailable(EigenError):
    """The Jupyter server with the Eigen extension cannot be reached."""

    code = ErrorCode.UNAVAILABLE
    exit_code = 3

