"""Importing the drivers package imports no simulator; each driver imports only its own."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("qiskit", "qiskit_aer", "cirq")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "code",
    [
        "import eigen_engine",
        "import eigen_engine.drivers",
        "from eigen_engine.drivers import parse_noise, available_drivers, DeviceInfo\n"
        "parse_noise('depolarizing:0.1+readout:0.02'); available_drivers()",
    ],
    ids=["engine", "drivers", "noise-and-registry"],
)
def test_light_imports_pull_in_no_simulator(code: str) -> None:
    assert _loaded_after(code).isdisjoint(HEAVY)


def test_resolving_aer_does_not_import_cirq() -> None:
    loaded = _loaded_after("from eigen_engine.drivers import resolve_target\nresolve_target('aer')")
    assert {"qiskit", "qiskit_aer"} <= loaded
    assert "cirq" not in loaded
