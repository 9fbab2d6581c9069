"""``RemoteEngine``: the :class:`~eigen_engine.engine.Engine` interface over the REST API."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from eigen_engine import __version__
from eigen_engine.compiler.program import CompiledProgram
from eigen_engine.drivers.devices import DeviceInfo
from eigen_engine.errors import (
    EigenError,
    FailedPrecondition,
    JobTimeout,
    ServerUnavailable,
    Unimplemented,
)
from eigen_engine.ir.aqo import circuit_from_aqo
from eigen_engine.ir.canonical import canonical_bytes, sha256_hex
from eigen_engine.job import Job, JobResult
from eigen_engine.jobspec import JobSpec
from eigen_engine.qrtx.events import JobEvent
from eigen_engine.qrtx.records import JobRecord, validate_job_id
from eigen_engine.qrtx.states import JobState
from eigen_engine.remote.envelope import _diagnostic, error_from_envelope
from eigen_engine.remote.events import EventPump, stream_events
from eigen_engine.remote.wire import (
    API_PATH,
    API_VERSION,
    _device,
    _filters,
    _normalize_url,
    _opener_for,
    _submit_body,
)

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = ["RemoteEngine", "VersionMismatchWarning"]

_LONG_POLL_S: Final = 30.0  # one GET jobs/{id}?wait= at most this long (the server caps 60)
_SLACK_S: Final = 15.0  # socket timeout beyond a long poll
_BATCH_S_PER_REQUEST: Final = 0.05  # compile time a batch answer may take per request


class VersionMismatchWarning(UserWarning):
    """The server runs another version of eigen-jupyter than this process."""


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
        self._events = EventPump(self._stream)
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
        return self._events.subscribe(callback)

    def close(self) -> None:
        """Stop event subscriptions (requests hold no connection between calls)."""
        self._events.close()

    # -- internals ------------------------------------------------------------------------------

    def _handle(self, job_id: str) -> Job:
        # Job only calls status/wait/result/cancel, which this class provides.
        return Job(cast("Engine", self), job_id)

    def _stream(self, job_id: str | None, timeout: float | None,
                stop: Callable[[], bool] | None) -> Iterator[JobEvent]:
        return stream_events(self.url, self.api_url, self.token, job_id, timeout, stop)

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
