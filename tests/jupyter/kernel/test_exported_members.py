"""The public names of the kernel-side packages are curated; this pins them."""

from __future__ import annotations

import importlib

import pytest

EXPORTED = {
    "eigen_jupyter.magics": [
        "CellFailed", "EigenMagics", "get_engine", "load_ipython_extension", "use_engine",
    ],
    "eigen_jupyter.widgets": [
        "CircuitDrawing", "ConvergencePlot", "CountsHistogram", "DeviceTable",
        "DiagnosticsReport", "JobTable", "JobView", "ProgramSummary", "ResultView",
        "read_iterations", "to_quantum_circuit",
    ],
}


@pytest.mark.parametrize("module", sorted(EXPORTED))
def test_exported_members(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(EXPORTED[module])
    for name in mod.__all__:
        assert getattr(mod, name).__doc__, f"{module}.{name} has no docstring"
