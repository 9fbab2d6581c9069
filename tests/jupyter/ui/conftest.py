"""Fixtures of the frontend tests (defined in :mod:`tests.jupyter.ui.frontend`)."""

from tests.jupyter.ui.frontend import frontend_deps, labextension, ui_test_deps

__all__ = ["frontend_deps", "labextension", "ui_test_deps"]
