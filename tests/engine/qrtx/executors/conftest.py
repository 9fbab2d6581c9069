"""Fixtures for the executor tests: one local pool and one Dask cluster per session."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator

import pytest

from eigen_engine.qrtx.executors import Executor, LocalExecutor

WORKERS = 2
GRACE = 1.0  # seconds a cancelled task has to stop before its worker is ended


@pytest.fixture(scope="session")
def local_executor() -> Iterator[LocalExecutor]:
    """A two-worker local pool without preload (tests import nothing heavy)."""
    executor = LocalExecutor(max_workers=WORKERS, preload=(), cancel_grace=GRACE)
    yield executor
    executor.shutdown(wait=True, cancel=True)


@pytest.fixture(scope="session")
def dask_client() -> Iterator[object]:
    """A client of a two-process LocalCluster with one thread per worker."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=WORKERS,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def dask_executor(dask_client: object) -> Iterator[Executor]:
    """A DaskExecutor over the session's cluster."""
    from eigen_engine.qrtx.executors.dask import DaskExecutor

    executor = DaskExecutor(dask_client, preload=(), cancel_grace=GRACE)  # type: ignore[arg-type]
    yield executor
    executor.shutdown(wait=True, cancel=True)


@pytest.fixture(params=["local", "dask"])
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    """Each executor in turn; after the test, nothing of it may still be running."""
    executor: Executor = request.getfixturevalue(f"{request.param}_executor")
    yield executor
    deadline = time.monotonic() + 10
    while executor.running() and time.monotonic() < deadline:
        for task_id in executor.running():
            executor.cancel(task_id)
        time.sleep(0.05)
    assert not executor.running(), f"tasks left running: {executor.running()}"


@pytest.fixture
def pool_size() -> int:
    """How many workers each shared executor has."""
    return WORKERS


@pytest.fixture
def cancel_grace() -> float:
    """The shared executors' grace period for a cancelled task."""
    return GRACE


@pytest.fixture
def new_id(request: pytest.FixtureRequest) -> Callable[[], str]:
    """Make task ids unique across the session's shared executors."""
    counter = itertools.count()
    prefix = request.node.name.replace("[", "-").rstrip("]")
    return lambda: f"{prefix}-{next(counter)}"
