"""The side panel's own tests, run from pytest: TypeScript unit tests (vitest) and the
browser tests (Galata/Playwright driving Debian's Chromium against a real ``jupyter lab``).

The browser run writes its report to ``frontend/ui-tests/playwright-report/``, the panel
screenshot to ``frontend/ui-tests/test-results/`` and the README images to ``docs/img/``.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from tests.jupyter.ui.conftest import FRONTEND, ROOT, run

# The frontend tests need npm packages and (for the browser test) Chromium; they run with
# `make ui-test` (which sets EIGEN_UI_TESTS=1 after `make ui-deps` installed both). They are
# not yet part of `make test`: one unexplained browser failure in eight loaded runs first.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("EIGEN_UI_TESTS") != "1",
                       reason="frontend tests run with `make ui-test` (EIGEN_UI_TESTS=1)"),
]

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_typescript_unit_tests(frontend_deps: Path) -> None:
    result = run(["npm", "test", "--", "--reporter=dot"], FRONTEND, timeout=300)
    assert "passed" in result.stdout


def test_typescript_compiles(frontend_deps: Path) -> None:
    run(["npm", "run", "typecheck"], FRONTEND, timeout=300)


@pytest.mark.timeout(900)
@pytest.mark.skipif(not CHROMIUM.is_file(),
                    reason=f"{CHROMIUM} is missing: `make ui-deps` installs Debian's chromium "
                           "(apt-get install chromium), or set CHROMIUM_PATH")
def test_side_panel_in_a_browser(labextension: Path, ui_test_deps: Path,
                                 tmp_path: Path) -> None:
    env = {
        "EIGEN_UI_PORT": str(free_port()),
        "EIGEN_UI_WORKDIR": str(tmp_path),  # engine home, linked labextension
        "EIGEN_UI_PYTHON": sys.executable,
        "CHROMIUM_PATH": str(CHROMIUM),
        "JUPYTERLAB_GALATA_ROOT_DIR": str(tmp_path / "notebooks"),
    }
    (tmp_path / "notebooks").mkdir()
    result = run(["npx", "playwright", "test", "--reporter=list"], ui_test_deps,
                 timeout=840, env=env)
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-3000:]
    shots = list((ui_test_deps / "test-results").rglob("side-panel.png"))
    assert shots, "the panel screenshot was not saved as a test artifact"
    for image in ("side-panel.png", "notebook.png"):
        assert (ROOT / "docs" / "img" / image).stat().st_size > 10_000
