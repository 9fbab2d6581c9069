"""A bad submission raises the right error, with a message naming the bad value and the fix,
and leaves nothing behind: no job directory in QFS and no record in the index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eigen_engine import Engine
from eigen_engine.errors import (
    CompileError,
    DeviceNotFound,
    EigenError,
    ErrorCode,
    InvalidArgument,
    JobNotFound,
    JobSpecError,
    ResourceExhausted,
)
from eigen_engine.qfs.atomic import TEMP_SUFFIX
from tests.engine.enginetools import EXAMPLES, EngineFactory, scheduler_held

BELL_SOURCE = (EXAMPLES / "bell" / "program.eigen.py").read_text()

WIDE_SOURCE = """\
from eigen_lang import QubitRegister, h, hybrid_program, measure_all

@hybrid_program
def wide():
    q = QubitRegister(40)
    for i in range(40):
        h(q[i])
    measure_all()
"""

BROKEN_SOURCE = """\
from eigen_lang import h, hybrid_program

@hybrid_program
def broken():
    h(0)
    foo(1)
"""

JOB_HEAD = "apiVersion: eigen.os/v1\nkind: QuantumJob\n"


@dataclass(frozen=True)
class Case:
    """One bad submission: how to make it, and what it must raise."""

    submit: Callable[[Path], dict[str, Any]]  # job-file directory -> Engine.submit kwargs
    error: type[EigenError]
    code: ErrorCode
    words: tuple[str, ...]  # the message names the field, the bad value and the fix
    fields: tuple[str, ...] = ()  # detail fields that must be present


def job_file(directory: Path, text: str, *, with_program: bool = True) -> str:
    """Write ``job.yaml`` (and the Bell program next to it); return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    if with_program:
        (directory / "program.eigen.py").write_text(BELL_SOURCE)
    path = directory / "job.yaml"
    path.write_text(text)
    return str(path)


VALID_SPEC = (
    "metadata:\n  name: bad\nspec:\n  target: simulator\n  program:\n"
    "    path: program.eigen.py\n"
)

CASES = {
    "malformed-yaml": Case(
        lambda d: {"spec": job_file(d, JOB_HEAD + "metadata:\n  name: x\nspec: [unclosed\n")},
        JobSpecError, ErrorCode.INVALID_ARGUMENT,
        ("job.yaml", "valid YAML", "line 6"),  # PyYAML: where the stream ended unclosed
    ),
    "missing-fields": Case(
        lambda d: {"spec": job_file(d, JOB_HEAD + "spec:\n  target: simulator\n",
                                    with_program=False)},
        JobSpecError, ErrorCode.INVALID_ARGUMENT,
        ("metadata", "is required", "spec.program"),
        ("metadata", "spec.program.path"),
    ),
    "negative-shots-in-job-file": Case(
        lambda d: {"spec": job_file(d, JOB_HEAD + VALID_SPEC + "  shots: -5\n")},
        JobSpecError, ErrorCode.INVALID_ARGUMENT,
        ("spec.shots", "-5", "positive integer"),
        ("spec.shots",),
    ),
    "negative-shots-flag": Case(
        lambda d: {"source": BELL_SOURCE, "shots": -5},
        InvalidArgument, ErrorCode.INVALID_ARGUMENT,
        ("shots", "-5", "positive integer"),
        ("flags.shots",),
    ),
    "unknown-target": Case(
        lambda d: {"source": BELL_SOURCE, "target": "aer:quantum"},
        DeviceNotFound, ErrorCode.NOT_FOUND,
        ("aer:quantum", "did you mean", "Known targets"),
    ),
    "compile-error": Case(
        lambda d: {"source": BROKEN_SOURCE},
        CompileError, ErrorCode.INVALID_ARGUMENT,
        ("foo", "not defined", ":6:"),
    ),
    "too-many-qubits-for-memory": Case(
        lambda d: {"source": WIDE_SOURCE, "target": "aer"},
        ResourceExhausted, ErrorCode.RESOURCE_EXHAUSTED,
        ("40 qubits", "GiB", "aer:mps"),
        ("qubits",),
    ),
    "missing-dependency": Case(
        lambda d: {"source": BELL_SOURCE, "dependencies": ["j-0123456789ab"]},
        JobNotFound, ErrorCode.NOT_FOUND,
        ("j-0123456789ab", "does not exist", "spec.dependencies"),
        ("spec.dependencies",),
    ),
    "malformed-dependency": Case(
        lambda d: {"source": BELL_SOURCE, "dependencies": ["../../etc"]},
        InvalidArgument, ErrorCode.INVALID_ARGUMENT,
        ("'../../etc'", "not a job id", "j-0123456789ab"),
        ("dependencies",),
    ),
}


def snapshot(engine: Engine, home: Path) -> tuple[set[str], list[str], int]:
    """Job directories in QFS, job ids in the index, and the number of files in QFS."""
    root = home / "circuit_fs"
    dirs = {p.name for p in root.iterdir()} if root.is_dir() else set()
    files = sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0
    return dirs, sorted(r.id for r in engine.jobs(limit=1000)), files


@pytest.fixture
def idle_engine(make_engine: EngineFactory, home: Path) -> Iterator[Engine]:
    """An engine with one accepted job, whose scheduler never gets the lease (so no worker
    starts and nothing runs); closed before the lease is released."""
    with scheduler_held(home):
        engine = make_engine()
        engine.submit(BELL_SOURCE, seed=1)
        yield engine
        engine.close()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_submission_is_refused_and_writes_nothing(
    idle_engine: Engine, home: Path, tmp_path: Path, case: Case
) -> None:
    before = snapshot(idle_engine, home)
    assert len(before[1]) == 1
    kwargs = case.submit(tmp_path / "jobdir")
    with pytest.raises(case.error) as raised:
        idle_engine.submit(**kwargs)
    error = raised.value
    assert error.code is case.code
    assert error.exit_code == 2  # a user error for the CLI
    for word in case.words:
        assert word in error.message, (word, error.message)
    fields = {d.field for d in error.details}
    assert set(case.fields) <= fields, fields
    assert snapshot(idle_engine, home) == before
    assert not list(home.rglob(f"*{TEMP_SUFFIX}"))


def test_submit_many_with_one_bad_request_submits_none(
    idle_engine: Engine, home: Path
) -> None:
    if not hasattr(idle_engine, "submit_many"):
        pytest.skip("Engine.submit_many is not available")
    before = snapshot(idle_engine, home)
    requests = [{"source": BELL_SOURCE, "seed": 1}, {"source": BELL_SOURCE, "seed": 2},
                {"source": BELL_SOURCE, "shots": 0}]
    with pytest.raises(InvalidArgument) as raised:
        idle_engine.submit_many(requests)
    assert "request #2" in raised.value.message
    assert snapshot(idle_engine, home) == before


def test_dependency_that_already_failed_is_refused(idle_engine: Engine, home: Path) -> None:
    doomed = idle_engine.submit(BELL_SOURCE, seed=2)
    doomed.cancel()
    before = snapshot(idle_engine, home)
    with pytest.raises(EigenError) as raised:
        idle_engine.submit(BELL_SOURCE, dependencies=[doomed.id])
    assert raised.value.code is ErrorCode.FAILED_PRECONDITION
    assert doomed.id in raised.value.message and "CANCELLED" in raised.value.message
    assert snapshot(idle_engine, home) == before
