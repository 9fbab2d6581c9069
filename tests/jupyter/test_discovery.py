"""Finding the server: explicit URL, environment, records, runtime files, else embedded."""

from __future__ import annotations

import argparse
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from eigen_engine.cli.remote_client import open_engine
from eigen_engine.engine import Engine
from eigen_engine.errors import ServerUnavailable
from eigen_engine.remote import (
    ServerRecord,
    read_server_record,
    remove_server_record,
    write_server_record,
)
from eigen_jupyter import discovery

NOWHERE = "http://127.0.0.1:9/"  # the discard port: nothing answers there


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("EIGEN_SERVER_URL", "EIGEN_SERVER_TOKEN", "JUPYTERHUB_SERVICE_URL",
                 "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("EIGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(discovery, "_noted", False)
    yield


def test_nothing_found_gives_the_embedded_engine_with_one_note(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = discovery.connect(home=tmp_path / "home")
        second = discovery.connect(home=tmp_path / "home")
    try:
        assert isinstance(first, Engine) and isinstance(second, Engine)
        assert [w.category for w in caught] == [discovery.EmbeddedEngineNote]
        assert "eigen serve" in str(caught[0].message)
    finally:
        first.close()
        second.close()


def test_an_explicit_url_or_the_environment_must_answer(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ServerUnavailable, match="cannot reach"):
        discovery.connect(NOWHERE)
    monkeypatch.setenv("EIGEN_SERVER_URL", NOWHERE)
    with pytest.raises(ServerUnavailable):
        discovery.connect()
    with pytest.raises(ServerUnavailable) as info:
        open_engine(argparse.Namespace())
    assert info.value.exit_code == 3


def test_records_and_runtime_files_that_do_not_answer_are_skipped(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_server_record(home, ServerRecord(url=NOWHERE, token="t", pid=os.getpid()))
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / f"jpserver-{os.getppid()}.json").write_text(
        json.dumps({"url": NOWHERE, "token": "t"}))
    assert discovery.find_server(home=home) is None
    engine = open_engine(argparse.Namespace(home=str(home)), run_scheduler=False)
    try:
        assert isinstance(engine, Engine)
    finally:
        engine.close()


def test_a_record_of_a_dead_process_is_stale(tmp_path: Path) -> None:
    record = ServerRecord(url=NOWHERE, token="secret", pid=2**22 + 12345, started_at=1.0)
    path = write_server_record(tmp_path, record)
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["token"] == "secret"
    assert read_server_record(tmp_path) is None  # the pid is not running
    live = ServerRecord(url=NOWHERE, token="secret", pid=os.getpid())
    write_server_record(tmp_path, live)
    assert read_server_record(tmp_path) == live
    remove_server_record(tmp_path, pid=os.getpid() + 1)  # not ours: kept
    assert path.exists()
    remove_server_record(tmp_path, pid=os.getpid())
    assert not path.exists()


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, eigen_jupyter, eigen_jupyter.discovery, eigen_engine.remote; "
            "print(sorted(m for m in ('qiskit', 'qiskit_aer', 'cirq', 'jupyter_server.serverapp',"
            " 'eigen_jupyter.app', 'tornado') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_extension_points() -> None:
    import eigen_jupyter
    from eigen_jupyter.app import EigenApp

    assert eigen_jupyter._jupyter_server_extension_points() == [
        {"module": "eigen_jupyter.app", "app": EigenApp}]
    assert eigen_jupyter._jupyter_labextension_paths()[0]["src"] == "labextension"
    drop_in = Path(__file__).parents[2] / "jupyter-config" / "jupyter_server_config.d"
    assert json.loads((drop_in / "eigen_jupyter.json").read_text()) == {
        "ServerApp": {"jpserver_extensions": {"eigen_jupyter": True}}}
