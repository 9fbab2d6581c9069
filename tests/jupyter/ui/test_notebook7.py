"""The side panel in Notebook 7 (``jupyter notebook``): its shell has no ``ILabShell``, which
the plugin only uses when present. Chromium opens the file browser page of a plain
``jupyter notebook`` from the project's venv and runs the panel's command there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.jupyter.ui.frontend import requires_chromium, requires_frontend
from tests.jupyter.ui.served import jupyter_app, page_config, smoke

pytestmark = [pytest.mark.slow, requires_frontend, requires_chromium]

LABEXTENSION = "@eigen-jupyter/labextension"


def test_the_plugin_activates_in_notebook_7_and_opens_the_panel(labextension: Path,
                                                                 ui_test_deps: Path,
                                                                 tmp_path: Path) -> None:
    with jupyter_app(Path(sys.executable), "notebook", tmp_path) as app:
        status, body = app.get("tree")
        assert status == 200, app.log_tail()
        config = page_config(body.decode())
        assert config["appName"] == "Jupyter Notebook"
        assert LABEXTENSION in {e["name"] for e in config["federated_extensions"]}

        seen = smoke(app, tmp_path / "notebook7.png")
    assert not seen["failures"], seen
    assert seen["activated"], seen
    assert seen["commandLabel"] == "Open Eigen Jobs Panel"
    assert seen["status"] == "live" and seen["devices"] > 0, seen
