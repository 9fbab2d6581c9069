"""``RemoteEngine``: the :class:`~eigen_engine.engine.Engine` interface over the REST API.

A kernel, the CLI or any script talks to the engine a Jupyter server hosts (the
``eigen_jupyter`` extension, or ``eigen serve``) exactly as it would to an embedded one::

    >>> from eigen_engine.remote import RemoteEngine
    >>> engine = RemoteEngine("http://127.0.0.1:8888/", token="…")
    >>> job = engine.submit(open("examples/bell/program.eigen.py").read(), shots=1000)
    >>> sorted(job.result().counts)
    ['00', '11']

Errors come back as the same ``EigenError`` classes the embedded engine raises (the JSON
error envelope names the class); a server that cannot be reached raises
:class:`~eigen_engine.errors.ServerUnavailable`. HTTP uses the standard library only, so
importing this module stays light; :meth:`RemoteEngine.events` uses ``websocket-client``
(a jupyter_server dependency), imported on first use.

This module also holds the *server record*: the ``server.json`` that ``eigen serve`` writes
in the engine home so that clients on the same machine find the server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from eigen_engine import __version__, errors
from eigen_engine.compiler.diagnostics import Diagnostic, Severity
from eigen_engine.compiler.program import CompiledProgram
from eigen_engine.drivers.devices import DeviceInfo, DeviceStatus
from eigen_engine.errors import (
    CompileError,
    EigenError,
    ErrorCode,
    ErrorDetail,
    FailedPrecondition,
    InvalidArgument,
    JobError,
    JobTimeout,
    ServerUnavailable,
    Unimplemented,
)
from eigen_engine.ir.aqo import circuit_from_aqo
from eigen_engine.ir.canonical import canonical_bytes, sha256_hex
from eigen_engine.job import Job, JobResult
from eigen_engine.jobspec import JobSpec, load_jobspec
from eigen_engine.qfs.atomic import write_atomic
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.records import JobRecord, validate_job_id
from eigen_engine.qrtx.states import JobState

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = [
    "API_PATH",
    "SERVER_RECORD",
    "RemoteEngine",
    "ServerRecord",
    "VersionMismatchWarning",
    "error_from_envelope",
    "read_server_record",
    "remove_server_record",
    "write_server_record",
]

API_PATH: Final = "eigen/api/v1/"
"""The REST API below a server's root URL (which includes its ``base_url``)."""

API_VERSION: Final = "v1"
SERVER_RECORD: Final = "server.json"
"""File name of the server record in the engine home."""

_log = logging.getLogger(__name__)
_LONG_POLL_S: Final = 30.0  # one GET jobs/{id}?wait= at most this long (the server caps 60)
_SLACK_S: Final = 15.0  # socket timeout beyond a long poll
_BATCH_S_PER_REQUEST: Final = 0.05  # compile time a batch answer may take per request
_EVENTS_LINGER_S: Final = 30.0  # the shared event socket outlives its last subscriber this long
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


class VersionMismatchWarning(UserWarning):
    """The server runs another version of eigen-jupyter than this process."""


