"""The side panel's list endpoint with 5,000 jobs in the store (issue 6).

A real ``jupyter server`` subprocess with the Eigen extension serves an engine home that
``Engine.submit_many`` filled beforehand with 5,000 Bell jobs (16 shots each, run to DONE by
that engine, which then closes; the server's engine finds them on start). A keep-alive HTTP
client then times what the panel asks for, each request 60 times after warm-up:

- the first page (``GET jobs?limit=100``): target under 50 ms;
- the last page (``offset=4900``), a state filter and a name search, the same size;
- ``GET jobs?limit=50`` (the panel's default page) and ``GET devices`` (its other poll).

Run: ``.venv/bin/python bench/bench_panel.py`` (figures on stdout, one BENCH-JSON line).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.jupyter.live_server

from harness import Suite

from eigen_engine.engine import Engine
from tests.jupyter.live_server import LiveServer, live_server

ROOT = Path(__file__).parents[1]
BELL = (ROOT / "examples" / "bell" / "program.eigen.py").read_text()
JOBS = 5_000
PAGE = 100
REPEAT = 60
TARGET_MS = 50.0


def prefill(home: Path) -> float:
    """Submit :data:`JOBS` Bell jobs into ``home`` and run them to DONE; return seconds."""
    start = time.perf_counter()
    with Engine(home, workers=2) as engine:
        engine.submit_many(
            {"source": BELL, "seed": i, "shots": 16, "name": f"bell-{i:04d}"}
            for i in range(JOBS)
        )
        deadline = time.monotonic() + 600
        while engine.count_jobs(state="DONE") < JOBS:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {engine.count_jobs(state='DONE')} of {JOBS} jobs "
                                   "finished in 10 minutes")
            time.sleep(0.25)
    return time.perf_counter() - start


class Client:
    """One keep-alive connection to the server, like a browser tab's."""

    def __init__(self, server: LiveServer) -> None:
        parts = urlsplit(server.url)
        self.base = parts.path.rstrip("/") + "/eigen/api/v1/"
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                               timeout=30)
        self.headers = {"Authorization": f"token {server.token}"}

    def get(self, path: str) -> dict[str, object]:
        self.conn.request("GET", self.base + path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        payload: dict[str, object] = json.loads(body)
        return payload

    def close(self) -> None:
        self.conn.close()


def check_page(payload: dict[str, object], size: int, total: int) -> None:
    jobs = payload["jobs"]
    assert isinstance(jobs, list) and len(jobs) == size, (len(jobs), size)
    assert payload["total"] == total, payload["total"]


def main() -> None:
    suite = Suite("panel")
    with tempfile.TemporaryDirectory(prefix="bench-panel-") as tmp:
        seconds = prefill(Path(tmp) / "home")
        suite.note(f"prefilled {JOBS} DONE jobs with Engine.submit_many in {seconds:.1f} s")
        with live_server(Path(tmp), workers=1) as server:
            client = Client(server)
            check_page(client.get(f"jobs?limit={PAGE}"), PAGE, JOBS)
            first = suite.measure(f"GET jobs?limit={PAGE} (first page of {JOBS})",
                                  lambda: client.get(f"jobs?limit={PAGE}"), repeat=REPEAT,
                                  warmup=5)
            check_page(client.get(f"jobs?limit={PAGE}&offset={JOBS - PAGE}"), PAGE, JOBS)
            suite.measure(f"GET jobs?limit={PAGE}&offset={JOBS - PAGE} (last)",
                          lambda: client.get(f"jobs?limit={PAGE}&offset={JOBS - PAGE}"),
                          repeat=REPEAT, warmup=5)
            check_page(client.get(f"jobs?state=DONE&limit={PAGE}"), PAGE, JOBS)
            suite.measure(f"GET jobs?state=DONE&limit={PAGE}",
                          lambda: client.get(f"jobs?state=DONE&limit={PAGE}"), repeat=REPEAT,
                          warmup=5)
            check_page(client.get(f"jobs?search=bell-1&limit={PAGE}"), PAGE, 1000)
            suite.measure(f"GET jobs?search=bell-1&limit={PAGE} (1,000 match)",
                          lambda: client.get(f"jobs?search=bell-1&limit={PAGE}"),
                          repeat=REPEAT, warmup=5)
            suite.measure("GET jobs?limit=50 (the panel's default page)",
                          lambda: client.get("jobs?limit=50"), repeat=REPEAT, warmup=5)
            suite.measure("GET devices", lambda: client.get("devices"), repeat=REPEAT,
                          warmup=5)
            client.close()
    verdict = "meets" if first.p95 * 1e3 < TARGET_MS else "MISSES"
    suite.note(f"first page of {PAGE}: median {first.median * 1e3:.1f} ms, p95 "
               f"{first.p95 * 1e3:.1f} ms: {verdict} the target (< {TARGET_MS:g} ms)")
    suite.note("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    suite.report()


if __name__ == "__main__":
    main()
