"""End to end: a notebook in a kernel that a real ``jupyter server`` started.

The kernel is the server's own: started with ``POST /api/kernels`` and restarted with
``POST /api/kernels/{id}/restart``, as JupyterLab does, so it inherits whatever the
extension exported (``EIGEN_SERVER_URL``/``EIGEN_SERVER_TOKEN``). nbclient only talks to it
over its connection file, as a frontend would. The test then proves from the server's side
that the jobs ran there: they are in ``GET /eigen/api/v1/jobs`` with an owner, and the
kernels' ``EIGEN_HOME`` (where an embedded engine would have written) stays empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient

from eigen_engine.remote import RemoteEngine
from tests.jupyter.kernel.conftest import VQE
from tests.jupyter.kernel.test_notebook import outputs_of
from tests.jupyter.live_server import LiveServer, live_server
from tests.jupyter.server.client import BELL

pytestmark = pytest.mark.slow

MINIMUM = -2.0
"""Of the kernel tests' VQE: <Z0> + <X1> (the CNOT leaves both alone), at theta = pi and
phi = -pi/2. Its expectation values are exact, so COBYLA gets within 1e-3."""

SHOTS = 1000

PROBE = """\
import json, os
from eigen_jupyter.magics import get_engine
engine = get_engine()
print(json.dumps({
    "engine": type(engine).__name__, "url": getattr(engine, "url", None),
    "env_url": os.environ.get("EIGEN_SERVER_URL"), "ppid": os.getppid(), "pid": os.getpid(),
    "bell": bell.id, "counts": bell.result().counts,
    "vqe": vqe.id, "outputs": vqe.result().outputs,
}))
"""


class ServerKernel:
    """What nbclient needs of a kernel manager, for a kernel the server owns.

    nbclient starts no kernel when its manager ``has_kernel``, and shuts none down when it
    was handed the manager; it builds its client from ``client()``.
    """

    has_kernel = True

    def __init__(self, server: LiveServer, kernel_id: str) -> None:
        self.kernel_id = kernel_id
        self.connection_file = server.runtime_dir / f"kernel-{kernel_id}.json"

    def client(self) -> AsyncKernelClient:
        kc = AsyncKernelClient()
        kc.load_connection_file(str(self.connection_file))
        return kc

    async def is_alive(self) -> bool:
        return True  # the server watches its kernels; nbclient's heartbeat check still runs


def run_in_server_kernel(server: LiveServer, kernel_id: str, cells: list[str]) -> Any:
    """Execute ``cells`` as a notebook in the server's kernel ``kernel_id``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, km=ServerKernel(server, kernel_id), kernel_name="python3",
                            timeout=180, startup_timeout=60, allow_errors=True)
    try:
        client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    return nb


def assert_no_errors(nb: Any) -> None:
    for cell in nb.cells:
        assert not outputs_of(cell, "error"), cell.outputs
        for stream in outputs_of(cell, "stream"):
            assert "no Eigen server found" not in stream.text, stream.text


def last_printed(cell: Any) -> Any:
    return json.loads(outputs_of(cell, "stream")[-1].text.strip().splitlines()[-1])


