"""Request and response encoding of the REST API: URLs, request bodies, decoded payloads."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Final

from eigen_engine.drivers.devices import DeviceInfo, DeviceStatus
from eigen_engine.errors import ErrorDetail, InvalidArgument
from eigen_engine.jobspec import JobSpec, load_jobspec
from eigen_engine.qrtx.states import JobState

__all__ = ["API_PATH", "API_VERSION"]

API_PATH: Final = "eigen/api/v1/"
"""The REST API below a server's root URL (which includes its ``base_url``)."""

API_VERSION: Final = "v1"


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
