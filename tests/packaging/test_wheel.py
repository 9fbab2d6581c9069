"""The built distributions: the sdist carries the prebuilt side panel, and the wheel installs
into a fresh venv with no Node.js on ``PATH`` where ``jupyter lab`` serves the panel and the
panel opens in Chromium and talks to the server extension."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.jupyter.ui.frontend import FRONTEND, requires_chromium, requires_frontend
from tests.jupyter.ui.served import jupyter_app, page_config, smoke
from tests.packaging.distributions import Dists
from tests.packaging.extension_lists import LABEXTENSION, assert_enabled_and_ok, extension_lists

# Building and installing take minutes on a loaded 2-core machine (the first test that needs
# the venv pays for it).
pytestmark = [requires_frontend, pytest.mark.slow, pytest.mark.timeout(900)]

SHARE = f"share/jupyter/labextensions/{LABEXTENSION}"
NPM_VERSION = json.loads((FRONTEND / "package.json").read_text())["version"]


def test_the_sdist_holds_the_built_panel_and_its_sources_but_no_node_modules(
        dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ("eigen_jupyter/labextension/package.json",
                   "eigen_jupyter/labextension/install.json",
                   "eigen_jupyter/labextension/static/style.js",
                   "frontend/package.json", "frontend/package-lock.json",
                   "frontend/install.json", "frontend/src/index.ts",
                   "jupyter-config/jupyter_server_config.d/eigen_jupyter.json"):
        assert needed in names, needed
    unwanted = [n for n in names
                if "node_modules/" in n or n.startswith(("frontend/lib/", ".venv/", ".git/"))
                or "test-results/" in n or "playwright-report/" in n]
    assert not unwanted, unwanted[:10]


def test_neither_build_ran_npm_as_the_panel_was_built(dists: Dists) -> None:
    # Two builds ran the hook: the sdist's (in the checkout) and the wheel's (in the unpacked
    # sdist). Both found the panel built, so neither needed Node.js.
    assert dists.log.count("Skip-if-exists file(s) found") == 2, dists.log[-4000:]
    assert "npm install" not in dists.log


def test_the_wheel_installs_the_panel_and_the_server_config(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
    data = f"eigen_jupyter-{version('eigen-jupyter')}.data/data"
    for needed in (f"{SHARE}/package.json", f"{SHARE}/install.json", f"{SHARE}/static/style.js",
                   "etc/jupyter/jupyter_server_config.d/eigen_jupyter.json"):
        assert f"{data}/{needed}" in names, needed
    assert any(n.startswith(f"{data}/{SHARE}/static/remoteEntry.") for n in names)
    assert not [n for n in names if n.startswith("eigen_jupyter/labextension/")]


@dataclass(frozen=True)
class FreshVenv:
    """A new venv holding the wheel and its dependencies, and a ``PATH`` without Node.js."""

    root: Path
    python: Path
    path: str


@pytest.fixture(scope="module")
def fresh_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """``python -m venv`` + ``pip install <wheel>`` with only the venv's ``bin`` on ``PATH``.

    The dependencies are pinned to the versions of the project's venv (a constraints file from
    ``pip freeze``), so pip finds them in the machine's package index and cache without
    resolving; ``--no-compile`` leaves byte-compiling to first use.
    """
    work = tmp_path_factory.mktemp("fresh-venv")
    root = work / "venv"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    path = str(root / "bin")
    for tool in ("node", "npm", "jlpm"):
        assert shutil.which(tool, path=path) is None, tool
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True, timeout=120).stdout
    constraints = work / "constraints.txt"
    constraints.write_text("".join(f"{line}\n" for line in frozen.splitlines()
                                   if "==" in line and " @ " not in line))
    python = root / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile",
         "--find-links", str(dists.wheel.parent), "-c", str(constraints), str(dists.wheel)],
        env={**_clean_env(), "PATH": path}, capture_output=True, text=True, timeout=900,
        check=False)
    if result.returncode != 0:
        pytest.fail(f"pip install of the wheel failed:\n{result.stdout[-4000:]}\n"
                    f"{result.stderr[-4000:]}", pytrace=False)
    print(f"fresh venv with the wheel: {time.monotonic() - started:.1f} s")
    return FreshVenv(root, python, path)


def _clean_env() -> dict[str, str]:
    """This process's environment minus what would point into the project's venv."""
    return {k: v for k, v in os.environ.items()
            if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
            and not k.startswith("JUPYTER")}


def test_the_fresh_venv_sees_only_its_own_copy_of_the_panel(fresh_venv: FreshVenv,
                                                            tmp_path: Path) -> None:
    code = ("import json, eigen_jupyter; from jupyter_core.paths import jupyter_path; "
            "print(json.dumps([eigen_jupyter.__file__, jupyter_path('labextensions')]))")
    out = subprocess.run([str(fresh_venv.python), "-c", code], capture_output=True, text=True,
                         check=True, timeout=120, cwd=tmp_path,
                         env={**_clean_env(), "PATH": fresh_venv.path,
                              "JUPYTER_DATA_DIR": str(tmp_path / "data")}).stdout
    module, paths = json.loads(out)
    assert Path(module).is_relative_to(fresh_venv.root), module
    assert not [p for p in paths if Path(p).resolve().is_relative_to(FRONTEND.parent)], paths
    assert (fresh_venv.root / SHARE / "static" / "style.js").is_file()
    assert not (fresh_venv.root / SHARE).is_symlink()


def test_jupyter_lists_both_extensions_enabled_and_ok(fresh_venv: FreshVenv,
                                                      tmp_path: Path) -> None:
    listing = extension_lists(fresh_venv.root / "bin", tmp_path, path=fresh_venv.path)
    assert_enabled_and_ok(listing, npm_version=NPM_VERSION,
                          python_version=version("eigen-jupyter"))


@requires_chromium
def test_jupyter_lab_without_node_serves_the_panel_and_it_opens(fresh_venv: FreshVenv,
                                                                 ui_test_deps: Path,
                                                                 tmp_path: Path) -> None:
    with jupyter_app(fresh_venv.python, "lab", tmp_path, path=fresh_venv.path) as app:
        status, body = app.get("lab")
        assert status == 200, app.log_tail()
        federated = {e["name"]: e for e in page_config(body.decode())["federated_extensions"]}
        assert LABEXTENSION in federated, sorted(federated)
        entry = federated[LABEXTENSION]
        assert entry["load"].startswith("static/remoteEntry.")
        served = f"lab/extensions/{LABEXTENSION}/{entry['load']}"
        status, script = app.get(served)
        assert status == 200, served
        assert script == (fresh_venv.root / SHARE / entry["load"]).read_bytes()

        status, body = app.get("eigen/api/v1/version")
        assert status == 200, app.log_tail()
        assert json.loads(body)["eigen_version"] == version("eigen-jupyter")

        seen = smoke(app, tmp_path / "lab-from-wheel.png")
        assert not seen["failures"], seen
        assert seen["activated"] and seen["status"] == "live" and seen["devices"] > 0, seen
