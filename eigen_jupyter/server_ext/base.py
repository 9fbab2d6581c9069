"""The base REST handler: the one place an error becomes an HTTP status and a JSON envelope."""

from __future__ import annotations

import functools
import getpass
import json
import re
from collections.abc import Mapping
from http.client import responses
from typing import TYPE_CHECKING, Any, Final

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from eigen_engine import errors
from eigen_engine.errors import EigenError, ErrorCode
from eigen_jupyter.server_ext.payloads import ErrorBody, ErrorEnvelope, parse_json_body

if TYPE_CHECKING:
    from eigen_engine.engine import Engine
    from eigen_jupyter.app import EigenApp

__all__ = [
    "AUTH_RESOURCE",
    "EigenHandler",
    "UnknownEndpointHandler",
    "error_envelope",
    "http_status",
    "to_json",
]

AUTH_RESOURCE: Final = "eigen"
"""The authorizer resource of every Eigen endpoint (GET = read, POST/DELETE = write,
WebSocket = execute)."""

_STATUS_BY_CODE: Final[Mapping[ErrorCode, int]] = {
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FAILED_PRECONDITION: 409,
    ErrorCode.RESOURCE_EXHAUSTED: 429,
    ErrorCode.CANCELLED: 409,
    ErrorCode.UNIMPLEMENTED: 501,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.DEADLINE_EXCEEDED: 504,
}

# Errors that did not come from the engine (auth, XSRF, routing) keep tornado's status;
# their envelope code is the canonical name for that status.
_CODE_BY_STATUS: Final[Mapping[int, str]] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "FAILED_PRECONDITION",
    413: "RESOURCE_EXHAUSTED",
    429: "RESOURCE_EXHAUSTED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

_EIGEN_ERROR_TYPES: Final = frozenset(errors.__all__) - {"ErrorCode", "ErrorDetail"}


def http_status(exc: EigenError) -> int:
    """The HTTP status for an engine error.

    A bad request (including a program over a compiler limit) is 400; asking for the results
    of a job that ended in ERROR or CANCELLED is 409 (a state conflict, not a server fault);
    everything else follows its error code.
    """
    if isinstance(exc, errors.InvalidArgument):
        return 400
    if isinstance(exc, errors.JobError):
        return 409
    return _STATUS_BY_CODE.get(exc.code, 500)


def error_envelope(exc: BaseException | None, status: int) -> tuple[int, ErrorEnvelope]:
    """Render any exception as ``(status, {"error": {"code", "message", "details", ...}})``.

    ``EigenError``s carry their own code, details, class name (``type``, so a client can raise
    the same class) and, for compile errors, the full diagnostics. ``HTTPError``s from the
    auth and routing layers keep their status. Anything else is a 500 whose message does not
    leak internals (the traceback is in the server log).
    """
    if isinstance(exc, EigenError):
        body: ErrorBody = {
            "code": exc.code.value,
            "message": exc.message,
            "details": [d.to_dict() for d in exc.details],
        }
        name = type(exc).__name__
        if name in _EIGEN_ERROR_TYPES:
            body["type"] = name
        if isinstance(exc, errors.JobError) and exc.job_id:
            body["job_id"] = exc.job_id
        if isinstance(exc, errors.CompileError):
            body["diagnostics"] = [d.to_dict() for d in exc.diagnostics]
        return http_status(exc), {"error": body}
    if isinstance(exc, web.HTTPError):
        message = exc.log_message or responses.get(exc.status_code, "error")
        if exc.args[2:]:
            message = message % exc.args[2:]
        status = exc.status_code
    else:
        message = (
            "internal error in the Eigen server extension; the server log has the details"
            if exc is not None else responses.get(status, "error")
        )
    code = _CODE_BY_STATUS.get(status, "INTERNAL")
    return status, {"error": {"code": code, "message": message, "details": []}}


def to_json(payload: Mapping[str, Any]) -> str:
    """Serialize a response payload (numpy scalars and arrays become plain JSON)."""
    return json.dumps(payload, default=_plain, allow_nan=False)


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ANONYMOUS_ID = re.compile(r"[0-9a-f]{32}")


@functools.cache
def _server_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "jupyter"


class EigenHandler(APIHandler):
    """Base of every Eigen REST handler.

    Subclasses stay thin: parse the request with :mod:`payloads`, call the engine through
    :meth:`call` (never on the event loop), and :meth:`reply`. Errors are raised, not written:
    :meth:`write_error` renders all of them.
    """

    auth_resource = AUTH_RESOURCE

    @property
    def _track_activity(self) -> bool:  # type: ignore[override]
        # Polling reads (the side panel, long-polling clients) are not user activity:
        # otherwise JupyterHub's idle culler would never stop this server.
        return self.request.method not in ("GET", "HEAD")

    @property
    def eigen(self) -> EigenApp:
        """The extension app that owns the engine."""
        app: EigenApp = self.settings["eigen"]
        return app

    async def engine(self) -> Engine:
        """The engine (created on first use, off the event loop)."""
        return await self.eigen.get_engine()

    async def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking engine call in the extension's thread pool."""
        return await self.eigen.run_blocking(fn, *args, **kwargs)

    @property
    def owner(self) -> str:
        """The Jupyter identity of the requester (recorded as a job's owner).

        A request carrying only the server's shared token gets a fresh random "Anonymous"
        user from jupyter_server each time; the token belongs to the person running this
        single-user server, so such jobs are recorded as that person's (the OS user).
        """
        user = self.current_user
        username = str(getattr(user, "username", "") or "")
        name = str(getattr(user, "name", "") or "")
        if _ANONYMOUS_ID.fullmatch(username) and name.startswith("Anonymous "):
            return _server_user()
        return username or name

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object (``InvalidArgument`` with field ``body`` if not)."""
        return parse_json_body(self.request.body)

    def query(self, name: str) -> str | None:
        """One query argument, or ``None`` when it is absent."""
        value: str | None = self.get_query_argument(name, None)
        return value

    def reply(self, payload: Mapping[str, Any], status: int = 200) -> None:
        """Finish with a JSON payload."""
        self.set_status(status)
        self.finish(to_json(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Render every error as the JSON envelope (the only error renderer)."""
        exc_info = kwargs.get("exc_info")
        exc = exc_info[1] if exc_info else None
        status, envelope = error_envelope(exc, status_code)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(envelope))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Log expected engine errors as one line; anything else with its traceback."""
        if isinstance(value, EigenError):
            self.log.info("eigen: %s %s -> %s: %s", self.request.method, self.request.path,
                          value.code.value, value.message)
            return
        super().log_exception(typ, value, tb)


class UnknownEndpointHandler(EigenHandler):
    """Any other path below the API prefix: a NOT_FOUND envelope (after auth), not HTML."""

    @web.authenticated
    @authorized
    def get(self, path: str) -> None:
        """Refuse with NOT_FOUND."""
        raise _unknown(self.request.method, path)

    @web.authenticated
    @authorized
    def post(self, path: str) -> None:
        """Refuse with NOT_FOUND."""
        raise _unknown(self.request.method, path)

    @web.authenticated
    @authorized
    def delete(self, path: str) -> None:
        """Refuse with NOT_FOUND."""
        raise _unknown(self.request.method, path)


def _unknown(method: str | None, path: str) -> EigenError:
    return errors.NotFound(
        f"{method} {path!r} is not an Eigen API endpoint; see GET version and the API table "
        "in eigen_jupyter.server_ext"
    )
