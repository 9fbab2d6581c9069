"""The project's own install (``make setup``, ``make ui-build``): both extensions enabled."""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.jupyter.ui.frontend import FRONTEND, requires_frontend
from tests.packaging.extension_lists import assert_enabled_and_ok, extension_lists

pytestmark = [requires_frontend]


def test_jupyter_lists_both_extensions_enabled_and_ok(labextension: Path,
                                                      tmp_path: Path) -> None:
    listing = extension_lists(Path(sys.executable).parent, tmp_path)
    assert_enabled_and_ok(
        listing,
        npm_version=json.loads((FRONTEND / "package.json").read_text())["version"],
        python_version=version("eigen-jupyter"),
    )


@pytest.mark.parametrize("name", ["package.json", "install.json", "static/style.js"])
def test_the_labextension_is_built(labextension: Path, name: str) -> None:
    assert (labextension / name).is_file()