# -- the server record --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """Where a running ``eigen serve`` listens (``<home>/server.json``, mode 0600).

    Attributes:
        url: Root URL of the Jupyter server (with its base URL), e.g.
            ``http://127.0.0.1:8890/``.
        token: Its auth token.
        pid: Process id of the server.
        started_at: Seconds since the epoch.
        version: eigen-jupyter version of the server.
    """

    url: str
    token: str
    pid: int
    started_at: float = 0.0
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"url": self.url, "token": self.token, "pid": self.pid,
                "started_at": self.started_at, "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServerRecord:
        """Read the JSON form (``ValueError``/``KeyError``/``TypeError`` if malformed)."""
        return cls(url=str(data["url"]), token=str(data.get("token") or ""),
                   pid=int(data["pid"]), started_at=float(data.get("started_at") or 0.0),
                   version=str(data.get("version") or ""))


def read_server_record(home: str | os.PathLike[str]) -> ServerRecord | None:
    """Return the server record of ``home`` if its server process is alive, else ``None``.

    A record whose process is gone (the server was killed) is stale and ignored.
    """
    try:
        data = json.loads((Path(home) / SERVER_RECORD).read_text(encoding="utf-8"))
        record = ServerRecord.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if pid_alive(record.pid) else None


def write_server_record(home: str | os.PathLike[str], record: ServerRecord) -> Path:
    """Write ``<home>/server.json`` atomically, readable by the owner only (it has a token).

    Returns:
        The record's path.
    """
    directory = Path(home)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / SERVER_RECORD
    data = json.dumps(record.to_dict(), sort_keys=True).encode("utf-8")
    write_atomic(target, data, mode=0o600)  # fsynced: the token must not be lost
    return target


def remove_server_record(home: str | os.PathLike[str], pid: int) -> None:
    """Remove ``<home>/server.json`` if it is the record of process ``pid``."""
    path = Path(home) / SERVER_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(data.get("pid", -1)) == pid:
            path.unlink()
    except (OSError, ValueError, TypeError, AttributeError):
        return


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


# -- errors -------------------------------------------------------------------------------------


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


# -- the client ---------------------------------------------------------------------------------


class RemoteEngine:
    """The engine of a Jupyter server, through its REST API (same methods as ``Engine``).

    Args:
        url: The server's root URL, including its base URL (``http://host:8888/`` or
            ``https://hub.example.org/user/ada/``). A ``?token=`` in it is used as the token;
            ``0.0.0.0`` is rewritten to ``127.0.0.1``.
        token: The server's token, sent as ``Authorization: token …``.
        timeout: Socket timeout of ordinary requests, in seconds.
        check_version: Call ``GET version`` now: raise :class:`ServerUnavailable` when the
            server cannot be reached or has no Eigen extension, and warn
            (:class:`VersionMismatchWarning`) when its eigen version differs from ours.

    Raises:
        ServerUnavailable: see ``check_version``.
    """

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 30.0,
                 check_version: bool = True) -> None:
        self.url, url_token = _normalize_url(url)
        self.token = token if token is not None else url_token
        self.timeout = timeout
        self.api_url = self.url + API_PATH
        self.home: Path | None = None  # the store is the server's; it has no local home
        self.default_target: str | None = None  # the server applies its own
        self.server_version: dict[str, Any] = {}
        self._opener = _opener_for(self.url)
        self._events_lock = threading.Lock()
        self._subscribers: dict[object, Callable[[JobEvent], None]] = {}
        self._events_thread: threading.Thread | None = None
        self._events_idle_since: float | None = None
        self._events_closed = threading.Event()
        if check_version:
            self.handshake()

    def __repr__(self) -> str:
        return f"<RemoteEngine url={self.url!r}>"

    def __enter__(self) -> RemoteEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- handshake ------------------------------------------------------------------------------

    def handshake(self) -> dict[str, Any]:
        """``GET version``; warn once when the server's eigen version differs from ours.

        Raises:
            ServerUnavailable: unreachable, no Eigen extension, or another API version.
        """
        info = cast(dict[str, Any], self._request("GET", "version"))
        self.server_version = info
        if info.get("api_version") != API_VERSION:
            raise ServerUnavailable(
                f"the Eigen server at {self.url} speaks API {info.get('api_version')!r}; this "
                f"client speaks {API_VERSION!r}: install the same eigen-jupyter version on both"
            )
        theirs = str(info.get("eigen_version", "?"))
        if theirs != __version__:
            warnings.warn(
                f"the Eigen server at {self.url} runs eigen-jupyter {theirs}, this process "
                f"{__version__}; install the same version in the kernel and the server",
                VersionMismatchWarning,
                stacklevel=3,
            )
        return info

    # -- submitting -----------------------------------------------------------------------------

    def submit(
        self,
        source: str | None = None,
        spec: JobSpec | str | os.PathLike[str] | None = None,
        *,
        target: str | None = None,
        shots: int | None = None,
        priority: int | None = None,
        seed: int | None = None,
        inputs: Mapping[str, Any] | None = None,
        name: str | None = None,
        noise_model: str | None = None,
        entrypoint: str | None = None,
        dependencies: Sequence[str] | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        owner: str | None = None,
        capture_state: bool = False,
        optimization_level: int | None = None,
    ) -> Job:
        """Submit a job to the server; see ``Engine.submit``.

        A ``spec`` path is read here (with its program file) and sent with the program
        inline. ``owner`` is ignored: the server records the authenticated Jupyter user.

        Raises:
            CompileError, JobSpecError, InvalidArgument, DeviceNotFound, ResourceExhausted,
            JobNotFound: as ``Engine.submit``. ServerUnavailable: the server is gone.
        """
        body = _submit_body(
            source, spec, target=target, shots=shots, priority=priority, seed=seed,
            inputs=inputs, name=name, noise_model=noise_model, entrypoint=entrypoint,
            dependencies=dependencies, timeout=timeout, max_attempts=max_attempts, owner=owner,
            capture_state=capture_state, optimization_level=optimization_level,
        )
        data = self._request("POST", "jobs", body=body)
        return self._handle(JobRecord.from_dict(data).id)

    def submit_many(self, requests: Iterable[Mapping[str, Any]]) -> list[Job]:
        """Submit many jobs in one request (``POST jobs/batch``); see ``Engine.submit_many``.

        Each request holds :meth:`submit`'s arguments by name. The server checks and
        compiles every request first: if one is bad, none is submitted and the error names
        its position (``request #i:``). A ``spec`` path is read here, as by :meth:`submit`.
        The server takes at most 10,000 requests per call.

        Example:
            >>> jobs = engine.submit_many({"source": bell, "seed": s} for s in range(100))

        Raises:
            The errors of :meth:`submit`, with ``request #i:`` in front of the message;
            ``InvalidArgument`` for more requests than the server takes at once.
        """
        bodies: list[dict[str, Any]] = []
        for i, request in enumerate(requests):
            try:
                bodies.append(_submit_body(**request))
            except EigenError as exc:
                exc.message = f"request #{i}: {exc.message}"
                exc.args = (exc.message,)
                raise
            except TypeError as exc:
                raise TypeError(f"request #{i}: {exc}") from None
        if not bodies:
            return []
        # Every program is compiled before the server answers: allow for it.
        timeout = self.timeout + _BATCH_S_PER_REQUEST * len(bodies)
        data = self._request("POST", "jobs/batch", body={"requests": bodies}, timeout=timeout)
        return [self._handle(JobRecord.from_dict(j).id) for j in data["jobs"]]

    def compile(self, source: str, **options: Any) -> CompiledProgram:
        """Compile on the server without running; see ``Engine.compile``.

        Options: ``seed``, ``inputs``, ``entrypoint``, ``optimization_level``, ``filename``.

        Raises:
            CompileError: the program does not compile (with every diagnostic).
        """
        data = self._request("POST", "compile", body={"source": source, "options": options})
        aqo = data["aqo"]
        aqo_json = canonical_bytes(aqo)
        return CompiledProgram(
            aqo=aqo,
            aqo_json=aqo_json,
            sha256=sha256_hex(aqo_json),
            source_sha256=str(data["source_sha256"]),
            diagnostics=tuple(d for d in map(_diagnostic, data.get("diagnostics") or ()) if d),
            entrypoint=str(data.get("entrypoint", "")),
            defaults=dict(data.get("defaults") or {}),
            seed=int(data.get("seed") or 0),
            inputs=dict(data.get("inputs") or {}),
            kind=str(data.get("kind", "sampling")),
            circuit=circuit_from_aqo(aqo),
        )

    # -- reading --------------------------------------------------------------------------------

    def job(self, job_id: str) -> Job:
        """The handle of an existing job (``JobNotFound`` if there is none)."""
        self.status(job_id)
        return self._handle(job_id)

    def status(self, job_id: str) -> JobRecord:
        """A job's current record."""
        return JobRecord.from_dict(self._request("GET", f"jobs/{validate_job_id(job_id)}"))

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until a job finishes (long-polling the server); return its final record.

        Raises:
            JobTimeout: ``timeout`` seconds passed first (the job goes on).
        """
        job_id = validate_job_id(job_id)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _LONG_POLL_S if deadline is None else deadline - time.monotonic()
            wait = max(0.0, min(_LONG_POLL_S, left))
            data = self._request("GET", f"jobs/{job_id}", params={"wait": f"{wait:.3f}"},
                                 timeout=wait + _SLACK_S)
            record = JobRecord.from_dict(data)
            if record.is_terminal:
                return record
            if deadline is not None and time.monotonic() >= deadline:
                raise JobTimeout(
                    f"job {job_id} is still {record.state} after {timeout:g} s; wait longer "
                    "or check it later with status()",
                    job_id=job_id,
                )

    def result(self, job_id: str, timeout: float | None = None) -> JobResult:
        """Wait for a job and return its result; see ``Engine.result``.

        Raises:
            JobFailed, JobCancelled, JobTimeout: as ``Engine.result``.
        """
        # One long poll on the results themselves (``results?wait=``): a job that finishes
        # within it costs one round trip, not a wait and then a read.
        job_id = validate_job_id(job_id)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _LONG_POLL_S if deadline is None else deadline - time.monotonic()
            wait = max(0.0, min(_LONG_POLL_S, left))
            try:
                data = self._request("GET", f"jobs/{job_id}/results",
                                     params={"wait": f"{wait:.3f}"}, timeout=wait + _SLACK_S)
            except FailedPrecondition as exc:  # still running when the long poll ended
                if deadline is not None and time.monotonic() >= deadline:
                    raise JobTimeout(
                        f"job {job_id} is still running after {timeout:g} s; wait longer or "
                        "check it later with status()",
                        job_id=job_id,
                    ) from exc
                continue
            return JobResult.from_dict(data)

    def jobs(self, *, state: JobState | str | None = None, owner: str | None = None,
             search: str | None = None, limit: int = 100, offset: int = 0) -> list[JobRecord]:
        """Jobs newest first, filtered and paged (at most 1000 per call)."""
        data = self._request("GET", "jobs", params=_filters(state, owner, search, limit, offset))
        return [JobRecord.from_dict(j) for j in data["jobs"]]

    def count_jobs(self, *, state: JobState | str | None = None, owner: str | None = None,
                   search: str | None = None) -> int:
        """How many jobs :meth:`jobs` pages through with the same filters."""
        data = self._request("GET", "jobs", params=_filters(state, owner, search, 0, 0))
        return int(data["total"])

    def queue_depth(self) -> int:
        """How many jobs are QUEUED."""
        return self.count_jobs(state=JobState.QUEUED)

    def artifacts(self, job_id: str) -> list[str]:
        """Names of a job's stored artifacts."""
        data = self._request("GET", f"jobs/{validate_job_id(job_id)}/artifacts")
        return [str(n) for n in data["artifacts"]]

    def artifact(self, job_id: str, name: str) -> bytes:
        """One artifact's bytes."""
        path = f"jobs/{validate_job_id(job_id)}/artifacts/{urllib.parse.quote(name, safe='')}"
        return cast(bytes, self._request("GET", path, raw=True))

    def load_state(self, sha256: str) -> tuple[Any, dict[str, Any]]:
        """Not over REST: captured states stay in the server's L2 state store.

        Raises:
            Unimplemented: always; read them with an ``Engine`` on the server's home.
        """
        raise Unimplemented(
            f"captured state {sha256[:12]}… is in the server's state store, which the REST API "
            "does not serve yet; open Engine(home=<the server's home>) on that machine to load it"
        )

    # -- devices --------------------------------------------------------------------------------

    def devices(self) -> list[DeviceInfo]:
        """Every device of every driver on the server."""
        return [_device(d) for d in self._request("GET", "devices")["devices"]]

    def device(self, device_id: str) -> DeviceInfo:
        """One device (``DeviceNotFound`` if unknown)."""
        return _device(self._request("GET", f"devices/{urllib.parse.quote(device_id, safe='')}"))

    def calibrate(
        self, device_id: str, noise_model: str | None = None, *, timeout: float = 300.0
    ) -> dict[str, float]:
        """Measure a simulator device's error figures on the server; see ``Engine.calibrate``.

        Args:
            device_id: The device or target name.
            noise_model: Noise to calibrate under (default: the device's own).
            timeout: Seconds to wait for the server's answer (the probe circuits run there).

        Raises:
            DeviceNotFound: unknown device. ServerUnavailable: no answer within ``timeout``.
        """
        body = {} if noise_model is None else {"noise_model": noise_model}
        path = f"devices/{urllib.parse.quote(device_id, safe='')}/calibrate"
        return dict(self._request("POST", path, body=body, timeout=timeout)["calibration"])

    # -- cancelling -----------------------------------------------------------------------------

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job; see ``Engine.cancel``."""
        return JobRecord.from_dict(self._request("DELETE", f"jobs/{validate_job_id(job_id)}"))

    # -- events ---------------------------------------------------------------------------------

    def events(self, job_id: str | None = None, *,
               timeout: float | None = None) -> Iterator[JobEvent]:
        """Iterate over job events from the server's ``events`` WebSocket.

        Like ``Engine.events``: ends after ``timeout`` seconds without an event, or, for one
        job, after its terminal state event. Events are not replayed: read the state over
        REST first. Closing the generator closes the socket.

        Raises:
            ServerUnavailable: the socket cannot be opened.
        """
        if job_id is not None:
            job_id = validate_job_id(job_id)
        return self._stream(job_id, timeout, None)

    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` on a background thread for every job event; return the
        function that stops it.

        All subscribers of this client share one WebSocket (a live job view per job would
        otherwise open one each); it opens with the first subscriber, stays open
        ``_EVENTS_LINGER_S`` after the last one leaves (the next job's view reuses it), and
        reconnects with back-off if the server restarts; events in between are lost.
        """
        key = object()
        with self._events_lock:
            self._subscribers[key] = callback
            self._events_idle_since = None
            self._events_closed.clear()  # a closed client may subscribe again
            if self._events_thread is None:
                self._events_thread = threading.Thread(
                    target=self._pump_events, name="eigen-remote-events", daemon=True)
                self._events_thread.start()

        def unsubscribe() -> None:
            with self._events_lock:
                if self._subscribers.pop(key, None) is not None and not self._subscribers:
                    self._events_idle_since = time.monotonic()

        return unsubscribe

    def close(self) -> None:
        """Stop event subscriptions (requests hold no connection between calls)."""
        with self._events_lock:
            self._subscribers.clear()
            self._events_closed.set()

    def _events_done(self) -> bool:
        """Whether the shared event stream should end (closed, or idle past the linger)."""
        if self._events_closed.is_set():
            return True
        idle = self._events_idle_since
        return idle is not None and time.monotonic() - idle >= _EVENTS_LINGER_S

    def _pump_events(self) -> None:
        backoff = 0.5
        while True:
            try:
                for event in self._stream(None, None, self._events_done):
                    backoff = 0.5
                    with self._events_lock:
                        callbacks = list(self._subscribers.values())
                    for callback in callbacks:
                        try:
                            callback(event)
                        except Exception:  # a broken callback must not end the stream
                            _log.exception("job event callback %r failed", callback)
            except ServerUnavailable:
                self._events_closed.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            with self._events_lock:  # a subscriber arriving now finds no thread, starts one
                if self._events_done():
                    self._events_thread = None
                    return

    # -- internals ------------------------------------------------------------------------------

    def _handle(self, job_id: str) -> Job:
        # Job only calls status/wait/result/cancel, which this class provides.
        return Job(cast("Engine", self), job_id)

    def _stream(self, job_id: str | None, timeout: float | None,
                stop: Callable[[], bool] | None) -> Iterator[JobEvent]:
        import websocket  # websocket-client, a jupyter_server dependency

        scheme = "wss" if self.url.startswith("https") else "ws"
        query = "" if job_id is None else "?" + urllib.parse.urlencode({"job_id": job_id})
        url = f"{scheme}{self.api_url[self.api_url.index(':'):]}events{query}"
        headers = [f"Authorization: token {self.token}"] if self.token else []
        # A stoppable stream wakes up every half second to look at its stop flag.
        tick = 0.5 if stop is not None else timeout
        try:
            ws = websocket.create_connection(url, header=headers, timeout=tick)
        except (OSError, websocket.WebSocketException) as exc:
            raise ServerUnavailable(f"cannot open the event stream of {self.url}: {exc}") from None
        try:
            while stop is None or not stop():
                try:
                    message = ws.recv()
                except websocket.WebSocketTimeoutException:
                    if stop is None:
                        return
                    continue
                except (OSError, websocket.WebSocketException) as exc:
                    raise ServerUnavailable(
                        f"the event stream of {self.url} closed: {exc}"
                    ) from None
                event = _event(json.loads(message))
                if event is None:
                    continue
                yield event
                if job_id is not None and event.kind == "state" and event.job.is_terminal:
                    return
        finally:
            with contextlib.suppress(Exception):
                ws.close()

    def _request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                 body: Any = None, timeout: float | None = None, raw: bool = False) -> Any:
        url = self.api_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        seconds = timeout or self.timeout
        try:
            with self._opener.open(request, timeout=seconds) as response:
                payload: bytes = response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, path) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ServerUnavailable(
                    f"the Eigen server at {self.url} did not answer {method} {path} within "
                    f"{seconds:g} s; it may still be working on it (check with jobs() or "
                    "status() before retrying a submission)"
                ) from None
            raise ServerUnavailable(
                f"cannot reach the Eigen server at {self.url} ({reason}); start one with "
                "`eigen serve`, or unset EIGEN_SERVER_URL to use an embedded engine"
            ) from None
        if raw:
            return payload
        try:
            return json.loads(payload)
        except ValueError:
            raise ServerUnavailable(
                f"{self.url} answered {path} with something that is not JSON; is it a Jupyter "
                "server with the eigen_jupyter extension?"
            ) from None

    def _http_error(self, exc: urllib.error.HTTPError, path: str) -> EigenError:
        try:
            envelope = json.loads(exc.read() or b"{}")
        except (ValueError, OSError):
            envelope = {}
        if isinstance(envelope, Mapping) and isinstance(envelope.get("error"), Mapping):
            return error_from_envelope(envelope, exc.code)
        if exc.code in (401, 403):
            return ServerUnavailable(
                f"the Jupyter server at {self.url} refused the request (HTTP {exc.code}); pass "
                "its token (EIGEN_SERVER_TOKEN, or ?token= in the URL)"
            )
        if exc.code == 404:
            return ServerUnavailable(
                f"the Jupyter server at {self.url} has no Eigen API ({path} is not found); "
                "install eigen-jupyter in the server's environment and restart it"
            )
        return ServerUnavailable(f"the Eigen server at {self.url} failed: HTTP {exc.code}")


