"""Layers point one way, and importing the engine never pulls in qiskit, qiskit_aer or cirq."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# A package may import only packages at the same level or below it.
ORDER = ["ir", "compiler", "qrtx", "qfs", "drivers", "runtime", "engine", "remote", "cli"]
ALLOWED: dict[str, set[str]] = {
    "ir": {"ir", "errors"},
    "compiler": {"ir", "compiler", "errors"},
    "qfs": {"ir", "qfs", "errors", "qrtx"},
    "qrtx": {"ir", "compiler", "qrtx", "qfs", "drivers", "errors", "jobspec"},
    "drivers": {"ir", "drivers", "errors"},
    "runtime": {"ir", "compiler", "drivers", "runtime", "errors", "qrtx", "qfs"},
}

# Top-level modules of eigen_engine that sit above the packages.
MODULE_ALLOWED: dict[str, set[str]] = {
    "submission": {"compiler", "drivers", "errors", "jobspec", "qfs", "qrtx", "runtime"},
    "job": {"qfs", "qrtx", "engine"},
    "engine": {"compiler", "drivers", "errors", "ir", "jobspec", "job", "qfs", "qrtx",
               "runtime", "submission"},
    "remote": {"compiler", "drivers", "engine", "errors", "ir", "jobspec", "job", "qfs",
               "qrtx"},
}


def _engine_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "eigen_engine."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("eigen_engine."):
                    found.add(a.name.split(".")[1])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_downwards(layer: str) -> None:
    folder = ROOT / "eigen_engine" / layer
    if not folder.exists():
        pytest.skip(f"{layer} not built yet")
    bad = {}
    for path in folder.rglob("*.py"):
        extra = _engine_imports(path) - ALLOWED[layer]
        if extra:
            bad[str(path.relative_to(ROOT))] = sorted(extra)
    assert bad == {}


def _module_files(module: str) -> list[Path]:
    """The file of a top-level module, or every file of it once it is a package."""
    package = ROOT / "eigen_engine" / module
    if package.is_dir():
        return sorted(package.rglob("*.py"))
    return [ROOT / "eigen_engine" / f"{module}.py"]


@pytest.mark.parametrize("module", sorted(MODULE_ALLOWED))
def test_top_level_modules_import_only_lower_layers(module: str) -> None:
    files = _module_files(module)
    assert files, f"eigen_engine/{module} has no Python files"
    allowed = MODULE_ALLOWED[module] | {module}  # a package's modules may import each other
    bad = {}
    for path in files:
        extra = _engine_imports(path) - allowed
        if extra:
            bad[str(path.relative_to(ROOT))] = sorted(extra)
    assert bad == {}


def test_eigen_lang_does_not_import_the_engine_at_import_time() -> None:
    code = ("import sys, eigen_lang; "
            "print(sorted(m for m in sys.modules if m.startswith('eigen_engine')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["eigen_engine", "eigen_engine.compiler", "eigen_engine.cli",
                                    "eigen_lang", "eigen_engine.drivers", "eigen_engine.qfs",
                                    "eigen_engine.qrtx", "eigen_engine.engine"])
def test_no_simulator_imports(module: str) -> None:
    code = (f"import sys, importlib\nimportlib.import_module({module!r})\n"
            "print(sorted(m for m in ('qiskit', 'qiskit_aer', 'cirq', 'distributed')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0 and "No module named" in out.stderr:
        pytest.skip(f"{module} not built yet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
