"""The REST wire format, version 1: request parsers and response shapes.

Every response body is a JSON object with ``schema_version`` at the top level; requests may
carry it too (only ``1`` is accepted). Requests are coerced here, once, into frozen values;
a bad body raises :class:`~eigen_engine.errors.InvalidArgument` whose ``details`` name every
bad field path (``shots``, ``inputs.theta``, ``dependencies[1]``). ``frontend/src/api.ts``
mirrors the ``TypedDict`` shapes below.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypedDict

from eigen_engine.errors import ErrorDetail, InvalidArgument
from eigen_engine.qrtx.states import JobState

__all__ = [
    "API_VERSION",
    "MAX_BATCH_REQUESTS",
    "SCHEMA_VERSION",
    "BatchJobsResponse",
    "BatchSubmitRequest",
    "CalibrateRequest",
    "CompileRequest",
    "CompileResponse",
    "DeviceJSON",
    "DeviceListResponse",
    "DeviceStatusResponse",
    "ErrorBody",
    "ErrorEnvelope",
    "EventMessage",
    "HealthResponse",
    "JobJSON",
    "JobListResponse",
    "JobResponse",
    "JobsQuery",
    "ProgressJSON",
    "ResultsResponse",
    "SubmitRequest",
    "VersionResponse",
    "parse_json_body",
]

SCHEMA_VERSION: Final = 1
"""Version of every payload shape in this module."""

API_VERSION: Final = "v1"
"""The URL version segment: ``/eigen/api/v1``."""

MAX_LIST_LIMIT: Final = 1000
MAX_WAIT_SECONDS: Final = 60.0
MAX_BATCH_REQUESTS: Final = 10_000
"""Most jobs one ``POST jobs/batch`` submits."""
_MAX_SEED = 2**63


# -- response shapes ----------------------------------------------------------------------------


class ProgressJSON(TypedDict):
    """Optimizer progress of a hybrid job."""

    iteration: int
    best_value: float | None
    evaluations: int


class JobJSON(TypedDict):
    """One job (``JobRecord.to_dict()``); items of ``GET jobs``."""

    id: str
    name: str
    owner: str
    state: str
    priority: int
    target: str
    created_at: float
    timestamps: dict[str, float]
    attempt: int
    max_attempts: int
    error_code: str | None
    error_message: str | None
    progress: ProgressJSON
    source_sha256: str | None
    aqo_sha256: str | None
    dependencies: list[str]
    shots: int | None
    seed: int | None
    timeout_s: float | None
    qubits: int | None
    memory_bytes: int | None


class JobResponse(JobJSON):
    """``POST jobs`` (201), ``GET jobs/{id}``, ``DELETE jobs/{id}``."""

    schema_version: int


class JobListResponse(TypedDict):
    """``GET jobs``: one page of jobs, newest first, and how many match in total."""

    schema_version: int
    jobs: list[JobJSON]
    total: int
    limit: int
    offset: int


class BatchJobsResponse(TypedDict):
    """``POST jobs/batch`` (201): the submitted jobs, in request order."""

    schema_version: int
    jobs: list[JobJSON]


class ResultsJSON(TypedDict):
    """The ``results`` member of :class:`ResultsResponse` (``counts`` is null when the job
    did not sample, e.g. an exact-expectation hybrid job)."""

    counts: dict[str, int] | None
    outputs: Any
    metadata: dict[str, Any]


class ResultsResponse(TypedDict):
    """``GET jobs/{id}/results``: ``results.json`` of a DONE job."""

    schema_version: int
    job_id: str
    state: str
    results: ResultsJSON


class ArtifactListResponse(TypedDict):
    """``GET jobs/{id}/artifacts``."""

    schema_version: int
    job_id: str
    artifacts: list[str]


class CompileResponse(TypedDict, total=False):
    """``POST compile``; ``aqo`` and ``qasm`` are left out in ``validate`` mode."""

    schema_version: int
    mode: str
    sha256: str
    source_sha256: str
    kind: str
    entrypoint: str
    num_qubits: int
    seed: int
    inputs: dict[str, Any]
    defaults: dict[str, Any]
    diagnostics: list[dict[str, Any]]
    aqo: dict[str, Any]
    qasm: str


class DeviceJSON(TypedDict):
    """One device (``DeviceInfo.to_dict()``)."""

    id: str
    driver: str
    num_qubits: int
    basis_gates: list[str]
    coupling_map: list[list[int]] | None
    method: str
    noise_model: str | None
    status: str
    queue_depth: int
    calibration: dict[str, float] | None
    description: str


class DeviceResponse(DeviceJSON):
    """``GET devices/{id}``."""

    schema_version: int


class DeviceListResponse(TypedDict):
    """``GET devices``."""

    schema_version: int
    devices: list[DeviceJSON]


class DeviceStatusResponse(TypedDict):
    """``GET devices/{id}/status``."""

    schema_version: int
    id: str
    status: str
    queue_depth: int


class CalibrationResponse(TypedDict):
    """``POST devices/{id}/calibrate``."""

    schema_version: int
    device_id: str
    calibration: dict[str, Any]


class VersionResponse(TypedDict):
    """``GET version``: what a client compares before talking to this server."""

    schema_version: int
    api_version: str
    eigen_version: str
    jupyter_server_version: str


class HealthResponse(TypedDict):
    """``GET health``: cheap liveness; never touches the job store."""

    schema_version: int
    status: str
    engine: str
    executor: str


class EventMessage(TypedDict):
    """One WebSocket message on ``events`` (``JobEvent.to_dict()``)."""

    schema_version: int
    type: str
    job: JobJSON
    time: float
    seq: int


class ErrorBody(TypedDict, total=False):
    """The ``error`` member of :class:`ErrorEnvelope`.

    ``code``, ``message`` and ``details`` are always present. ``type`` names the
    ``EigenError`` class so a client can raise the same one; ``diagnostics`` carries a
    compile error's full diagnostics (code, severity, span, hint); ``job_id`` names the job
    of a job error.
    """

    code: str
    message: str
    details: list[dict[str, Any]]
    type: str
    diagnostics: list[dict[str, Any]]
    job_id: str


class ErrorEnvelope(TypedDict):
    """Every error response: ``{"error": {"code", "message", "details": [...]}}``."""

    error: ErrorBody


# -- request parsing ----------------------------------------------------------------------------


class _Reader:
    """Reads typed fields out of a JSON object, collecting every problem with its path."""

    def __init__(self, body: Mapping[str, Any], known: tuple[str, ...]) -> None:
        self.body = body
        self.details: list[ErrorDetail] = []
        for key in body:
            if key not in known and key != "schema_version":
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.error(str(key), f"unknown field{hint}")
        version = body.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION or isinstance(version, bool):
            self.error("schema_version", f"must be {SCHEMA_VERSION}, got {_show(version)}")

    def error(self, path: str, message: str) -> None:
        self.details.append(ErrorDetail(field=path, message=message))

    def raise_if_bad(self, what: str) -> None:
        if self.details:
            first = self.details[0]
            more = f" (and {len(self.details) - 1} more)" if len(self.details) > 1 else ""
            raise InvalidArgument(
                f"bad {what}: {first.field}: {first.message}{more}", details=self.details
            )

    def _get(self, name: str, check: Callable[[Any], bool], expected: str) -> Any:
        value = self.body.get(name)
        if value is None:
            return None
        if not check(value):
            self.error(name, f"must be {expected}, got {_show(value)}")
            return None
        return value

    def string(self, name: str, *, max_len: int = 256, allow_empty: bool = False) -> str | None:
        value = self._get(name, lambda v: isinstance(v, str), "a string")
        if value is None:
            return None
        if not allow_empty and not value.strip():
            self.error(name, "must not be empty")
            return None
        if len(value) > max_len:
            self.error(name, f"must be at most {max_len} characters, got {len(value)}")
            return None
        return str(value)

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = self._get(name, _is_int, "an integer")
        if value is None:
            return None
        if not low <= value <= high:
            self.error(name, f"must be from {low} to {high}, got {value}")
            return None
        return int(value)

    def number(self, name: str, low: float, high: float) -> float | None:
        value = self._get(name, lambda v: _is_int(v) or isinstance(v, float), "a number")
        if value is None:
            return None
        if not (math.isfinite(value) and low <= value <= high):
            self.error(name, f"must be from {low:g} to {high:g}, got {value}")
            return None
        return float(value)

    def boolean(self, name: str) -> bool | None:
        value = self._get(name, lambda v: isinstance(v, bool), "true or false")
        return None if value is None else bool(value)

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self._get(name, lambda v: isinstance(v, Mapping), "a JSON object")
        return None if value is None else dict(value)

    def string_list(self, name: str) -> tuple[str, ...] | None:
        value = self._get(name, lambda v: isinstance(v, list), "a list of strings")
        if value is None:
            return None
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(f"{name}[{i}]", f"must be a string, got {_show(item)}")
            else:
                out.append(item)
        return tuple(out)


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be one JSON object.

    Raises:
        InvalidArgument: the body is empty, not UTF-8 JSON, or not an object (field ``body``).
    """
    if not raw.strip():
        raise _body_error("the request body is empty; send a JSON object")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _body_error(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _body_error(f"the request body must be a JSON object, got {type(doc).__name__}")
    return doc


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """``POST jobs``: a program (``source``), a job file (``jobspec``, YAML text), or both.

    With both, ``source`` is the program and the job file supplies the options. A job file
    sent over REST must carry its program inline (``spec.program.source``) unless ``source``
    is given: the server cannot read the client's files. Option fields override the job file
    (flags > job.yaml > ``@hybrid_program`` defaults).
    """

    source: str | None = None
    jobspec: str | None = None
    target: str | None = None
    shots: int | None = None
    priority: int | None = None
    seed: int | None = None
    inputs: Mapping[str, Any] | None = None
    name: str | None = None
    noise_model: str | None = None
    entrypoint: str | None = None
    dependencies: tuple[str, ...] | None = None
    timeout: float | None = None
    max_attempts: int | None = None
    capture_state: bool = False
    optimization_level: int | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> SubmitRequest:
        """Validate a decoded ``POST jobs`` body.

        Raises:
            InvalidArgument: with one detail per bad or unknown field.
        """
        r = _Reader(body, _SUBMIT_FIELDS)
        request = cls(
            source=r.string("source", max_len=1 << 20),
            jobspec=r.string("jobspec", max_len=1 << 20),
            target=r.string("target", max_len=128),
            shots=r.integer("shots", 1, 100_000_000),
            priority=r.integer("priority", 0, 100),
            seed=r.integer("seed", 0, _MAX_SEED - 1),
            inputs=r.mapping("inputs"),
            name=r.string("name", max_len=128),
            noise_model=r.string("noise_model", max_len=256),
            entrypoint=r.string("entrypoint", max_len=128),
            dependencies=r.string_list("dependencies"),
            timeout=r.number("timeout", 0.001, 7 * 24 * 3600.0),
            max_attempts=r.integer("max_attempts", 1, 100),
            capture_state=bool(r.boolean("capture_state")),
            optimization_level=r.integer("optimization_level", 0, 3),
        )
        if request.source is None and request.jobspec is None and not r.details:
            r.error("source", "give the program as `source`, or a job file as `jobspec`")
        r.raise_if_bad("job submission")
        return request

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``Engine.submit`` other than ``source`` and ``spec``."""
        out: dict[str, Any] = {
            name: getattr(self, name)
            for name in _SUBMIT_FIELDS
            if name not in ("source", "jobspec") and getattr(self, name) is not None
        }
        if out.get("dependencies") is not None:
            out["dependencies"] = list(out["dependencies"])
        return out


_SUBMIT_FIELDS: Final = (
    "source", "jobspec", "target", "shots", "priority", "seed", "inputs", "name",
    "noise_model", "entrypoint", "dependencies", "timeout", "max_attempts", "capture_state",
    "optimization_level",
)


@dataclass(frozen=True, slots=True)
class BatchSubmitRequest:
    """``POST jobs/batch``: ``{"requests": [<POST jobs body>, ...]}``, submitted all or none.

    Each request is checked like a ``POST jobs`` body; a bad field is reported under its
    position (``requests[3].shots``). At most :data:`MAX_BATCH_REQUESTS` requests.
    """

    requests: tuple[SubmitRequest, ...]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> BatchSubmitRequest:
        """Validate a decoded ``POST jobs/batch`` body.

        Raises:
            InvalidArgument: not a list of 1 to :data:`MAX_BATCH_REQUESTS` objects, or a bad
                request (one detail per bad field of every request, with its path).
        """
        r = _Reader(body, ("requests",))
        raw = body.get("requests")
        if raw is None:
            r.error("requests", "give the jobs as a list of POST jobs bodies, e.g. "
                    '{"requests": [{"source": "..."}]}')
        elif not isinstance(raw, list):
            r.error("requests", f"must be a list of JSON objects, got {_show(raw)}")
        elif not raw:
            r.error("requests", "must hold at least one request")
        elif len(raw) > MAX_BATCH_REQUESTS:
            r.error("requests", f"must hold at most {MAX_BATCH_REQUESTS} requests, got "
                    f"{len(raw)}; split them into several batches")
        r.raise_if_bad("job batch")
        assert isinstance(raw, list)
        requests: list[SubmitRequest] = []
        for i, item in enumerate(raw):
            path = f"requests[{i}]"
            if not isinstance(item, Mapping):
                r.error(path, f"must be a JSON object (a POST jobs body), got {_show(item)}")
                continue
            try:
                requests.append(SubmitRequest.from_json(item))
            except InvalidArgument as exc:
                r.details.extend(ErrorDetail(field=f"{path}.{d.field}", message=d.message)
                                 for d in exc.details)
        r.raise_if_bad("job batch")
        return cls(requests=tuple(requests))


_COMPILE_MODES: Final = ("compile", "validate", "optimize")
_COMPILE_OPTIONS: Final = ("seed", "inputs", "entrypoint", "optimization_level", "filename")


@dataclass(frozen=True, slots=True)
class CompileRequest:
    """``POST compile``: compile (AQO + QASM), validate (diagnostics only) or optimize.

    ``optimize`` compiles with ``optimization_level`` 3 unless the options set one.
    """

    source: str
    mode: str = "compile"
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> CompileRequest:
        """Validate a decoded ``POST compile`` body.

        Raises:
            InvalidArgument: with one detail per bad or unknown field.
        """
        r = _Reader(body, ("source", "mode", "options"))
        source = r.string("source", max_len=1 << 20)
        if source is None and "source" not in body:
            r.error("source", "the program text is required")
        mode = r.string("mode", max_len=16) or "compile"
        if mode not in _COMPILE_MODES:
            r.error("mode", f"must be one of {', '.join(_COMPILE_MODES)}, got {mode!r}")
        raw_options = r.mapping("options") or {}
        o = _Reader(raw_options, _COMPILE_OPTIONS)
        options: dict[str, Any] = {
            "seed": o.integer("seed", 0, _MAX_SEED - 1),
            "inputs": o.mapping("inputs"),
            "entrypoint": o.string("entrypoint", max_len=128),
            "optimization_level": o.integer("optimization_level", 0, 3),
            "filename": o.string("filename", max_len=256),
        }
        r.details.extend(
            ErrorDetail(field=f"options.{d.field}", message=d.message) for d in o.details
        )
        r.raise_if_bad("compile request")
        if mode == "optimize" and options["optimization_level"] is None:
            options["optimization_level"] = 3
        assert source is not None
        return cls(source=source, mode=mode,
                   options={k: v for k, v in options.items() if v is not None})


@dataclass(frozen=True, slots=True)
class CalibrateRequest:
    """``POST devices/{id}/calibrate``: optionally under a noise model."""

    noise_model: str | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> CalibrateRequest:
        """Validate a decoded body (an empty object is fine).

        Raises:
            InvalidArgument: a bad or unknown field.
        """
        r = _Reader(body, ("noise_model",))
        request = cls(noise_model=r.string("noise_model", max_len=256))
        r.raise_if_bad("calibration request")
        return request


@dataclass(frozen=True, slots=True)
class JobsQuery:
    """``GET jobs`` query: ``state``, ``owner``, ``search``, ``limit`` (0..1000), ``offset``."""

    state: JobState | None = None
    owner: str | None = None
    search: str | None = None
    limit: int = 100
    offset: int = 0

    @classmethod
    def from_query(cls, get: Callable[[str], str | None]) -> JobsQuery:
        """Validate query arguments (``get`` returns one argument's value or ``None``).

        Raises:
            InvalidArgument: a bad value; the detail names the query argument.
        """
        details: list[ErrorDetail] = []
        state = None
        raw_state = get("state")
        if raw_state:
            try:
                state = JobState(raw_state.strip().upper())
            except ValueError:
                names = ", ".join(s.value for s in JobState)
                details.append(ErrorDetail("state", f"must be one of {names}, got {raw_state!r}"))
        limit = _query_int(get, "limit", 100, 0, MAX_LIST_LIMIT, details)
        offset = _query_int(get, "offset", 0, 0, 2**31, details)
        search = get("search") or None
        if search is not None and len(search) > 256:
            details.append(ErrorDetail("search", "must be at most 256 characters"))
        if details:
            raise InvalidArgument(f"bad jobs query: {details[0].field}: {details[0].message}",
                                  details=details)
        return cls(state=state, owner=get("owner") or None, search=search, limit=limit,
                   offset=offset)


def query_wait(get: Callable[[str], str | None]) -> float:
    """The ``wait`` query argument: seconds to wait for a job to finish (0 to 60).

    Raises:
        InvalidArgument: not a number in range.
    """
    raw = get("wait")
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= MAX_WAIT_SECONDS):
        message = f"must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}, got {raw!r}"
        raise InvalidArgument(f"bad query: wait {message}", details=[ErrorDetail("wait", message)])
    return value


def _query_int(get: Callable[[str], str | None], name: str, default: int, low: int, high: int,
               details: list[ErrorDetail]) -> int:
    raw = get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        details.append(ErrorDetail(name, f"must be an integer, got {raw!r}"))
        return default
    if not low <= value <= high:
        details.append(ErrorDetail(name, f"must be from {low} to {high}, got {value}"))
        return default
    return value


def _body_error(message: str) -> InvalidArgument:
    return InvalidArgument(message, details=[ErrorDetail(field="body", message=message)])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else (
        f"a {type(value).__name__ if not isinstance(value, dict) else 'JSON object'}")
    return text if len(text) <= 60 else text[:57] + "..."
