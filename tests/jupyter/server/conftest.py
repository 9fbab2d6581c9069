"""Fixtures: a Jupyter server (pytest-jupyter) with the Eigen extension and a tmp engine home.

pytest-jupyter's fixtures and async-test hooks are imported here rather than listed in
``pytest_plugins`` (which only a rootdir conftest may do), so they apply to this folder only.
Its base URL is ``/a%40b/``, so every test also checks that the API honours a base URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403
from traitlets.config import Config

from eigen_engine.qrtx.lease import SchedulerLease
from eigen_engine.remote import RemoteEngine
from tests.jupyter.server.client import BELL, load


@pytest.fixture
def eigen_home(tmp_path: Path) -> Path:
    """The engine home of the test server."""
    return tmp_path / "eigen-home"


@pytest.fixture
def jp_server_config(eigen_home: Path) -> Config:
    """Enable the extension (only it), require auth, keep the engine small (one worker)."""
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"eigen_jupyter": True, "jupyter_server_terminals": False},
                "allow_unauthenticated_access": False,
            },
            "EigenApp": {"home": str(eigen_home), "workers": 1},
        }
    )


@pytest.fixture
def api(jp_fetch: Any) -> Any:
    """``await api("jobs", method="POST", body={...})``: fetch below ``eigen/api/v1``."""

    async def fetch(*parts: str, body: Any = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return await jp_fetch("eigen", "api", "v1", *parts, **kwargs)

    return fetch


@pytest.fixture
def fail(api: Any) -> Any:
    """``status, error = await fail("jobs", method="POST", body=...)``: an error response."""
    from tornado.httpclient import HTTPClientError

    async def fetch(*parts: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        with pytest.raises(HTTPClientError) as info:
            await api(*parts, **kwargs)
        response = info.value.response
        assert response is not None
        assert response.headers["Content-Type"].startswith("application/json")
        return info.value.code, json.loads(response.body)["error"]

    return fetch


@pytest.fixture
def submit(api: Any) -> Any:
    """``job = await submit(shots=100)``: POST a Bell job (overridable body), return the Job."""

    async def post(**body: Any) -> dict[str, Any]:
        response = await api("jobs", method="POST", body={"source": BELL, "seed": 7, **body})
        assert response.code == 201
        return load(response)

    return post


@pytest.fixture
def held_queue(eigen_home: Path) -> Any:
    """Hold the home's scheduler lease, so the server's engine queues jobs but runs none."""
    eigen_home.mkdir(parents=True, exist_ok=True)
    lease = SchedulerLease(eigen_home)
    assert lease.try_acquire()
    yield lease
    lease.release()


@pytest.fixture
def remote(jp_serverapp: Any, http_server: Any, jp_http_port: int,
           jp_base_url: str) -> RemoteEngine:
    """A RemoteEngine on the test server (call it from a thread: the loop serves it)."""
    token = jp_serverapp.identity_provider.token
    return RemoteEngine(f"http://127.0.0.1:{jp_http_port}{jp_base_url}", token,
                        check_version=False, timeout=10.0)

