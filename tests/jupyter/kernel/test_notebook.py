"""Notebooks run by nbclient against a real ipykernel: the magics as a user meets them.

Two notebooks share one engine home: the first submits a Bell job; the second, in a new
kernel (what a restart gives), reads the same job's results back by id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


def run_notebook(cells: list[str], workdir: Path) -> Any:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, kernel_name="python3", timeout=180, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def outputs_of(cell: Any, output_type: str) -> list[Any]:
    return [o for o in cell.outputs if o.output_type == output_type]


def widget_values(nb: Any) -> list[str]:
    """The ``value`` of every widget model the kernel synced (what a browser would show)."""
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    return [str(m["state"].get("value", "")) for m in state.values()]


def test_bell_in_a_notebook_then_results_after_a_restart(tmp_path: Path, programs: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIGEN_HOME", str(tmp_path / "home"))  # inherited by the kernels
    nb = run_notebook([
        "%load_ext eigen_jupyter",
        "%%eigen submit --wait --shots 1000 --seed 1 -o job\n" + programs.bell,
        "counts = job.result().counts\n"
        "assert set(counts) <= {'00', '11'} and sum(counts.values()) == 1000, counts\n"
        "print(job.id, counts)",
    ], tmp_path)

    for cell in nb.cells:
        assert not outputs_of(cell, "error"), cell.outputs
    submit = nb.cells[1]
    shown = [o for o in submit.outputs if o.output_type in ("display_data", "update_display_data")]
    final = shown[-1].data
    assert "DONE" in final["text/plain"] and "image/svg+xml" in final
    assert "application/vnd.jupyter.widget-view+json" in final
    assert any("DONE" in v for v in widget_values(nb))  # live updates reached the frontend
    job_id, _ = outputs_of(nb.cells[2], "stream")[0].text.split(" ", 1)

    later = run_notebook([
        "%load_ext eigen_jupyter",
        f"%eigen results {job_id} -o result",
        "print(json.dumps(result.counts))".replace("json.dumps", "__import__('json').dumps"),
    ], tmp_path)

    for cell in later.cells:
        assert not outputs_of(cell, "error"), cell.outputs
    shown = outputs_of(later.cells[1], "display_data")[0].data
    assert job_id in shown["text/plain"] and "image/svg+xml" in shown
    counts = json.loads(outputs_of(later.cells[2], "stream")[0].text)
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 1000
