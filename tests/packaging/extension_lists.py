"""What ``jupyter labextension list`` and ``jupyter server extension list`` say about Eigen."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Listing", "assert_enabled_and_ok", "extension_lists"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
LABEXTENSION = "@eigen-jupyter/labextension"
SERVER_EXTENSION = "eigen_jupyter"


@dataclass(frozen=True)
class Listing:
    """The lines about Eigen in both listings (colours stripped), and the full outputs."""

    labextension: list[str]
    server_extension: list[str]
    output: str


def extension_lists(bin_dir: Path, tmp: Path, path: str | None = None) -> Listing:
    """Run both listings with the ``jupyter`` of ``bin_dir``, the user-level Jupyter dirs
    pointing into ``tmp`` (so only what the environment installed counts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), NO_COLOR="1")
    if path is not None:
        env["PATH"] = path
    outputs = []
    for argv in (["labextension", "list"], ["server", "extension", "list"]):
        result = subprocess.run([str(bin_dir / "jupyter"), *argv], env=env, capture_output=True,
                                text=True, timeout=120, check=True)
        outputs.append(_ANSI.sub("", result.stdout + result.stderr))
    lab, server = outputs
    return Listing(
        labextension=[line.strip() for line in lab.splitlines() if LABEXTENSION in line],
        server_extension=[line.strip() for line in server.splitlines()
                          if re.match(rf"\s*(- Validating )?{SERVER_EXTENSION}\b", line)],
        output=lab + server,
    )


def assert_enabled_and_ok(listing: Listing, *, npm_version: str, python_version: str) -> None:
    """Both extensions listed once, enabled, at the given versions, and validated OK; the
    labextension's ``install.json`` names the Python package that installed it."""
    assert len(listing.labextension) == 1, listing.output
    assert listing.labextension[0] == (f"{LABEXTENSION} v{npm_version} enabled OK "
                                       "(python, eigen-jupyter)"), listing.output
    assert f"{SERVER_EXTENSION} enabled" in listing.server_extension, listing.output
    assert f"{SERVER_EXTENSION} {python_version} OK" in listing.server_extension, \
        listing.output
