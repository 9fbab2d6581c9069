"""docs/drivers.md works as written: its example driver installs, lists and runs a job.

The page's code blocks whose first line is ``# <file name>`` are written to a temporary
project. The project is installed with ``pip install --no-deps --no-build-isolation
--target`` (or, without hatchling, given the ``*.dist-info`` with ``entry_points.txt`` that
pip would write). The ``eigen`` command then runs in a subprocess with that directory on
``PYTHONPATH`` and a temporary ``EIGEN_HOME``: ``eigen devices --json`` must list the new
device, and a Bell program submitted to it must come back with counts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eigen_engine.drivers import ENTRY_POINT_GROUP, QDriver
from eigen_engine.errors import DeviceNotFound, InvalidArgument, ResourceExhausted
from eigen_engine.ir import PauliSum, circuit_from_aqo

DOC = Path(__file__).parents[2] / "docs" / "drivers.md"
_FILE_BLOCK = re.compile(r"^```(?:python|toml)\n# ([\w.\-]+)\n(.*?)^```",
                         re.MULTILINE | re.DOTALL)
BELL = {"version": "1.0.0", "qubits": 2,
        "operations": [{"op": "H", "q": [0]}, {"op": "CX", "q": [0, 1]}]}


def doc_files() -> dict[str, str]:
    """``{file name: text}`` of every block of the page that names its file."""
    return {m.group(1): m.group(2) for m in _FILE_BLOCK.finditer(DOC.read_text("utf-8"))}


def test_the_page_holds_a_complete_project() -> None:
    files = doc_files()
    assert {"pyproject.toml", "eigen_toy.py", "bell.eigen.py"} <= set(files)
    project = tomllib.loads(files["pyproject.toml"])
    assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {
        "toy": "eigen_toy:ToyDriver"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, installed into a directory of its own (returned)."""
    root = tmp_path_factory.mktemp("driver-doc")
    project = root / "eigen-toy-driver"
    project.mkdir()
    for name, text in doc_files().items():
        (project / name).write_text(text, encoding="utf-8")
    site = root / "site"
    if importlib.util.find_spec("hatchling") is not None:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
             "--no-index", "--quiet", "--disable-pip-version-check", "--target", str(site),
             str(project)],
            capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    else:  # what pip would write: the module and a dist-info with the entry points
        _fake_install(project, site)
    assert (site / "eigen_toy.py").exists()
    return site


def _fake_install(project: Path, site: Path) -> None:
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir(parents=True)
    (site / "eigen_toy.py").write_text((project / "eigen_toy.py").read_text())
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    lines = [f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
             for group, eps in meta["entry-points"].items()]
    (info / "entry_points.txt").write_text("\n".join(lines))


@pytest.fixture(scope="module")
def toy(installed: Path) -> Iterator[Any]:
    """The example driver class, imported from the installed copy."""
    spec = importlib.util.spec_from_file_location("eigen_toy_doc", installed / "eigen_toy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.ToyDriver


def test_the_example_driver_keeps_the_contract(toy: Any) -> None:
    driver = toy()
    assert isinstance(driver, QDriver)
    assert [d.id for d in driver.get_devices()] == ["toy:statevector"]
    result = driver.execute_circuit("toy:statevector", BELL, 1000, {"seed": 3})
    assert set(result.counts) <= {"00", "11"} and result.shots == 1000
    again = driver.execute_circuit("toy:statevector", BELL, 1000, {"seed": result.seed})
    assert again.counts == result.counts
    x0 = {"version": "1.0.0", "qubits": 3, "operations": [
        {"op": "X", "q": [0]}, {"op": "MEASURE", "q": [0, 1, 2], "c": [0, 1, 2]}]}
    assert driver.execute_circuit("toy:statevector", x0, 10, {"seed": 1}).counts == {"001": 10}
    values = driver.expectation_values(
        "toy:statevector", circuit_from_aqo(BELL),
        [PauliSum.from_labels({"ZZ": 1.0}), PauliSum.from_labels({"XX": 0.5, "IZ": 1.0})],
        [[]])
    assert np.allclose(values, [[1.0, 0.5]])
    with pytest.raises(DeviceNotFound):
        driver.get_device_status("toy:other")
    with pytest.raises(InvalidArgument):
        driver.execute_circuit("toy:statevector", BELL, 10, {"noise_model": "readout:0.1"})
    wide = {"version": "1.0.0", "qubits": 5, "operations": [{"op": "H", "q": [4]}]}
    with pytest.raises(ResourceExhausted):
        driver.execute_circuit("toy:statevector", wide, 10)


_CLI = "import sys; from eigen_engine.cli import main; sys.exit(main())"
"""The ``eigen`` command, run by this interpreter (the console script may not be on PATH)."""


def _eigen(args: list[str], site: Path, home: Path, cwd: Path) -> Any:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EIGEN_SERVER") and k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(site), EIGEN_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", _CLI, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.mark.timeout(180)
def test_the_installed_driver_shows_in_eigen_devices_and_runs_a_job(
        installed: Path, tmp_path: Path) -> None:
    program = tmp_path / "bell.eigen.py"
    program.write_text(doc_files()["bell.eigen.py"], encoding="utf-8")
    home = tmp_path / "home"
    listed = _eigen(["devices", "--json"], installed, home, tmp_path)
    toy = [d for d in listed["devices"] if d["driver"] == "toy"]
    assert [d["id"] for d in toy] == ["toy:statevector"]
    assert toy[0]["num_qubits"] == 4 and toy[0]["status"] == "ONLINE"
    job = _eigen(["submit", str(program), "--target", "toy:statevector", "--shots", "400",
                  "--seed", "5", "--wait", "--json"], installed, home, tmp_path)
    assert job["state"] == "DONE", job
    counts = job["results"]["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 400
    assert job["results"]["metadata"]["device_id"] == "toy:statevector"
