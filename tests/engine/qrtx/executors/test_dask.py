"""What is particular to DaskExecutor: preload plugin, scheduler setting, owned clients."""

from __future__ import annotations

import time
from typing import Any

import pytest

from eigen_engine.qrtx.executors import create_executor, testing

distributed = pytest.importorskip("distributed")

from eigen_engine.qrtx.executors.dask import DaskExecutor  # noqa: E402


def test_preload_runs_on_every_worker(dask_client: Any) -> None:
    executor = DaskExecutor(dask_client, preload=("colorsys",))
    try:
        deadline = time.monotonic() + 30
        while not all(dask_client.run(testing.imported, "colorsys").values()):
            assert time.monotonic() < deadline, "the preload plugin did not run"
            time.sleep(0.05)
    finally:
        executor.shutdown()


def test_workers_whose_task_dies_are_not_retried(dask_executor: DaskExecutor) -> None:
    def allowed_failures(dask_scheduler: Any) -> int:
        return int(dask_scheduler.allowed_failures)

    client: Any = dask_executor.client
    assert client.run_on_scheduler(allowed_failures) == 0


def test_nannies_give_workers_one_thread(dask_executor: DaskExecutor) -> None:
    future = dask_executor.submit("omp", testing.environ, "OMP_NUM_THREADS")
    assert future.result(timeout=30) == "1"


def test_an_address_gets_a_client_of_its_own(dask_client: Any) -> None:
    executor = create_executor("dask", client_or_address=dask_client.scheduler.address, preload=())
    assert isinstance(executor, DaskExecutor)
    assert executor.client is not dask_client
    assert executor.submit("own", testing.echo, "x").result(timeout=30) == "x"
    executor.shutdown()
    assert executor.client.status == "closed"
    assert dask_client.status == "running"


def test_a_client_that_was_given_stays_open(dask_client: Any) -> None:
    executor = DaskExecutor(dask_client, preload=())
    executor.shutdown()
    assert dask_client.status == "running"
    with pytest.raises(RuntimeError, match="shut down"):
        executor.submit("late", testing.echo, 1)


def test_rejects_what_is_not_a_client() -> None:
    with pytest.raises(TypeError, match=r"distributed\.Client"):
        DaskExecutor(42, preload=())  # type: ignore[arg-type]
