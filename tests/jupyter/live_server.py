"""A real ``jupyter server`` in a subprocess with the Eigen extension, and load to drive it.

What the end-to-end and load tests (and ``bench/bench_server.py``) run against: the server a
user gets from ``jupyter server`` / ``jupyter lab`` with eigen-jupyter installed, in its own
process, with its own event loop and engine. Everything it writes stays under one temporary
directory: Jupyter's config, data and runtime dirs, IPython's dir, the engine home, the log.
:func:`run_load` has many REST clients submit jobs at once while a :class:`StatusPoller`
times Jupyter's own ``GET /api/status``.

``EIGEN_HOME`` of the server process (inherited by the kernels it starts) is a *different*,
empty directory from the engine home the extension is configured with, so a kernel that
silently fell back to an embedded engine would write there, never into the server's store.

Example:
    with live_server(tmp_path, workers=1) as server:
        status, body = server.request("GET", "eigen/api/v1/version")
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LiveServer", "LoadRun", "StatusPoller", "live_server", "p95", "run_load",
           "stop_process"]

_STARTUP_S = 90.0  # a bound on a hang (Jupyter plus JupyterLab start in a few seconds)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class LiveServer:
    """A running server.

    Attributes:
        process: The ``jupyter server`` process.
        url: Its root URL (ends in ``/``), e.g. ``http://127.0.0.1:41234/``.
        token: Its auth token.
        home: The engine home the extension uses (``c.EigenApp.home``).
        fallback_home: ``EIGEN_HOME`` of the server's environment (and of its kernels):
            where an embedded engine in a kernel would write. Stays empty when kernels use
            the server.
        runtime_dir: Jupyter's runtime dir (``jpserver-*.json``, kernel connection files).
        log: The server's stderr.
    """

    process: subprocess.Popen[bytes]
    url: str
    token: str
    home: Path
    fallback_home: Path
    runtime_dir: Path
    log: Path

    def request(self, method: str, path: str, body: Any = None,
                timeout: float = 30.0) -> tuple[int, Any]:
        """``(status, JSON body)`` of one authenticated request (errors do not raise)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}",
                     "Content-Type": "application/json"},
        )
        try:
            with _NO_PROXY.open(request, timeout=timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        return status, json.loads(payload) if payload else None

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log (for failure messages)."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@contextmanager
def live_server(tmp: Path, *, workers: int = 1) -> Iterator[LiveServer]:
    """Start ``jupyter server`` under ``tmp``; yield it once its Eigen engine runs; stop it.

    Args:
        tmp: A fresh directory owned by the caller (``tmp_path`` or ``mkdtemp``).
        workers: Worker processes of the engine (``c.EigenApp.workers``).
    """
    dirs = {name: tmp / name for name in ("config", "data", "runtime", "ipython", "home",
                                          "fallback-home")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    # The extension is also enabled by the drop-in pip installs; say it here too so the test
    # does not depend on how the package was installed.
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"eigen_jupyter": True}},
        "EigenApp": {"home": str(dirs["home"]), "workers": workers},
    }))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EIGEN_SERVER_", "JUPYTERHUB_", "JUPYTER_", "JPY_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
        EIGEN_HOME=str(dirs["fallback-home"]),
    )
    token = secrets.token_hex(24)
    argv = [
        sys.executable, "-m", "jupyter_server",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={tmp}", f"--IdentityProvider.token={token}",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    log = tmp / "server.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                   cwd=tmp)
    try:
        url = _wait_for_info(process, dirs["runtime"], log)
        server = LiveServer(process, url, token, dirs["home"], dirs["fallback-home"],
                            dirs["runtime"], log)
        _wait_for_engine(server)
        yield server
    finally:
        stop_process(process)


def _wait_for_info(process: subprocess.Popen[bytes], runtime: Path, log: Path) -> str:
    """The URL in ``jpserver-<pid>.json``, which Jupyter writes once it listens."""
    info = runtime / f"jpserver-{process.pid}.json"
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            url = str(json.loads(info.read_text())["url"])
            return url if url.endswith("/") else url + "/"
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError(f"jupyter server did not start in {_STARTUP_S:g} s:\n"
                       f"{log.read_text(errors='replace')[-3000:]}")


