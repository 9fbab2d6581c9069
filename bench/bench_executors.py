"""Executor hop cost: a trivial task's round trip on the local pool and on Dask, beside a raw
``distributed`` ``client.submit().result()`` (DESIGN §7: a process hop costs 1.7–4 ms)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Suite

from eigen_engine.qrtx.executors import LocalExecutor, testing

N = 200


def _round_trips(submit: object) -> list[float]:
    times = []
    for i in range(N):
        t0 = time.perf_counter()
        submit(i)  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    suite = Suite("executors")
    local = LocalExecutor(max_workers=2, preload=())
    try:
        local.submit("warm", testing.echo, 0).result(60)
        local_m = suite.record("local pool: trivial task round trip",
                               _round_trips(lambda i: local.submit(f"l{i}", testing.echo, i)
                                            .result(30)))
    finally:
        local.shutdown()
    try:
        from distributed import Client, LocalCluster

        from eigen_engine.qrtx.executors import create_executor
    except ImportError:
        suite.note("dask not installed: skipped the Dask figures")
        suite.report()
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(testing.echo, 0, pure=False).result()
        raw = suite.record("raw distributed client.submit().result()",
                           _round_trips(lambda i: client.submit(testing.echo, i, pure=False)
                                        .result()))
        dask = create_executor("dask", client_or_address=client, preload=())
        try:
            dask.submit("warm", testing.echo, 0).result(60)
            ours = suite.record("DaskExecutor: trivial task round trip",
                                _round_trips(lambda i: dask.submit(f"d{i}", testing.echo, i)
                                             .result(60)))
        finally:
            dask.shutdown()
        suite.ratio("DaskExecutor / raw distributed", ours, raw, target="close to 1")
    suite.note(f"local pool median {local_m.median * 1e3:.3f} ms (DESIGN §7 hop: 1.7-4 ms)")
    suite.report()


if __name__ == "__main__":
    main()
