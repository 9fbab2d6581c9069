"""Fixtures for the QFS tests: a real SQLite index and real directories under tmp_path."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eigen_engine.qfs.artifacts import ArtifactStore
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qrtx.records import JobRecord, new_job_id
from eigen_engine.qrtx.states import JobState

MakeRecord = Callable[..., JobRecord]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[JobIndex]:
    """A fresh job index in ``tmp_path/jobs.sqlite``."""
    with JobIndex(tmp_path / "jobs.sqlite") as idx:
        yield idx


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    """An artifact store under ``tmp_path``."""
    return ArtifactStore(tmp_path)


@pytest.fixture
def make_record() -> MakeRecord:
    """Build a record with a fresh id and increasing ``created_at`` (newest = made last)."""
    clock = itertools.count(1000)

    def make(**overrides: Any) -> JobRecord:
        created = float(next(clock))
        fields: dict[str, Any] = {
            "id": new_job_id(),
            "name": "job",
            "created_at": created,
            "state": JobState.PENDING,
        }
        fields.update(overrides)
        return JobRecord(**fields)

    return make
