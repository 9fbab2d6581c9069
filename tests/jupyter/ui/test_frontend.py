"""The side panel's own tests, run from pytest: TypeScript unit tests (vitest) and the
browser tests (Galata/Playwright driving Debian's Chromium against a real ``jupyter lab``).

The browser run writes its report to ``frontend/ui-tests/playwright-report/``, the panel
screenshot to ``frontend/ui-tests/test-results/`` and the README images to ``docs/img/``.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from tests.jupyter.ui.frontend import (
    CHROMIUM,
    FRONTEND,
    ROOT,
    requires_chromium,
    requires_frontend,
    run,
)

# Part of `make test`, which installs the npm packages and Chromium first (`make ui-deps`)
# and sets EIGEN_UI_TESTS=1.
pytestmark = [pytest.mark.slow, requires_frontend]


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
@requires_chromium
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
    # The verdict comes from the JSON report: the list output also holds the server's log.
    report = tmp_path / "report.json"
    env["PLAYWRIGHT_JSON_OUTPUT_NAME"] = str(report)
    result = run(["npx", "playwright", "test", "--reporter=list,json,html"], ui_test_deps,
                 timeout=840, env=env)
    stats = json.loads(report.read_text())["stats"]
    assert stats["expected"] > 0, result.stdout[-3000:]
    # "flaky": passed only when retried, which hides a failure worth fixing.
    assert stats["unexpected"] == stats["flaky"] == stats["skipped"] == 0, (
        stats, result.stdout[-3000:])
    shots = list((ui_test_deps / "test-results").rglob("side-panel.png"))
    assert shots, "the panel screenshot was not saved as a test artifact"
    for image in ("side-panel.png", "notebook.png"):
        assert (ROOT / "docs" / "img" / image).stat().st_size > 10_000
