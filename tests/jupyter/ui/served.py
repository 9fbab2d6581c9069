"""A plain ``jupyter lab`` or ``jupyter notebook`` in a subprocess, and the browser smoke check
(``frontend/ui-tests/smoke.js``) run against it.

Unlike the Galata tests (whose server loads Galata's helper extension and a freshly built
labextension), this is the server a user starts: any Python environment (the project's venv or
a venv holding only the built wheel), the Eigen server extension enabled only by the
``jupyter_server_config.d`` drop-in the package installs, and the labextension found only where
the package installed it. Jupyter's user-level config, data and runtime dirs point into a
temporary directory, so nothing of the user's (or of an earlier test's) is seen.

Example:
    with jupyter_app(Path(sys.executable), "lab", tmp_path) as app:
        html = app.get("lab").decode()
        seen = smoke(app, "lab")
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.jupyter.live_server import stop_process
from tests.jupyter.ui.frontend import CHROMIUM, UI_TESTS

__all__ = ["App", "jupyter_app", "page_config", "smoke"]

_STARTUP_S = 120.0  # a bound on a hang (Jupyter starts in a few seconds)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# `python -m <module>` and the class whose `expose_app_in_browser` sets `window.jupyterapp`.
_APPS = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


@dataclass(frozen=True)
class App:
    """A running server.

    Attributes:
        kind: ``"lab"`` or ``"notebook"``.
        process: The server process.
        url: Its root URL, ending in ``/``.
        token: Its auth token.
        log: Its stderr.
    """

    kind: str
    process: subprocess.Popen[bytes]
    url: str
    token: str
    log: Path

    def get(self, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
        """``(status, body)`` of an authenticated ``GET`` (errors do not raise)."""
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with _NO_PROXY.open(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's log (for failure messages)."""
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def jupyter_app(python: Path, kind: str, tmp: Path, *,
                path: str | None = None) -> Iterator[App]:
    """Start ``python -m jupyterlab`` (``kind="lab"``) or ``python -m notebook`` under
    ``tmp`` on a free loopback port; yield it once it answers; stop it.

    Args:
        python: The interpreter of the environment to serve from.
        kind: ``"lab"`` or ``"notebook"``.
        tmp: A fresh directory owned by the caller.
        path: ``PATH`` of the server (default: inherited), e.g. one without Node.js.
    """
    module, app_class = _APPS[kind]
    dirs = {name: tmp / name for name in ("config", "data", "runtime", "root", "home")}
    for directory in dirs.values():
        directory.mkdir(parents=True, exist_ok=True)
    # The engine home only: the extension must be enabled by the installed drop-in.
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "EigenApp": {"home": str(dirs["home"]), "workers": 1},
    }))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EIGEN_", "JUPYTERHUB_", "JUPYTER_", "JPY_"))}
    env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(tmp / "ipython"),
               EIGEN_HOME=str(dirs["home"]), OMP_NUM_THREADS="1")
    if path is not None:
        env["PATH"] = path
    token = secrets.token_hex(24)
    argv = [
        str(python), "-m", module, "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
        f"--ServerApp.root_dir={dirs['root']}", f"--IdentityProvider.token={token}",
        f"--{app_class}.expose_app_in_browser=True",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    log = tmp / f"{kind}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(argv, env=env, stdout=stderr, stderr=subprocess.STDOUT,
                                   cwd=dirs["root"])
    try:
        url = _wait_for_url(process, dirs["runtime"], log)
        yield App(kind, process, url, token, log)
    finally:
        stop_process(process)


def page_config(html: str) -> dict[str, Any]:
    """The ``jupyter-config-data`` JSON of a JupyterLab or Notebook page."""
    start = html.index('id="jupyter-config-data"')
    start = html.index(">", start) + 1
    config: dict[str, Any] = json.loads(html[start:html.index("</script>", start)])
    return config


def smoke(app: App, screenshot: Path | None = None) -> dict[str, Any]:
    """Run ``frontend/ui-tests/smoke.js`` (Playwright on Chromium) against ``app``; what the
    browser saw (``failures`` lists what went wrong)."""
    argv = ["node", "smoke.js", app.url, app.token, app.kind,
            *([str(screenshot)] if screenshot else [])]
    result = subprocess.run(argv, cwd=UI_TESTS, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CHROMIUM_PATH": str(CHROMIUM)}, check=False)
    lines = result.stdout.strip().splitlines()
    try:
        seen: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        seen = {"failures": [f"smoke.js exited with {result.returncode}: "
                             f"{result.stdout[-2000:]}{result.stderr[-2000:]}"]}
    return seen


def _wait_for_url(process: subprocess.Popen[bytes], runtime: Path, log: Path) -> str:
    """The URL in ``jpserver-<pid>.json`` once the server answers ``GET api/status``."""
    info = runtime / f"jpserver-{process.pid}.json"
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n"
                               f"{log.read_text(errors='replace')[-4000:]}")
        try:
            url = str(json.loads(info.read_text())["url"])
            with _NO_PROXY.open(url.rstrip("/") + "/api/status", timeout=5):
                pass
        except urllib.error.HTTPError:  # 403: it answers (the token is not sent here)
            return url if url.endswith("/") else url + "/"
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
            continue
        return url if url.endswith("/") else url + "/"
    raise RuntimeError(f"the server did not start in {_STARTUP_S:g} s:\n"
                       f"{log.read_text(errors='replace')[-4000:]}")


if __name__ == "__main__":  # manual check: python -m tests.jupyter.ui.served lab|notebook
    import tempfile

    with tempfile.TemporaryDirectory() as work, \
            jupyter_app(Path(sys.executable), sys.argv[1], Path(work)) as running:
        print(json.dumps(smoke(running), indent=1))