# -- helpers ------------------------------------------------------------------------------------


def _normalize_url(url: str) -> tuple[str, str | None]:
    """Return ``(root URL ending in /, token from ?token= or None)``."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgument(
            f"{url!r} is not a server URL; give one like http://127.0.0.1:8888/",
            details=[ErrorDetail(field="url", message="must be an http(s) URL")],
        )
    token = urllib.parse.parse_qs(parts.query).get("token", [None])[0]
    netloc = parts.netloc
    host = parts.hostname or ""
    if host in ("0.0.0.0", "::"):
        netloc = netloc.replace("[::]" if host == "::" else host, "127.0.0.1", 1)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if path.endswith("/" + API_PATH):
        path = path[: -len(API_PATH)]
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, "", "")), token


def _opener_for(url: str) -> urllib.request.OpenerDirector:
    """An opener that never sends loopback requests through an HTTP proxy."""
    host = urllib.parse.urlsplit(url).hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if loopback:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _submit_body(
    source: str | None = None,
    spec: JobSpec | str | os.PathLike[str] | None = None,
    *,
    target: str | None = None,
    shots: int | None = None,
    priority: int | None = None,
    seed: int | None = None,
    inputs: Mapping[str, Any] | None = None,
    name: str | None = None,
    noise_model: str | None = None,
    entrypoint: str | None = None,
    dependencies: Sequence[str] | None = None,
    timeout: float | None = None,
    max_attempts: int | None = None,
    owner: str | None = None,
    capture_state: bool = False,
    optimization_level: int | None = None,
) -> dict[str, Any]:
    """The ``POST jobs`` body of ``Engine.submit``'s arguments (``None``s left out).

    ``owner`` is dropped: the server records the request's authenticated identity.
    """
    del owner
    body: dict[str, Any] = {
        "source": source,
        "jobspec": None if spec is None else _portable_jobspec(spec),
        "target": target, "shots": shots, "priority": priority, "seed": seed,
        "inputs": None if inputs is None else dict(inputs), "name": name,
        "noise_model": noise_model, "entrypoint": entrypoint,
        "dependencies": None if dependencies is None else list(dependencies),
        "timeout": timeout, "max_attempts": max_attempts,
        "capture_state": capture_state or None,
        "optimization_level": optimization_level,
    }
    return {k: v for k, v in body.items() if v is not None}


def _portable_jobspec(spec: JobSpec | str | os.PathLike[str]) -> str:
    """JobSpec YAML that carries its program inline (the server cannot read our files)."""
    import yaml

    if not isinstance(spec, JobSpec):
        spec = load_jobspec(spec)
    doc = yaml.safe_load(spec.to_yaml())
    doc["spec"]["program"] = {"source": spec.source}
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _filters(state: JobState | str | None, owner: str | None, search: str | None,
             limit: int, offset: int) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if state is not None:
        params["state"] = JobState(state).value
    if owner is not None:
        params["owner"] = owner
    if search:
        params["search"] = search
    return params


def _device(data: Mapping[str, Any]) -> DeviceInfo:
    coupling = data.get("coupling_map")
    return DeviceInfo(
        id=str(data["id"]),
        driver=str(data["driver"]),
        num_qubits=int(data["num_qubits"]),
        basis_gates=tuple(data.get("basis_gates") or ()),
        coupling_map=None if coupling is None else tuple((int(a), int(b)) for a, b in coupling),
        method=str(data.get("method", "statevector")),
        noise_model=data.get("noise_model"),
        status=DeviceStatus(data.get("status", DeviceStatus.ONLINE)),
        queue_depth=int(data.get("queue_depth") or 0),
        calibration=data.get("calibration"),
        description=str(data.get("description", "")),
    )


def _event(data: Any) -> JobEvent | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("job"), Mapping):
        return None
    kind = str(data.get("type", "")).removeprefix("job.")
    if kind not in ("state", "progress"):
        return None
    return JobEvent(kind=cast(Any, kind), job=JobRecord.from_dict(data["job"]),
                    time=float(data.get("time") or 0.0), seq=int(data.get("seq") or 0))