def final_text(cell: Any) -> str:
    shown = [o for o in cell.outputs if o.output_type in ("display_data", "update_display_data")]
    assert shown, cell.outputs
    return str(shown[-1].data["text/plain"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("e2e"), workers=1) as running:
        yield running


@pytest.fixture
def kernel_id(server: LiveServer) -> Iterator[str]:
    """A python3 kernel started by the server (shut down afterwards)."""
    status, kernel = server.request("POST", "api/kernels", {"name": "python3"})
    assert status == 201, (kernel, server.log_tail())
    yield kernel["id"]
    server.request("DELETE", f"api/kernels/{kernel['id']}")


def test_notebook_in_a_server_kernel_then_results_after_a_restart(server: LiveServer,
                                                                   kernel_id: str) -> None:
    nb = run_in_server_kernel(server, kernel_id, [
        "%load_ext eigen_jupyter",
        f"%%eigen submit --wait --shots {SHOTS} --seed 1 -o bell\n" + BELL,
        "%%eigen submit --wait --seed 3 -o vqe\n" + VQE,
        PROBE,
    ])

    assert_no_errors(nb)
    assert "DONE" in final_text(nb.cells[1])
    assert "DONE" in final_text(nb.cells[2]) and "energy" in final_text(nb.cells[2])
    seen = last_printed(nb.cells[3])
    # The kernel is the server's child and found the server through what the extension
    # exported to it.
    assert seen["ppid"] == server.process.pid
    assert seen["engine"] == "RemoteEngine"
    assert seen["url"] == seen["env_url"] == server.url
    counts = seen["counts"]
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == SHOTS, counts
    assert abs(counts.get("00", 0) - SHOTS / 2) < 100, counts  # ~6 sigma of a fair split
    assert seen["outputs"]["energy"] == pytest.approx(MINIMUM, abs=0.01)

    # The server's side: both jobs are in its store, DONE, owned by the token's user.
    status, listing = server.request("GET", "eigen/api/v1/jobs")
    assert status == 200
    records = {j["id"]: j for j in listing["jobs"]}
    assert {seen["bell"], seen["vqe"]} <= set(records)
    for job_id in (seen["bell"], seen["vqe"]):
        assert records[job_id]["state"] == "DONE" and records[job_id]["owner"]
    assert records[seen["bell"]]["shots"] == SHOTS
    status, results = server.request("GET", f"eigen/api/v1/jobs/{seen['bell']}/results")
    assert status == 200 and results["results"]["counts"] == counts
    assert not any(server.fallback_home.iterdir())  # no embedded engine ran in the kernel

    # Kernel > Restart (the server's API, as JupyterLab calls it); the job stays readable.
    status, _ = server.request("POST", f"api/kernels/{kernel_id}/restart", timeout=60)
    assert status == 200
    later = run_in_server_kernel(server, kernel_id, [
        "%load_ext eigen_jupyter",
        f"%eigen results {seen['bell']} -o result",
        "import json, os\n"
        "print(json.dumps({'pid': os.getpid(), 'fresh': 'bell' not in globals(), "
        "'counts': result.counts}))",
    ])

    assert_no_errors(later)
    shown = outputs_of(later.cells[1], "display_data")[0].data
    assert seen["bell"] in shown["text/plain"] and "image/svg+xml" in shown
    after = last_printed(later.cells[2])
    assert after["fresh"] and after["pid"] != seen["pid"]  # a new kernel process
    assert after["counts"] == counts


def test_jobs_of_one_kernel_have_one_owner(server: LiveServer) -> None:
    kernel = RemoteEngine(server.url, server.token)  # what a kernel's magics use
    owners = {kernel.submit(BELL, shots=16, seed=n).wait(60).owner for n in range(2)}
    assert len(owners) == 1, owners


def test_submit_many_from_a_server_kernel(server: LiveServer, kernel_id: str) -> None:
    """``get_engine().submit_many`` in a kernel: one batch request, jobs in order, or none."""
    nb = run_in_server_kernel(server, kernel_id, [
        "import json\n"
        "from eigen_jupyter.magics import get_engine\n"
        f"bell = {BELL!r}\n"
        "engine = get_engine()\n"
        "jobs = engine.submit_many({'source': bell, 'seed': s, 'shots': 20 + s, "
        "'priority': 10 * s} for s in range(4))\n"
        "records = [j.wait(60) for j in jobs]\n"
        "before = engine.count_jobs()\n"
        "try:\n"
        "    engine.submit_many([{'source': bell}, {'source': bell, 'shots': 0}])\n"
        "except Exception as exc:\n"
        "    refused = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps({'engine': type(engine).__name__, 'refused': refused,\n"
        "                  'created': engine.count_jobs() - before,\n"
        "                  'jobs': [[r.id, r.state.value, r.shots, r.priority] "
        "for r in records]}))",
    ])

    assert_no_errors(nb)
    seen = last_printed(nb.cells[0])
    assert seen["engine"] == "RemoteEngine"
    assert [job[1:] for job in seen["jobs"]] == [["DONE", 20 + s, 10 * s] for s in range(4)]
    assert seen["refused"].startswith("InvalidArgument: bad job batch: requests[1].shots")
    assert seen["created"] == 0
    for job_id, *_ in seen["jobs"]:  # in the server's store
        assert server.request("GET", f"eigen/api/v1/jobs/{job_id}")[1]["state"] == "DONE"
