"""Job records and job ids: validation, JSON form, row form."""

from __future__ import annotations

import json

import pytest

from eigen_engine.errors import ErrorCode, InvalidArgument
from eigen_engine.qrtx.records import JobRecord, Progress, new_job_id, validate_job_id
from eigen_engine.qrtx.states import JobState

JOB = "j-0123456789ab"


def full_record() -> JobRecord:
    return JobRecord(
        id=JOB,
        name="vqe-h2",
        owner="alice",
        state=JobState.ERROR,
        priority=70,
        target="aer:statevector",
        created_at=100.0,
        timestamps={JobState.ERROR: 104.0, JobState.PENDING: 100.0, JobState.RUNNING: 102.5},
        attempt=2,
        max_attempts=3,
        error_code=ErrorCode.UNAVAILABLE,
        error_message="the simulator worker died",
        progress=Progress(iteration=12, best_value=-1.137, evaluations=40),
        source_sha256="a" * 64,
        aqo_sha256="b" * 64,
        dependencies=("j-aaaaaaaaaaaa", "j-bbbbbbbbbbbb"),
        shots=8192,
        seed=7,
        timeout_s=60.0,
        qubits=2,
        memory_bytes=64,
    )


def test_new_job_ids_are_valid_and_distinct() -> None:
    ids = {new_job_id() for _ in range(1000)}
    assert len(ids) == 1000
    for job_id in ids:
        assert validate_job_id(job_id) == job_id


@pytest.mark.parametrize(
    "bad",
    ["../x", "j-../../etc", "J-0123456789AB", "j-0123456789ab\n", "j-0123456789a",
     "j-0123456789abc", "", "j-0123456789ab/..", "j-0123456789ab\x00", "/j-0123456789ab",
     None, 123, b"j-0123456789ab"],
    ids=["dotdot", "escape", "upper", "newline", "short", "long", "empty", "suffix", "nul",
         "absolute", "none", "int", "bytes"],
)  # fmt: skip
def test_validate_job_id_refuses(bad: object) -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_job_id(bad)
    assert "j-0123456789ab" in info.value.message  # the message shows the right form
    assert info.value.details[0].field == "job_id"


def test_to_dict_is_json_safe_and_round_trips() -> None:
    record = full_record()
    data = record.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert JobRecord.from_dict(json.loads(text)) == record
    assert data["state"] == "ERROR"
    assert data["error_code"] == "UNAVAILABLE"
    assert list(data["timestamps"]) == ["PENDING", "RUNNING", "ERROR"]  # state order


def test_from_dict_ignores_unknown_keys_and_fills_defaults() -> None:
    record = JobRecord.from_dict({"id": JOB, "name": "n", "future_field": 1})
    assert record.state is JobState.PENDING
    assert record.priority == 50
    assert record.progress == Progress()


def test_from_row_decodes_json_columns() -> None:
    record = full_record()
    row = {**record.row_values(), "queue_seq": 5, "blocked": 0}
    assert isinstance(row["timestamps"], str)
    assert JobRecord.from_row(row) == record


def test_timestamps_are_a_private_copy() -> None:
    stamps = {JobState.PENDING: 1.0}
    record = JobRecord(id=JOB, name="n", timestamps=stamps)
    stamps[JobState.DONE] = 2.0
    assert dict(record.timestamps) == {JobState.PENDING: 1.0}


def test_terminal_helpers() -> None:
    record = full_record()
    assert record.is_terminal
    assert record.finished_at == 104.0
    assert JobRecord(id=JOB, name="n").finished_at is None


@pytest.mark.parametrize(
    "kwargs",
    [{"priority": 101}, {"priority": -1}, {"priority": True}, {"attempt": 0},
     {"max_attempts": 0}, {"shots": -1}, {"qubits": -2}],
    ids=["priority-high", "priority-low", "priority-bool", "attempt", "max-attempts", "shots",
         "qubits"],
)  # fmt: skip
def test_bad_values_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        JobRecord(id=JOB, name="n", **kwargs)  # type: ignore[arg-type]


def test_bad_dependency_and_state_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        JobRecord(id=JOB, name="n", dependencies=("../x",))
    with pytest.raises(TypeError):
        JobRecord(id=JOB, name="n", state="DONE")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "inf"])
def test_progress_refuses_non_finite_best_value(value: float) -> None:
    with pytest.raises(ValueError):
        Progress(iteration=1, best_value=value)
