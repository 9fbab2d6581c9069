"""Fixtures of the packaging tests: the frontend build and the distributions."""

from tests.jupyter.ui.frontend import frontend_deps, labextension, ui_test_deps
from tests.packaging.distributions import dists

__all__ = ["dists", "frontend_deps", "labextension", "ui_test_deps"]
