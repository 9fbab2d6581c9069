"""Load: many REST clients submit at once to a real server; Jupyter itself stays responsive.

20 clients (threads, each its own ``RemoteEngine``) submit 100 Bell jobs each against a
``jupyter server`` subprocess, then wait for them. Meanwhile a poller calls Jupyter's own
``GET /api/status`` back to back. Every job must end DONE, no request may fail, and every
status call must answer 200. The status latencies are printed (median, p95) but not asserted
on: timing bounds belong to ``bench/bench_server.py``, not to tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.jupyter.live_server import LiveServer, live_server, run_load
from tests.jupyter.server.client import BELL

pytestmark = pytest.mark.slow

CLIENTS = 20
JOBS_EACH = 100
SHOTS = 64


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("load"), workers=1) as running:
        yield running


def test_concurrent_clients_all_done_while_jupyter_answers(server: LiveServer) -> None:
    run = run_load(server, BELL, clients=CLIENTS, jobs_each=JOBS_EACH, shots=SHOTS)
    print(run.summary())

    assert run.errors == []
    assert len(run.states) == CLIENTS * JOBS_EACH  # every id distinct, every job waited for
    assert set(run.states.values()) == {"DONE"}
    status = run.status
    assert status is not None and status.failures == []
    assert len(status.codes) >= 10  # it really polled while the clients ran
    assert set(status.codes) == {200}

    # The server agrees: all of them, DONE, in its store.
    code, page = server.request("GET", "eigen/api/v1/jobs?state=DONE&limit=0")
    assert code == 200 and page["total"] == CLIENTS * JOBS_EACH
    some = next(iter(run.states))
    code, results = server.request("GET", f"eigen/api/v1/jobs/{some}/results")
    counts = results["results"]["counts"]
    assert code == 200 and set(counts) <= {"00", "11"} and sum(counts.values()) == SHOTS
