"""The teaching notebooks run top to bottom in a kernel of a real Jupyter server.

Each notebook is copied into the root of a ``jupyter server`` with the Eigen extension
(``tests/jupyter/live_server.py``) and executed by nbclient in a kernel the server started,
as JupyterLab would, so the magics talk to the server's engine. A test fails on any error
output, then checks the notebook's key values from a probe cell appended to it (the
notebooks' own ``assert`` cells run too): Bell counts only ``00``/``11``, the GHZ counts, the
calibration, the VQE energy within 5% of an exact ground energy recomputed here, the best
QAOA cut against a brute-force maximum cut, identical counts for a job rerun from its stored
files and every ``meta.json`` hash recomputed from the server's disk, and the sweep, many-job,
priority, cancel and Dask results of notebook 6.

Cheap static checks keep the committed files honest: outputs stripped, and every plot with
labelled axes and a title.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from functools import reduce
from hashlib import sha256
from importlib.util import find_spec
from itertools import product
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient

from tests.jupyter.live_server import LiveServer, live_server

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01-first-circuit.ipynb", "02-superposition-and-noise.ipynb",
         "03-variational-eigensolver.ipynb", "04-qaoa-maxcut.ipynb",
         "05-safety-and-reproducibility.ipynb", "06-sweeps-and-scale.ipynb"]

HEARTBEAT_S = 10.0  # how long a kernel may leave a heartbeat unanswered before it counts as dead

PROBE = """\
import json as _json
from eigen_jupyter.magics import get_engine as _get_engine
print("PROBE " + _json.dumps({"engine": type(_get_engine()).__name__, **{name: value
      for name, value in {PROBES}.items()}}, default=float))
"""

PROBES = {
    "01-first-circuit.ipynb": "{'counts': dict(bell.result().counts), 'id': bell.id, "
                              "'again': dict(again.counts)}",
    "02-superposition-and-noise.ipynb": "{'aer': dict(aer), 'cirq': dict(cirq), "
                                        "'noisy': dict(noisy), 'cirq_noisy': dict(cirq_noisy), "
                                        "'figures': dict(figures)}",
    "03-variational-eigensolver.ipynb": "{'energy': vqe.result().outputs['energy'], "
                                        "'exact': float(exact), 'rows': rows}",
    "04-qaoa-maxcut.ipynb": "{'best_bits': best_bits, 'best_value': best_value, "
                            "'max_cut': max_cut, 'edges': EDGES, 'weights': WEIGHTS, "
                            "'job_graph': [out['edges'], out['weights']], 'ratios': ratios, "
                            "'hit_rates': hit_rates}",
    "05-safety-and-reproducibility.ipynb": "{'first': first_counts, 'rerun': rerun_counts, "
                                           "'other': other_counts, "
                                           "'ids': [first.id, rerun.id], 'checks': checks, "
                                           "'rejected': rejected}",
    "06-sweeps-and-scale.ipynb": "{'sweep': {k: out[k] for k in ('angles', 'exact', "
                                 "'sampled')}, 'states': [r.state.value for r in records], "
                                 "'server_counts': server_counts, 'urgent': urgent.state.value, "
                                 "'cancelled': doomed.state.value, 'overtaken': int(overtaken), "
                                 "'dask': None if distributed is None else {'states': "
                                 "[r.state.value for r in dask_records], 'counts': dask_counts}}",
}


# -- running ----------------------------------------------------------------------------------


class ServerKernel:
    """What nbclient needs of a kernel manager, for a kernel the server owns."""

    has_kernel = True

    def __init__(self, server: LiveServer, kernel_id: str) -> None:
        self.kernel_id = kernel_id
        self.connection_file = server.runtime_dir / f"kernel-{kernel_id}.json"

    def client(self) -> AsyncKernelClient:
        kc = AsyncKernelClient()
        kc.load_connection_file(str(self.connection_file))
        # A client without a kernel manager waits for the kernel by its heartbeat, and gives
        # up ("Kernel died before replying to kernel_info") after one ping unanswered for the
        # default 1 s: a kernel still starting on a loaded 2-core machine misses that.
        kc.hb_channel.time_to_dead = HEARTBEAT_S
        return kc

    async def is_alive(self) -> bool:
        return True

    async def shutdown_kernel(self, now: bool = False) -> None:
        """Nothing: the server owns the kernel; :func:`execute` deletes it over REST."""

    def cleanup_resources(self) -> None:
        """Nothing to clean up here (nbclient calls it after a failed start)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    with live_server(root, workers=2) as running:
        yield running


