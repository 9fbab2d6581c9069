"""The Jupyter server path against the embedded engine, and the server under load (issue 5).

(a) ``%%eigen submit --wait`` of a Bell program (1,024 shots) through a real ``jupyter
    server`` subprocess, against the embedded engine's own submit -> DONE
    (``engine.submit(...).result()``); one engine worker on each side. The magic runs in an
    in-process IPython ``InteractiveShell`` whose magics use a ``RemoteEngine`` on the server
    (what a kernel started by that server gets): the time includes the job view, its
    WebSocket subscription, the REST round trips and rendering every display (the PNG
    histogram too); only sending the outputs over ZMQ is missing. Target: median overhead
    at most 15 ms. Two more rows split the overhead: ``RemoteEngine.submit().result()``
    (REST only) and the same magic over the embedded engine (the magic's own cost).
(b) Load: 20 REST clients (threads, one ``RemoteEngine`` each) submit 100 Bell jobs each
    (64 shots), then wait for them, while ``GET /api/status`` of Jupyter is polled every
    10 ms: wall time, jobs/s, ``POST jobs`` latency, and the status latency (target: p95
    under 100 ms), with the idle status latency for reference.

Run: ``.venv/bin/python bench/bench_server.py`` (figures on stdout, one BENCH-JSON line);
``EIGEN_BENCH_PARTS=a`` (or ``b``) runs only that part.
The machine's load average is printed with the figures: other work on the machine moves them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # for tests.jupyter.live_server

from harness import Suite

from eigen_engine.engine import Engine
from eigen_engine.qrtx.states import JobState
from eigen_engine.remote import RemoteEngine
from tests.jupyter.live_server import LiveServer, StatusPoller, live_server, run_load

ROOT = Path(__file__).parents[1]
BELL = (ROOT / "examples" / "bell" / "program.eigen.py").read_text()
SHOTS = 1024
REPEAT = 40
CLIENTS = 20
JOBS_EACH = 100
LOAD_SHOTS = 64


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def magic_shell() -> Any:
    """An IPython shell with ``%load_ext eigen_jupyter`` done."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "eigen_jupyter")
    return shell


def magic_submit(shell: Any, engine: Any) -> None:
    """``%%eigen submit --wait`` of the Bell program, its displays captured."""
    from IPython.utils.capture import capture_output

    from eigen_jupyter.magics import use_engine

    use_engine(engine)
    with capture_output():
        shell.run_cell_magic("eigen", f"submit --wait --shots {SHOTS} --seed 1 -o job", BELL)
    job = shell.user_ns.pop("job")
    assert engine.status(job.id).state is JobState.DONE


def per_job(suite: Suite, server: LiveServer, engine: Engine) -> None:
    remote = RemoteEngine(server.url, server.token)
    shell = magic_shell()
    for warm in (engine, remote):  # start the workers, fill the compile caches
        warm.submit(BELL, seed=1, shots=SHOTS).result(120)

    embedded = suite.measure(
        "embedded: engine.submit().result()",
        lambda: engine.submit(BELL, seed=1, shots=SHOTS).result(60), repeat=REPEAT, warmup=3)
    rest = suite.measure(
        "server: RemoteEngine.submit().result()",
        lambda: remote.submit(BELL, seed=1, shots=SHOTS).result(60), repeat=REPEAT, warmup=3)
    magic_local = suite.measure(
        "%%eigen submit --wait, embedded engine", lambda: magic_submit(shell, engine),
        repeat=REPEAT, warmup=3)
    magic_remote = suite.measure(
        "%%eigen submit --wait, through the server", lambda: magic_submit(shell, remote),
        repeat=REPEAT, warmup=3)
    suite.note(f"overhead of %%eigen submit --wait through the server over the embedded "
               f"submit -> DONE: {(magic_remote.median - embedded.median) * 1e3:.1f} ms median "
               f"(target <= 15 ms)")
    suite.note(f"  of which REST (RemoteEngine vs embedded): "
               f"{(rest.median - embedded.median) * 1e3:.1f} ms; the magic's own cost "
               f"(embedded): {(magic_local.median - embedded.median) * 1e3:.1f} ms; the "
               f"magic's extra through the server: "
               f"{(magic_remote.median - magic_local.median) * 1e3:.1f} ms")
    suite.note(load_average())
    remote.close()


def load(suite: Suite, server: LiveServer) -> None:
    idle = StatusPoller(server)
    idle.start()
    time.sleep(3)
    idle.stop()
    suite.record("GET /api/status, idle server", idle.latencies)

    started_load = os.getloadavg()[0]
    run = run_load(server, BELL, clients=CLIENTS, jobs_each=JOBS_EACH, shots=LOAD_SHOTS)
    assert not run.errors, run.errors[:5]
    assert set(run.states.values()) == {"DONE"} and len(run.states) == CLIENTS * JOBS_EACH
    assert run.status is not None and set(run.status.codes) == {200}
    status = suite.record(f"GET /api/status during {CLIENTS}x{JOBS_EACH} jobs",
                          run.status.latencies)
    suite.record("POST jobs during the load", run.submit_latencies)
    suite.note(f"load: {run.summary()}")
    suite.note(f"/api/status p95 {status.p95 * 1e3:.1f} ms (target < 100 ms)")
    suite.note(f"{load_average()} (1-min {started_load:.2f} when the load began)")


def main() -> None:
    suite = Suite("server")
    parts = os.environ.get("EIGEN_BENCH_PARTS", "ab")
    suite.note(f"before: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        if "a" in parts:
            with live_server(Path(tmp) / "a", workers=1) as server, \
                    Engine(Path(tmp) / "embedded", workers=1) as engine:
                per_job(suite, server, engine)
        if "b" in parts:
            with live_server(Path(tmp) / "b", workers=1) as server:
                load(suite, server)
    suite.report()


if __name__ == "__main__":
    main()
