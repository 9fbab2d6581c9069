"""What is particular to LocalExecutor: worker set-up, start failures, shutdown, the hop."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from eigen_engine.qrtx.executors import (
    LocalExecutor,
    TaskCancelled,
    WorkerCrashed,
    cancel_requested,
    create_executor,
    current_task_id,
    report_progress,
    testing,
)


def test_construction_does_not_wait_for_workers_and_first_task_runs() -> None:
    executor = LocalExecutor(max_workers=2, preload=("colorsys",))
    try:
        assert executor.submit("t", testing.echo, 1).result(timeout=30) == 1
    finally:
        executor.shutdown()


def test_defaults_to_one_worker_per_core() -> None:
    executor = LocalExecutor(preload=())
    try:
        assert executor.max_workers == (os.cpu_count() or 1)
    finally:
        executor.shutdown()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"max_workers": 0}, ValueError, id="no-workers"),
        pytest.param({"cancel_grace": -1}, ValueError, id="negative-grace"),
        pytest.param({"initializer": lambda: None}, TypeError, id="lambda-initializer"),
    ],
)
def test_rejects_bad_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        LocalExecutor(preload=(), **kwargs)  # type: ignore[arg-type]


def test_workers_run_numeric_libraries_single_threaded(local_executor: LocalExecutor) -> None:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert local_executor.submit(f"env-{name}", testing.environ, name).result(30) == "1"


def test_env_overrides_the_thread_defaults() -> None:
    with LocalExecutor(max_workers=1, preload=(), env={"OMP_NUM_THREADS": "3"}) as executor:
        assert executor.submit("t", testing.environ, "OMP_NUM_THREADS").result(30) == "3"


def test_preload_imports_modules_before_the_first_task(local_executor: LocalExecutor) -> None:
    assert local_executor.submit("no-preload", testing.imported, "colorsys").result(30) is False
    with LocalExecutor(max_workers=1, preload=("colorsys",)) as executor:
        assert executor.submit("t", testing.imported, "colorsys").result(30) is True


def test_a_preload_that_fails_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING),
        LocalExecutor(max_workers=1, preload=("no_such_module_xyz",)) as executor,
    ):
        assert executor.submit("t", testing.echo, 5).result(30) == 5
    assert "no_such_module_xyz" in caplog.text


def test_initializer_runs_in_each_worker() -> None:
    with LocalExecutor(
        max_workers=1, preload=(), initializer=testing.set_marker, initargs=("set",)
    ) as executor:
        assert executor.submit("t", testing.marker).result(30) == "set"


def test_workers_that_cannot_start_fail_tasks_instead_of_hanging() -> None:
    with LocalExecutor(
        max_workers=1, preload=(), initializer=testing.raise_in_initializer
    ) as executor:
        with pytest.raises(WorkerCrashed, match="initializer failed on purpose"):
            executor.submit("t-1", testing.echo, 1).result(timeout=30)
        with pytest.raises(WorkerCrashed, match="fail to start"):
            executor.submit("t-2", testing.echo, 2).result(timeout=5)


def test_a_task_must_be_picklable(local_executor: LocalExecutor) -> None:
    with pytest.raises(TypeError, match="picklable"):
        local_executor.submit("lambda", lambda: 1)
    with pytest.raises(TypeError, match="picklable"):
        local_executor.submit("lock-arg", testing.echo, threading.Lock())
    assert "lambda" not in local_executor.running()


def test_an_unpicklable_result_fails_the_task(local_executor: LocalExecutor) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        local_executor.submit("bad-result", testing.unpicklable_result).result(timeout=30)


def test_an_empty_task_id_is_refused(local_executor: LocalExecutor) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        local_executor.submit("", testing.echo, 1)


def test_a_worker_killed_from_outside_names_the_signal(local_executor: LocalExecutor) -> None:
    pids: list[int] = []
    future = local_executor.submit(
        "oom-victim", testing.sleep_ignoring_cancel, 60.0, on_progress=lambda _: pids.append(1)
    )
    deadline = time.monotonic() + 15
    while "oom-victim" not in local_executor.running() or not pids:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    worker_pids = {local_executor.submit(f"probe-{i}", testing.pid).result(30) for i in range(4)}
    victims = [pid for pid in _children() if pid not in worker_pids]
    assert len(victims) == 1
    os.kill(victims[0], signal.SIGKILL)
    with pytest.raises(WorkerCrashed, match=r"SIGKILL.*out-of-memory") as info:
        future.result(timeout=30)
    assert info.value.returncode == -signal.SIGKILL


def _children() -> list[int]:
    """The local workers among this process's children (Linux: read from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    command = cmdline.read()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and b"executors.worker import main" in command:
                pids.append(int(entry))
    return pids


def test_submit_after_shutdown_is_an_error() -> None:
    executor = LocalExecutor(max_workers=1, preload=())
    executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.submit("t", testing.echo, 1)


def test_shutdown_lets_queued_tasks_finish() -> None:
    executor = LocalExecutor(max_workers=1, preload=())
    futures = [executor.submit(f"t-{i}", testing.hold, 0.05) for i in range(3)]
    executor.shutdown(wait=True)
    assert all(f.done() and len(f.result()) == 3 for f in futures)


def test_shutdown_with_cancel_stops_running_and_queued_tasks() -> None:
    executor = LocalExecutor(max_workers=1, preload=(), cancel_grace=0.2)
    pid = executor.submit("pid", testing.pid).result(30)
    running = executor.submit("running", testing.sleep_ignoring_cancel, 60.0)
    queued = executor.submit("queued", testing.echo, 1)
    began = time.monotonic()
    executor.shutdown(wait=True, cancel=True)
    assert time.monotonic() - began < 5
    for future in (running, queued):
        with pytest.raises(TaskCancelled):
            future.result(timeout=0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_workers_exit_when_the_engine_process_dies() -> None:
    script = textwrap.dedent(
        """
        import os, time
        from eigen_engine.qrtx.executors import LocalExecutor, testing
        ex = LocalExecutor(max_workers=1, preload=())
        print(ex.submit("pid", testing.pid).result(30), flush=True)
        ex.submit("sleep", testing.sleep_ignoring_cancel, 60.0)
        time.sleep(0.3)
        os._exit(0)  # no shutdown, no atexit: as if the engine was killed
        """
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    worker = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(worker):
        assert time.monotonic() < deadline, "a worker outlived its engine process"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_task_helpers_are_no_ops_outside_a_worker() -> None:
    report_progress({"iteration": 1})
    assert cancel_requested() is False
    assert current_task_id() is None


def test_a_progress_object_must_be_picklable(local_executor: LocalExecutor) -> None:
    with pytest.raises(TypeError, match="progress object must be picklable"):
        local_executor.submit("bad-progress", testing.report_lock).result(timeout=30)


def test_create_executor_by_kind() -> None:
    executor = create_executor("local", max_workers=1, preload=())
    try:
        assert isinstance(executor, LocalExecutor)
    finally:
        executor.shutdown()
    with pytest.raises(ValueError, match="unknown executor kind 'ray'"):
        create_executor("ray")