def _wait_for_engine(server: LiveServer) -> None:
    """Until ``GET eigen/api/v1/health`` says the engine runs (the start hook has run, so
    ``EIGEN_SERVER_URL`` is in the server's environment before any kernel starts)."""
    deadline = time.monotonic() + _STARTUP_S
    body: Any = None
    while time.monotonic() < deadline:
        try:
            status, body = server.request("GET", "eigen/api/v1/health", timeout=5)
        except OSError:
            status = 0
        if status == 200 and body.get("engine") == "running":
            return
        time.sleep(0.1)
    raise RuntimeError(f"the Eigen engine did not start (last health: {body}):\n"
                       f"{server.log_tail()}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a server: SIGTERM (Jupyter shuts its kernels and extensions down), SIGKILL if it
    hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# -- load -----------------------------------------------------------------------------------------


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile (nearest rank) of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class StatusPoller(threading.Thread):
    """Calls ``GET /api/status`` of Jupyter itself, 10 ms apart, until :meth:`stop`.

    ``codes`` holds every answer's HTTP status (0: no answer) and ``latencies`` their round
    trips in seconds. The poller shares its process with whatever else runs there, so its
    latencies are an upper bound on the server's.
    """

    def __init__(self, server: LiveServer, interval: float = 0.01) -> None:
        super().__init__(name="status-poller", daemon=True)
        self.codes: list[int] = []
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._request = urllib.request.Request(
            server.url + "api/status", headers={"Authorization": f"token {server.token}"})
        self._interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            started = time.perf_counter()
            try:
                with _NO_PROXY.open(self._request, timeout=30) as response:
                    response.read()
                    code = response.status
            except urllib.error.HTTPError as exc:
                code = exc.code
            except OSError as exc:
                code = 0
                self.failures.append(repr(exc))
            self.latencies.append(time.perf_counter() - started)
            self.codes.append(code)
            self._stopped.wait(self._interval)

    def stop(self) -> None:
        """Stop polling and wait for the last call."""
        self._stopped.set()
        self.join(60)


@dataclass
class LoadRun:
    """What :func:`run_load` saw.

    Attributes:
        states: Final state of every submitted job, by id.
        errors: Every exception a client met (``repr``).
        wall_s: From the first submit to the last job's end.
        submitted_s: From the first submit to the last job's acceptance (``201``).
        submit_latencies: Round trip of each ``POST jobs``, in seconds.
        status: The poller that ran meanwhile.
    """

    states: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    submitted_s: float = 0.0
    submit_latencies: list[float] = field(default_factory=list)
    status: StatusPoller | None = None

    def summary(self) -> str:
        """One line of figures (for ``print``)."""
        jobs = len(self.states)
        line = (f"{jobs} jobs in {self.wall_s:.1f} s ({jobs / max(self.wall_s, 1e-9):.0f} "
                f"jobs/s; all accepted after {self.submitted_s:.1f} s); POST jobs median "
                f"{statistics.median(self.submit_latencies) * 1e3:.1f} ms, p95 "
                f"{p95(self.submit_latencies) * 1e3:.1f} ms")
        if self.status is not None and self.status.latencies:
            lat = self.status.latencies
            line += (f"; GET /api/status x{len(lat)}: median "
                     f"{statistics.median(lat) * 1e3:.1f} ms, p95 {p95(lat) * 1e3:.1f} ms, max "
                     f"{max(lat) * 1e3:.1f} ms")
        return line


def run_load(server: LiveServer, source: str, *, clients: int, jobs_each: int, shots: int,
             timeout: float = 600.0) -> LoadRun:
    """``clients`` threads, each its own ``RemoteEngine``, submit ``jobs_each`` jobs one
    after the other, then wait for each; a :class:`StatusPoller` runs throughout.

    Args:
        server: The server.
        source: The program every job runs.
        clients: Concurrent REST clients.
        jobs_each: Jobs per client.
        shots: Shots per job.
        timeout: How long a client waits for one job at most (a bound on a hang).
    """
    from eigen_engine.remote import RemoteEngine

    poller = StatusPoller(server)
    run = LoadRun(status=poller)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    accepted: list[float] = []

    def client(index: int) -> None:
        start.wait()
        try:
            engine = RemoteEngine(server.url, server.token, check_version=False)
            ids = []
            for n in range(jobs_each):
                t0 = time.perf_counter()
                ids.append(engine.submit(source, shots=shots, seed=index * jobs_each + n).id)
                with lock:
                    run.submit_latencies.append(time.perf_counter() - t0)
            with lock:
                accepted.append(time.perf_counter())
            for job_id in ids:
                state = engine.wait(job_id, timeout).state.value
                with lock:
                    run.states[job_id] = state
        except Exception as exc:  # recorded: the caller asserts there are none
            with lock:
                run.errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(i,), name=f"load-client-{i}")
               for i in range(clients)]
    poller.start()
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    run.wall_s = time.perf_counter() - began
    run.submitted_s = (max(accepted) - began) if accepted else 0.0
    poller.stop()
    return run
