"""The JSON error envelope of the REST API, decoded back into ``EigenError`` classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from eigen_engine import errors
from eigen_engine.compiler.diagnostics import Diagnostic, Severity
from eigen_engine.errors import (
    CompileError,
    EigenError,
    ErrorCode,
    ErrorDetail,
    JobError,
    ServerUnavailable,
)

__all__ = ["error_from_envelope"]

_ERROR_CLASSES: Final[Mapping[str, type[EigenError]]] = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, EigenError)
}
_CLASS_BY_CODE: Final[Mapping[str, str]] = {
    "INVALID_ARGUMENT": "InvalidArgument",
    "NOT_FOUND": "NotFound",
    "FAILED_PRECONDITION": "FailedPrecondition",
    "RESOURCE_EXHAUSTED": "ResourceExhausted",
    "UNIMPLEMENTED": "Unimplemented",
    "CANCELLED": "JobCancelled",
    "DEADLINE_EXCEEDED": "JobTimeout",
    "UNAVAILABLE": "ServerUnavailable",
}


def error_from_envelope(envelope: Mapping[str, Any], status: int) -> EigenError:
    """Rebuild the ``EigenError`` a server reported in its JSON error envelope.

    The envelope's ``type`` names the class; without one the code picks a class. A
    ``CompileError`` gets its diagnostics back, a ``JobError`` its job id and code.
    """
    body = envelope.get("error")
    if not isinstance(body, Mapping):
        return ServerUnavailable(f"the server answered HTTP {status} without an error envelope")
    code = str(body.get("code") or "INTERNAL")
    message = str(body.get("message") or f"HTTP {status}")
    details = [_detail(d) for d in body.get("details") or () if isinstance(d, Mapping)]
    if code in ("PERMISSION_DENIED", "UNAUTHENTICATED"):
        return ServerUnavailable(
            f"the Eigen server refused the request (HTTP {status}: {message}); pass the "
            "server's token (EIGEN_SERVER_TOKEN, or ?token= in the URL)"
        )
    name = str(body.get("type") or _CLASS_BY_CODE.get(code, "EigenError"))
    cls = _ERROR_CLASSES.get(name, EigenError)
    error_code = ErrorCode(code) if code in ErrorCode.__members__ else ErrorCode.INTERNAL
    exc: EigenError
    if issubclass(cls, CompileError):
        diagnostics = [d for d in map(_diagnostic, body.get("diagnostics") or ()) if d]
        exc = cls(message, diagnostics)
        if details:  # the server's, e.g. with the field path of a request in a batch
            exc.details = tuple(details)
    elif issubclass(cls, JobError):
        exc = cls(message, job_id=str(body.get("job_id") or ""), code=error_code,
                  details=details)
    else:
        exc = cls(message, details=details)
    exc.code = error_code
    return exc


def _detail(data: Mapping[str, Any]) -> ErrorDetail:
    return ErrorDetail(field=str(data.get("field", "")), message=str(data.get("message", "")),
                       line=data.get("line"), col=data.get("col"), code=data.get("code"))


def _diagnostic(data: Any) -> Diagnostic | None:
    if not isinstance(data, Mapping):
        return None
    try:
        return Diagnostic(
            code=str(data["code"]),
            message=str(data.get("message", "")),
            line=int(data.get("line") or 0),
            col=int(data.get("col") or 0),
            end_line=data.get("end_line"),
            end_col=data.get("end_col"),
            hint=data.get("hint"),
            severity=Severity(data.get("severity", "error")),
        )
    except (KeyError, ValueError, TypeError):  # a code this client does not know yet
        return None
