"""The frontend's npm packages and build, for the tests that need them (pytest fixtures).

Both steps are what ``make ui-deps`` does; doing them here when they are missing lets a
plain ``pytest`` on a fresh clone run the frontend tests too (Node.js and npm are required,
Chromium only for the browser tests). The conftests of ``tests/jupyter/ui`` and
``tests/packaging`` import the fixtures from here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = [
    "BUILT",
    "CHROMIUM",
    "FRONTEND",
    "ROOT",
    "UI_TESTS",
    "frontend_deps",
    "labextension",
    "npm_env",
    "run",
    "ui_test_deps",
]

ROOT = Path(__file__).resolve().parents[3]
FRONTEND = ROOT / "frontend"
UI_TESTS = FRONTEND / "ui-tests"
BUILT = ROOT / "eigen_jupyter" / "labextension"
SOURCES = ("src", "style", "schema", "package.json")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# The tests that need npm packages, a build and (for the browser tests) Chromium run with
# EIGEN_UI_TESTS=1, as `make test` sets after `make ui-deps` installed all of them.
requires_frontend = pytest.mark.skipif(
    os.environ.get("EIGEN_UI_TESTS") != "1",
    reason="frontend and packaging tests run with `make test` (EIGEN_UI_TESTS=1)")
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"{CHROMIUM} is missing: `make ui-deps` installs Debian's chromium "
           "(apt-get install chromium), or set CHROMIUM_PATH")


def npm_env() -> dict[str, str]:
    """The environment for npm: no browser download, the project's Python first on PATH
    (the labextension build runs ``jupyter-builder`` from it)."""
    env = dict(os.environ)
    env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run(argv: list[str], cwd: Path, timeout: float,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command (``env`` added to :func:`npm_env`); fail the test with its output if it
    fails."""
    result = subprocess.run(argv, cwd=cwd, env={**npm_env(), **(env or {})},
                            capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} (in {cwd}) exited with {result.returncode}:\n"
                    f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}", pytrace=False)
    return result


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: the frontend tests need Node.js 20 and npm "
                    "(Debian: apt-get install nodejs npm)", pytrace=False)
    return npm


def _newest_source() -> float:
    stamps = [
        p.stat().st_mtime
        for name in SOURCES
        for p in ([FRONTEND / name] if (FRONTEND / name).is_file()
                  else (FRONTEND / name).rglob("*"))
        if p.is_file()
    ]
    return max(stamps)


@pytest.fixture(scope="session")
def frontend_deps() -> Path:
    """``frontend/node_modules``, installed from the lock file when missing.

    ``npm install`` rather than ``npm ci``: the lock lacks the optional platform binaries of
    rspack and rollup for other platforms when the registry has none for the locked version,
    and ``npm ci`` refuses such a lock as out of sync. ``npm install`` installs exactly the
    locked versions and leaves the lock as it is.
    """
    if not (FRONTEND / "node_modules" / ".package-lock.json").is_file():
        run([_npm(), "install", "--no-audit", "--no-fund"], FRONTEND, timeout=600)
    return FRONTEND


@pytest.fixture(scope="session")
def labextension(frontend_deps: Path) -> Path:
    """The built labextension, rebuilt when a source is newer than the build."""
    built = BUILT / "package.json"
    if not built.is_file() or built.stat().st_mtime < _newest_source():
        run([_npm(), "run", "build"], FRONTEND, timeout=600)
    return BUILT


@pytest.fixture(scope="session")
def ui_test_deps() -> Path:
    """``frontend/ui-tests/node_modules`` (Galata, Playwright; no browser download)."""
    if not (UI_TESTS / "node_modules" / ".package-lock.json").is_file():
        run([_npm(), "ci", "--no-audit", "--no-fund"], UI_TESTS, timeout=600)
    return UI_TESTS
