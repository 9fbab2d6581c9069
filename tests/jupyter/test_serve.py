"""``eigen serve`` in a subprocess; clients in other processes find it through the record."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from eigen_engine.cli.remote_client import open_engine
from eigen_engine.qrtx.states import JobState
from eigen_engine.remote import RemoteEngine, ServerRecord, read_server_record
from eigen_jupyter.discovery import connect

ROOT = Path(__file__).parents[2]
BELL = ROOT / "examples" / "bell" / "program.eigen.py"


def _commands() -> set[str]:
    from eigen_engine.cli.app import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def eigen(*args: str) -> list[str]:
    """The ``eigen`` command line (``serve`` runs from its module until it is registered)."""
    if args[0] == "serve" and "serve" not in _commands():
        return [sys.executable, "-m", "eigen_engine.cli.serve", *args[1:]]
    code = "import sys; from eigen_engine.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *args]


@dataclass
class Served:
    process: subprocess.Popen[str]
    home: Path
    record: ServerRecord
    env: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module (starting Jupyter costs seconds); the last test stops it."""
    tmp_path = tmp_path_factory.mktemp("serve")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EIGEN_SERVER_", "JUPYTERHUB_"))}
    env.update(EIGEN_HOME=str(home), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        eigen("serve", "--home", str(home), "--workers", "1", "--allow-root",
              "--root-dir", str(tmp_path)),
        env=env, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    record = None
    while record is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        record = read_server_record(home)
    assert record is not None, (tmp_path / "serve.log").read_text()[-3000:]
    yield Served(process, home, record, env)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    log.close()


@pytest.fixture(autouse=True)
def no_server_env(monkeypatch: pytest.MonkeyPatch, served: Served) -> None:
    """Clients in this process find the server through the record only."""
    for name in ("EIGEN_SERVER_URL", "EIGEN_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_serve_submit_from_another_process_and_list(served: Served) -> None:
    assert served.record.pid == served.process.pid
    assert served.record.url.startswith("http://127.0.0.1:")
    assert (served.home / "server.json").stat().st_mode & 0o777 == 0o600
    assert served.process.stdout is not None
    assert served.record.url in served.process.stdout.readline()

    engine = open_engine(argparse.Namespace(home=str(served.home)))  # found via the record
    assert isinstance(engine, RemoteEngine)
    job = engine.submit(BELL.read_text(), shots=100, seed=4)
    assert job.wait(60).state is JobState.DONE
    assert set(job.result().counts) <= {"00", "11"}

    # A third process, which knows only the engine home, sees the job.
    script = (
        "import json, sys; from eigen_jupyter.discovery import connect; "
        f"e = connect(home={str(served.home)!r}); "
        "print(json.dumps([type(e).__name__, [[r.id, r.state.value] for r in e.jobs()]]))"
    )
    out = subprocess.run([sys.executable, "-c", script], env=served.env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == ["RemoteEngine", [[job.id, "DONE"]]]


def test_the_cli_submits_to_the_server(served: Served) -> None:
    if not {"submit", "jobs"} <= _commands():
        pytest.skip("eigen submit / eigen jobs are not registered yet")
    submitted = subprocess.run(eigen("submit", str(BELL), "--json"), env=served.env,
                               capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert submitted.returncode == 0, submitted.stderr
    job_id = json.loads(submitted.stdout)["job_id"]
    remote = connect(home=served.home)
    assert isinstance(remote, RemoteEngine)
    assert remote.wait(job_id, 60).state is JobState.DONE  # it ran in the server
    listed = subprocess.run(eigen("jobs", "--json"), env=served.env, capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    assert job_id in [j["id"] for j in json.loads(listed.stdout)["jobs"]]


def test_a_second_server_for_the_same_home_is_refused(served: Served) -> None:
    second = subprocess.run(
        eigen("serve", "--home", str(served.home), "--allow-root"), env=served.env,
        capture_output=True, text=True, timeout=60,
    )
    assert second.returncode == 2
    assert "already runs" in second.stderr


def test_sigterm_stops_cleanly_and_removes_the_record(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(30) == 0
    assert not (served.home / "server.json").exists()
