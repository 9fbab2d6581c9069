"""The engine runs jobs on a Dask cluster (a real LocalCluster) exactly as on the local pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigen_engine.engine import Engine
from eigen_engine.qrtx.states import JobState

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).parents[2]
BELL = (ROOT / "examples" / "bell" / "program.eigen.py").read_text()
SWEEP_LIKE = """
from eigen_lang import hybrid_program, Param, ry, Observable, ExpectationValue, minimize

@hybrid_program(seed=3)
def tiny():
    theta = Param("theta", 0.3)
    ry(0, theta=theta)
    energy = ExpectationValue(observable=Observable(Z=0))
    result = minimize(energy, [0.3], method="cobyla", max_iter=40)
    return {"energy": result.optimal_value}
"""


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


def test_jobs_run_on_a_dask_cluster(tmp_path: Path, client) -> None:  # type: ignore[no-untyped-def]
    from eigen_engine.qrtx.executors import create_executor

    executor = create_executor("dask", client_or_address=client)
    with Engine(tmp_path, executor=executor) as engine:
        bell = engine.submit(BELL, seed=5, shots=400)
        hybrid = engine.submit(SWEEP_LIKE)
        counts = bell.result(timeout=180).counts
        outputs = hybrid.result(timeout=180).outputs
        assert counts is not None and set(counts) <= {"00", "11"}
        assert sum(counts.values()) == 400
        assert outputs["energy"] == pytest.approx(-1.0, abs=1e-3)
        # Progress and iteration records come back from the Dask worker too.
        assert engine.status(hybrid.id).progress.evaluations > 0
        lines = engine.artifact(hybrid.id, "iterations.jsonl").splitlines()
        assert len(lines) == engine.status(hybrid.id).progress.evaluations
        assert engine.status(bell.id).state is JobState.DONE


def test_dask_without_an_address_runs_on_a_local_cluster_it_stops(tmp_path: Path) -> None:
    # executor="dask" alone starts a LocalCluster with the first job and stops it on close();
    # its workers send results back to be stored here (they might not share this disk).
    engine = Engine(tmp_path, executor="dask", workers=1)
    try:
        job = engine.submit(BELL, seed=9, shots=300)
        counts = job.result(timeout=180).counts
        assert counts is not None and set(counts) <= {"00", "11"}
        assert engine._store.verify(job.id) == []
        address = engine._cluster.scheduler_address
    finally:
        engine.close()
    with pytest.raises((OSError, TimeoutError)):
        distributed.Client(address, timeout=2)
