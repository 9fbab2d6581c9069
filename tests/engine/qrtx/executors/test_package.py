"""The executors package's surface: what it exports and what importing it costs."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

import eigen_engine.qrtx.executors as executors
from eigen_engine.qrtx.executors.base import describe_returncode


def test_exported_members() -> None:
    assert sorted(executors.__all__) == [
        "DaskExecutor",
        "Executor",
        "LocalExecutor",
        "ProgressCallback",
        "RemoteTraceback",
        "TaskCancelled",
        "TaskFailed",
        "WorkerCrashed",
        "cancel_requested",
        "create_executor",
        "current_task_id",
        "report_progress",
    ]


def test_importing_the_package_imports_no_heavy_dependency() -> None:
    code = (
        "import sys, eigen_engine.qrtx.executors, eigen_engine.qrtx.executors.testing; "
        "print(sorted(m for m in ('distributed', 'dask', 'qiskit', 'qiskit_aer', 'cirq')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("returncode", "text"),
    [
        pytest.param(-signal.SIGSEGV, "died with signal SIGSEGV", id="segv"),
        pytest.param(-signal.SIGKILL, "out-of-memory", id="kill"),
        pytest.param(3, "exited with code 3", id="exit"),
        pytest.param(None, "died", id="unknown"),
    ],
)
def test_describe_returncode(returncode: int | None, text: str) -> None:
    assert text in describe_returncode(returncode)
