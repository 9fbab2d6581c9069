"""The executor contract, run against every executor (local pool and Dask)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

import pytest

from eigen_engine.errors import EigenError, JobCancelled, JobFailed
from eigen_engine.qrtx.executors import (
    Executor,
    RemoteTraceback,
    TaskCancelled,
    TaskFailed,
    WorkerCrashed,
    testing,
)

NewId = Callable[[], str]


def start_sleeper(
    executor: Executor, task_id: str, fn: Callable[..., str] = testing.sleep_until_cancelled
) -> Future[Any]:
    """Submit a long task and return once it runs (it reports progress when it starts)."""
    started = threading.Event()
    future = executor.submit(task_id, fn, 60.0, on_progress=lambda _: started.set())
    assert started.wait(15), f"{task_id} did not start"
    return future


def test_is_an_executor(executor: Executor) -> None:
    assert isinstance(executor, Executor)


def test_max_workers_counts_worker_slots(executor: Executor, pool_size: int) -> None:
    assert executor.max_workers == pool_size


def test_returns_the_value(executor: Executor, new_id: NewId) -> None:
    assert executor.submit(new_id(), testing.echo, {"a": [1, 2.5]}).result(timeout=30) == {
        "a": [1, 2.5]
    }


def test_runs_many_small_tasks(executor: Executor, new_id: NewId) -> None:
    futures = [executor.submit(new_id(), testing.echo, i) for i in range(200)]
    assert [f.result(timeout=60) for f in futures] == list(range(200))


def test_propagates_the_exception_as_itself(executor: Executor, new_id: NewId) -> None:
    future = executor.submit(new_id(), testing.fail, "boom")
    with pytest.raises(ValueError, match="boom") as info:
        future.result(timeout=30)
    assert isinstance(info.value.__cause__, RemoteTraceback)
    assert "fail" in str(info.value.__cause__)


def test_wraps_an_exception_that_cannot_travel(executor: Executor, new_id: NewId) -> None:
    with pytest.raises(TaskFailed) as info:
        executor.submit(new_id(), testing.fail_unpicklable, "detail").result(timeout=30)
    assert info.value.exc_type.endswith("UnpicklableError")
    assert "error 7: detail" in str(info.value)
    assert "fail_unpicklable" in info.value.traceback


def test_progress_arrives_in_order_before_the_result(executor: Executor, new_id: NewId) -> None:
    seen: list[int] = []
    threads: set[str] = set()

    def on_progress(obj: int) -> None:
        seen.append(obj)
        threads.add(threading.current_thread().name)

    assert (
        executor.submit(new_id(), testing.count_progress, 50, on_progress=on_progress).result(
            timeout=30
        )
        == 50
    )
    assert seen == list(range(50))  # all delivered by the time the future resolves
    assert threading.current_thread().name not in threads


def test_cancel_of_a_queued_task(executor: Executor, new_id: NewId, pool_size: int) -> None:
    sleepers = [start_sleeper(executor, new_id()) for _ in range(pool_size)]
    queued_id = new_id()
    queued = executor.submit(queued_id, testing.echo, "never")
    assert queued_id not in executor.running()
    assert executor.cancel(queued_id)
    with pytest.raises(TaskCancelled):
        queued.result(timeout=10)
    for sleeper_id in list(executor.running()):
        executor.cancel(sleeper_id)
    done, _ = wait(sleepers, timeout=10)
    assert len(done) == pool_size


def test_cancel_of_a_running_task_that_checks(
    executor: Executor, new_id: NewId, cancel_grace: float
) -> None:
    task_id = new_id()
    future = start_sleeper(executor, task_id)
    assert task_id in executor.running()
    began = time.monotonic()
    assert executor.cancel(task_id)
    with pytest.raises(TaskCancelled) as info:
        future.result(timeout=10)
    assert time.monotonic() - began < cancel_grace  # it stopped itself: nobody waited for the grace
    assert info.value.task_id == task_id
    assert isinstance(info.value, JobCancelled)
    assert task_id not in executor.running()
    assert executor.submit(new_id(), testing.echo, "next").result(timeout=30) == "next"


def test_cancel_of_a_running_task_that_ignores_it(
    executor: Executor, new_id: NewId, cancel_grace: float
) -> None:
    task_id = new_id()
    future = start_sleeper(executor, task_id, testing.sleep_ignoring_cancel)
    began = time.monotonic()
    assert executor.cancel(task_id)
    with pytest.raises(TaskCancelled):
        future.result(timeout=cancel_grace + 10)
    assert time.monotonic() - began < cancel_grace + 5
    assert executor.submit(new_id(), testing.echo, "next").result(timeout=30) == "next"


def test_cancel_of_an_unknown_task_is_false(executor: Executor, new_id: NewId) -> None:
    assert executor.cancel("no-such-task") is False
    task_id = new_id()
    executor.submit(task_id, testing.echo, 1).result(timeout=30)
    assert executor.cancel(task_id) is False


def test_a_task_id_is_unique_while_unfinished(executor: Executor, new_id: NewId) -> None:
    task_id = new_id()
    future = start_sleeper(executor, task_id)
    with pytest.raises(ValueError, match="already"):
        executor.submit(task_id, testing.echo, 1)
    executor.cancel(task_id)
    with pytest.raises(TaskCancelled):
        future.result(timeout=10)
    assert executor.submit(task_id, testing.echo, 2).result(timeout=30) == 2


def test_a_worker_that_exits_fails_only_its_task(executor: Executor, new_id: NewId) -> None:
    task_id = new_id()
    others = [executor.submit(new_id(), testing.hold, 0.2) for _ in range(3)]
    with pytest.raises(WorkerCrashed) as info:
        executor.submit(task_id, testing.exit_process, 3).result(timeout=30)
    assert info.value.returncode == 3
    assert f"running task {task_id} exited with code 3" in str(info.value)
    assert isinstance(info.value, JobFailed) and isinstance(info.value, EigenError)
    assert all(len(f.result(timeout=30)) == 3 for f in others)
    assert executor.submit(new_id(), testing.echo, "next").result(timeout=30) == "next"


def test_a_segfault_fails_only_its_task(executor: Executor, new_id: NewId) -> None:
    task_id = new_id()
    crash = executor.submit(task_id, testing.segfault, 0.2)
    others = [executor.submit(new_id(), testing.hold, 0.1) for _ in range(4)]
    with pytest.raises(WorkerCrashed, match=f"running task {task_id} died with signal SIGSEGV"):
        crash.result(timeout=30)
    assert all(len(f.result(timeout=30)) == 3 for f in others)
    assert executor.submit(new_id(), testing.echo, "next").result(timeout=30) == "next"


def test_concurrency_is_bounded_by_max_workers(
    executor: Executor, new_id: NewId, pool_size: int
) -> None:
    futures = [executor.submit(new_id(), testing.hold, 0.25) for _ in range(3 * pool_size)]
    spans = [f.result(timeout=60)[:2] for f in futures]
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert peak <= pool_size
