"""The job state machine: every (old, new) pair is allowed or refused exactly as designed."""

from __future__ import annotations

import itertools

import pytest

from eigen_engine.errors import ErrorCode, FailedPrecondition
from eigen_engine.qrtx.states import (
    NON_TERMINAL,
    TERMINAL,
    TRANSITIONS,
    JobState,
    can_transition,
    check_transition,
)

P, C, Q, R = JobState.PENDING, JobState.COMPILING, JobState.QUEUED, JobState.RUNNING
D, E, X = JobState.DONE, JobState.ERROR, JobState.CANCELLED

# The design, restated independently of the module: the happy path, the two recovery/retry
# edges, and ERROR / CANCELLED from every non-terminal state.
ALLOWED = {(P, C), (C, Q), (Q, R), (R, D), (C, P), (R, Q)} | {
    (s, end) for s in (P, C, Q, R) for end in (E, X)
}
PAIRS = list(itertools.product(JobState, JobState))


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_follows_the_table(old: JobState, new: JobState) -> None:
    allowed = (old, new) in ALLOWED
    assert can_transition(old, new) is allowed
    if allowed:
        check_transition(old, new, job_id="j-0123456789ab")
    else:
        with pytest.raises(FailedPrecondition) as info:
            check_transition(old, new, job_id="j-0123456789ab")
        assert "j-0123456789ab" in info.value.message
        assert info.value.code is ErrorCode.FAILED_PRECONDITION


def test_table_covers_every_state_and_terminals_are_final() -> None:
    assert set(TRANSITIONS) == set(JobState)
    assert {D, E, X} == TERMINAL
    assert {P, C, Q, R} == NON_TERMINAL
    for state in TERMINAL:
        assert TRANSITIONS[state] == frozenset()


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[D] = frozenset({X})  # type: ignore[index]


def test_values_are_the_upstream_names() -> None:
    assert [s.value for s in JobState] == [
        "PENDING", "COMPILING", "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED",
    ]  # fmt: skip
    assert JobState("RUNNING") is R


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (D, X, "job j-0123456789ab is DONE; a finished job cannot be cancelled"),
        (E, Q, "job j-0123456789ab is ERROR; a finished job cannot be queued"),
        (R, R, "job j-0123456789ab is already RUNNING"),
        (P, R, "job j-0123456789ab is PENDING and cannot be started; "
               "from PENDING it can go to COMPILING, ERROR, CANCELLED"),
    ],
    ids=["cancel-done", "requeue-error", "self", "skip-ahead"],
)  # fmt: skip
def test_refusals_explain_themselves(old: JobState, new: JobState, expected: str) -> None:
    with pytest.raises(FailedPrecondition) as info:
        check_transition(old, new, job_id="j-0123456789ab")
    assert str(info.value) == expected
