"""``health`` and ``version``; polling reads do not count as user activity."""

from __future__ import annotations

from typing import Any

from eigen_engine import __version__
from tests.jupyter.server.client import load


async def test_health_and_version(api: Any) -> None:
    assert load(await api("health")) == {"schema_version": 1, "status": "ok",
                                         "engine": "not started", "executor": "local"}
    version = load(await api("version"))
    assert version["api_version"] == "v1" and version["eigen_version"] == __version__


async def test_reads_are_not_activity_but_writes_are(api: Any, jp_serverapp: Any) -> None:
    settings = jp_serverapp.web_app.settings
    before = settings.get("api_last_activity")
    await api("jobs")
    await api("health")
    assert settings.get("api_last_activity") == before
    await api("compile", method="POST", body={"source": "x", "mode": "validate"},
              raise_error=False)
    assert settings.get("api_last_activity") != before


async def test_server_start_publishes_the_url_to_kernels(
    jp_serverapp: Any, jp_http_port: int, jp_base_url: str, monkeypatch: Any
) -> None:
    """The start hook (which pytest-jupyter does not run) sets what kernels inherit."""
    import os

    for name in ("EIGEN_SERVER_URL", "EIGEN_SERVER_TOKEN"):
        monkeypatch.setenv(name, "")  # recorded, so the teardown restores the environment
        monkeypatch.delenv(name)
    app = jp_serverapp.web_app.settings["eigen"]
    await app._start_jupyter_server_extension(jp_serverapp)
    assert os.environ["EIGEN_SERVER_URL"] == f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    assert os.environ["EIGEN_SERVER_TOKEN"] == jp_serverapp.identity_provider.token
    assert app.engine_started
