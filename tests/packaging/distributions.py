"""The sdist and wheel ``python -m build`` makes from this checkout (a pytest fixture)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.jupyter.ui.frontend import ROOT

__all__ = ["Dists", "dists"]


class Dists:
    """What ``python -m build`` made: the sdist, the wheel built from it, and the build log.

    Attributes:
        sdist: ``eigen_jupyter-<version>.tar.gz``.
        wheel: ``eigen_jupyter-<version>-py3-none-any.whl``.
        log: Everything the build printed.
        seconds: How long both builds took.
    """

    def __init__(self, folder: Path, log: str, seconds: float) -> None:
        self.sdist = next(folder.glob("eigen_jupyter-*.tar.gz"))
        self.wheel = next(folder.glob("eigen_jupyter-*-py3-none-any.whl"))
        self.log = log
        self.seconds = seconds


@pytest.fixture(scope="session")
def dists(labextension: Path, tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """``python -m build``: the sdist (the build hook finds the labextension built, so npm
    does not run), then the wheel from the unpacked sdist, each in build's own isolated
    environment (hatchling, hatch-jupyter-builder and jupyter-builder from the index)."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                    f"{os.environ.get('PATH', '')}"},
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        pytest.fail(f"python -m build exited with {result.returncode}:\n"
                    f"{result.stdout[-6000:]}\n{result.stderr[-4000:]}", pytrace=False)
    print(f"python -m build (sdist, then the wheel from it): {seconds:.1f} s")
    return Dists(out, result.stdout + result.stderr, seconds)
