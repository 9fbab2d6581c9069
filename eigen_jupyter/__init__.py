"""Eigen for Jupyter: the server extension, ``%%eigen`` magics, widgets and the side panel.

Importing this package is cheap: the server extension (and jupyter_server's ``ServerApp``),
the magics and the simulators load only when Jupyter or IPython asks for them.
"""

from __future__ import annotations

from typing import Any

from eigen_engine import __version__

__all__ = [
    "__version__",
    "_jupyter_labextension_paths",
    "_jupyter_server_extension_points",
    "load_ipython_extension",
]

LABEXTENSION_NAME = "@eigen-jupyter/labextension"
"""npm name of the side-panel labextension (``share/jupyter/labextensions/<name>``)."""


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Where jupyter_server finds the extension app (imported only when the server asks)."""
    from eigen_jupyter.app import EigenApp

    return [{"module": "eigen_jupyter.app", "app": EigenApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt side panel (``labextension/``, built from
    ``frontend/``)."""
    return [{"src": "labextension", "dest": LABEXTENSION_NAME}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext eigen_jupyter``: register the ``%eigen`` / ``%%eigen`` magics."""
    from eigen_jupyter.magics import load_ipython_extension as load

    load(ipython)