def execute(server: LiveServer, name: str) -> tuple[Any, dict[str, Any]]:
    """Run notebook ``name`` (plus a probe cell) in a fresh server kernel; return the executed
    notebook and what the probe printed."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.replace("{PROBES}", PROBES[name])))
    status, kernel = server.request("POST", "api/kernels",
                                    {"name": "python3", "path": "notebooks"})
    assert status == 201, (kernel, server.log_tail())
    client = NotebookClient(nb, km=ServerKernel(server, kernel["id"]), kernel_name="python3",
                            timeout=120, startup_timeout=60, allow_errors=True)
    try:
        client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        server.request("DELETE", f"api/kernels/{kernel['id']}")
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (name, index, output.get("ename"),
                                                   output.get("evalue"), cell.source[:200])
            if output.output_type == "stream":
                assert output.name != "stderr" or "Traceback" not in output.text, output.text
                assert "no Eigen server found" not in output.text, (name, output.text)
    lines = [line for output in nb.cells[-1].outputs if output.output_type == "stream"
             for line in output.text.splitlines() if line.startswith("PROBE ")]
    assert lines, nb.cells[-1].outputs
    probe = json.loads(lines[-1][len("PROBE "):])
    assert probe["engine"] == "RemoteEngine", probe  # the server's engine, not an embedded one
    return nb, probe


def exact_ising_ground_energy(n: int, coupling: float, field: float) -> float:
    """Lowest eigenvalue of ``J sum Z_i Z_i+1 + h sum X_i`` on an open chain, by numpy."""
    eye, x, z = np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]]), np.diag([1.0, -1.0])

    def on(ops: dict[int, Any]) -> Any:
        return reduce(np.kron, [ops.get(k, eye) for k in range(n)])

    h = sum(coupling * on({i: z, i + 1: z}) for i in range(n - 1))
    h = h + sum(field * on({i: x}) for i in range(n))
    return float(np.linalg.eigvalsh(h)[0])


def cut_weight(edges: list[list[int]], weights: list[float], sides: tuple[int, ...]) -> float:
    """Total weight of the edges whose nodes are on different sides."""
    return sum(w for (i, j), w in zip(edges, weights, strict=True) if sides[i] != sides[j])


def brute_force_max_cut(edges: list[list[int]], weights: list[float]) -> float:
    """The maximum cut of a weighted graph, over every split of its nodes."""
    nodes = 1 + max(max(edge) for edge in edges)
    return max(cut_weight(edges, weights, sides) for sides in product((0, 1), repeat=nodes))


# -- the notebooks ----------------------------------------------------------------------------


@pytest.mark.slow
def test_01_first_circuit(server: LiveServer) -> None:
    nb, probe = execute(server, NAMES[0])
    counts = probe["counts"]
    assert counts and set(counts) <= {"00", "11"}, counts
    assert sum(counts.values()) == 1000 and min(counts.values()) > 400, counts
    assert probe["again"] == counts
    status, listing = server.request("GET", "eigen/api/v1/jobs")
    assert status == 200
    states = {job["id"]: job["state"] for job in listing["jobs"]}
    assert states.get(probe["id"]) == "DONE"  # the job is the server's (the side panel's)
    drawing = [o for o in nb.cells[10].outputs if o.output_type == "display_data"]
    assert drawing and "q_0" in drawing[0].data["text/plain"]  # %%eigen compile drew it


@pytest.mark.slow
def test_02_superposition_and_noise(server: LiveServer) -> None:
    _, probe = execute(server, NAMES[1])
    ideal = {"0000", "1111"}
    for name in ("aer", "cirq"):
        assert set(probe[name]) == ideal and sum(probe[name].values()) == 2000, probe[name]
    for name in ("noisy", "cirq_noisy"):
        wrong = sum(v for k, v in probe[name].items() if k not in ideal)
        assert 0.05 < wrong / 2000 < 0.3, probe[name]  # ~11.5% from readout alone
    figures = probe["figures"]
    assert figures["readout_error"] == pytest.approx(0.03, abs=0.015)
    assert figures["depolarizing_1q"] == pytest.approx(0.02, abs=0.015)


@pytest.mark.slow
def test_03_variational_eigensolver(server: LiveServer) -> None:
    _, probe = execute(server, NAMES[2])
    exact = exact_ising_ground_energy(4, -1.0, 0.5)
    assert probe["exact"] == pytest.approx(exact, abs=1e-9)
    assert probe["energy"] >= exact - 1e-9  # variational: never below the ground energy
    assert abs(probe["energy"] - exact) / abs(exact) < 0.05, (probe["energy"], exact)
    rows = probe["rows"]
    assert {(r[0], r[1]) for r in rows} == {(m, d) for m in ("cobyla", "nelder-mead",
                                                             "l-bfgs-b") for d in (1, 2)}
    assert all(r[4] >= exact - 1e-9 for r in rows), rows


@pytest.mark.slow
def test_04_qaoa_maxcut(server: LiveServer) -> None:
    _, probe = execute(server, NAMES[3])
    edges, weights = probe["edges"], probe["weights"]
    assert probe["job_graph"] == [edges, weights]  # the job solved the graph that was drawn
    exact = brute_force_max_cut(edges, weights)
    assert probe["max_cut"] == exact
    # Qiskit bit order: qubit (node) 0 is the rightmost character.
    best_sides = tuple(int(bit) for bit in reversed(probe["best_bits"]))
    assert cut_weight(edges, weights, best_sides) == probe["best_value"] == exact
    random_split = sum(weights) / 2 / exact  # each edge is cut with probability 1/2
    ratios = probe["ratios"]
    assert len(ratios) == 3 and all(random_split < r <= 1 + 1e-9 for r in ratios), ratios
    assert ratios[-1] > ratios[0], ratios
    nodes = len(best_sides)
    assert probe["hit_rates"][-1] > 2 / 2**nodes  # 3 layers beat guessing a maximum cut


@pytest.mark.slow
def test_05_safety_and_reproducibility(server: LiveServer) -> None:
    _, probe = execute(server, NAMES[4])
    assert probe["rerun"] == probe["first"] and sum(probe["first"].values()) == 1000
    assert probe["other"] != probe["first"]  # another seed, another sample
    rejected = probe["rejected"]
    assert rejected and all(codes for codes in rejected.values()), rejected
    assert all(c.startswith("E5") for what in ("loop a billion times", "build a gigantic number")
               for c in rejected[what]), rejected
    checks = probe["checks"]
    assert {(job_id, name) for job_id, name, _, _ in checks} == {
        (job_id, name) for job_id in probe["ids"]
        for name in ("compiled.aqo.json", "compiled.qasm", "job.yaml", "program.eigen.py",
                     "results.json")}
    assert all(recorded == recomputed for _, _, recorded, recomputed in checks), checks
    # Recomputed here too, from the files on the server's disk, not through the engine.
    for job_id in probe["ids"]:
        folder = server.home / "circuit_fs" / job_id
        meta = json.loads((folder / "meta.json").read_text())
        assert meta["seeds"]["job"] == 42, meta["seeds"]
        for name, entry in meta["artifacts"].items():
            assert sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"], name


@pytest.mark.slow
def test_06_sweeps_and_scale(server: LiveServer) -> None:
    _, probe = execute(server, NAMES[5])
    angles, exact, sampled = (np.array(probe["sweep"][k]) for k in ("angles", "exact",
                                                                     "sampled"))
    assert len(angles) == 41
    assert np.allclose(exact, np.cos(angles), atol=1e-9)
    sigma = np.sqrt((1 - np.cos(angles) ** 2) / 200)  # 200 shots per angle
    assert np.all(np.abs(sampled - np.cos(angles)) <= 5 * sigma + 0.02), sampled
    states, counts = probe["states"], probe["server_counts"]
    assert len(states) >= 20 and set(states) == {"DONE"}, states
    assert all(sum(c.values()) == 400 for c in counts), counts
    assert probe["urgent"] == "DONE" and probe["overtaken"] >= 1, probe["overtaken"]
    assert probe["cancelled"] == "CANCELLED"
    if find_spec("distributed") is None:
        assert probe["dask"] is None
        return
    dask = probe["dask"]
    assert dask is not None and set(dask["states"]) == {"DONE"}, dask
    assert dask["counts"] == counts  # the job seed fixes the simulator, whatever the executor


# -- the committed files ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_stripped(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]
    assert nb.cells[0].cell_type == "markdown"  # explains before it computes


@pytest.mark.parametrize("name", NAMES)
def test_every_plot_has_labelled_axes_and_a_title(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        plots = len(re.findall(r"plt\.subplots\(|plt\.figure\(", cell.source))
        for call in ("set_xlabel(", "set_ylabel(", "set_title("):
            assert cell.source.count(call) >= plots, (call, cell.source[:120])
