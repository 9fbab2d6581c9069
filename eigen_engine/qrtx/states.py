"""Job states and the one table of transitions allowed between them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from eigen_engine.errors import FailedPrecondition

__all__ = [
    "NON_TERMINAL",
    "TERMINAL",
    "TRANSITIONS",
    "JobState",
    "can_transition",
    "check_transition",
]


class JobState(enum.StrEnum):
    """Where a job is in its life. Values equal the upstream public ``JobState`` names."""

    # Accepted and persisted (record in SQLite, source + job.yaml in QFS); not compiled yet.
    PENDING = "PENDING"
    # The compiler is turning the source into AQO (AST only, nothing is executed).
    COMPILING = "COMPILING"
    # Compiled; waiting in the priority queue for dependencies and qubit/memory admission.
    QUEUED = "QUEUED"
    # A worker is executing it (driver runs, hybrid loop iterating).
    RUNNING = "RUNNING"
    # Finished successfully; results.json and meta.json are written. Terminal.
    DONE = "DONE"
    # Failed; the record carries an error code and message. Terminal.
    ERROR = "ERROR"
    # Stopped on request before it finished. Terminal.
    CANCELLED = "CANCELLED"


TERMINAL: frozenset[JobState] = frozenset({JobState.DONE, JobState.ERROR, JobState.CANCELLED})
"""States a job never leaves: terminal records are immutable."""

NON_TERMINAL: frozenset[JobState] = frozenset(JobState) - TERMINAL
"""States from which a job can still change (and be cancelled)."""

_ENDINGS = frozenset({JobState.ERROR, JobState.CANCELLED})

# PENDING -> COMPILING -> QUEUED -> RUNNING -> DONE, any non-terminal state -> ERROR | CANCELLED,
# plus two edges back used by retry and restart recovery. Every state change in the engine goes
# through check_transition (called by JobIndex.transition, which persists it atomically).
TRANSITIONS: Mapping[JobState, frozenset[JobState]] = MappingProxyType(
    {
        JobState.PENDING: frozenset({JobState.COMPILING}) | _ENDINGS,
        # COMPILING -> PENDING is recovery only: an engine that died mid-compile leaves the
        # job COMPILING; the next engine puts it back to PENDING and compiles it again.
        JobState.COMPILING: frozenset({JobState.QUEUED, JobState.PENDING}) | _ENDINGS,
        JobState.QUEUED: frozenset({JobState.RUNNING}) | _ENDINGS,
        # RUNNING -> QUEUED is retry / recovery: a transient driver failure, a crashed worker
        # or a dead engine re-queues the job (attempt + 1) while its retry budget lasts.
        JobState.RUNNING: frozenset({JobState.DONE, JobState.QUEUED}) | _ENDINGS,
        JobState.DONE: frozenset(),
        JobState.ERROR: frozenset(),
        JobState.CANCELLED: frozenset(),
    }
)
"""The one table of allowed transitions: ``TRANSITIONS[old]`` is every legal ``new``.

A self-transition (``X -> X``) is never allowed; callers that want idempotent cancel check
the current state first.
"""

_VERBS: Mapping[JobState, str] = MappingProxyType(
    {
        JobState.PENDING: "sent back to PENDING",
        JobState.COMPILING: "compiled",
        JobState.QUEUED: "queued",
        JobState.RUNNING: "started",
        JobState.DONE: "marked DONE",
        JobState.ERROR: "failed",
        JobState.CANCELLED: "cancelled",
    }
)


def can_transition(old: JobState, new: JobState) -> bool:
    """Return whether the table allows moving a job from ``old`` to ``new``."""
    return new in TRANSITIONS[old]


def check_transition(old: JobState, new: JobState, *, job_id: str = "") -> None:
    """Refuse a transition the table does not allow.

    Args:
        old: The job's current state.
        new: The state asked for.
        job_id: Named in the error message when given.

    Raises:
        FailedPrecondition: ``new`` is not in ``TRANSITIONS[old]``; the message says why.

    Example:
        >>> check_transition(JobState.QUEUED, JobState.RUNNING)  # allowed: returns None
        >>> check_transition(JobState.DONE, JobState.CANCELLED, job_id="j-0123456789ab")
        ... # FailedPrecondition: job j-0123456789ab is DONE; a finished job cannot be cancelled
    """
    if can_transition(old, new):
        return
    who = f"job {job_id}" if job_id else "the job"
    if old in TERMINAL:
        message = f"{who} is {old}; a finished job cannot be {_VERBS[new]}"
    elif old == new:
        message = f"{who} is already {old}"
    else:
        allowed = ", ".join(s.value for s in JobState if s in TRANSITIONS[old])
        message = f"{who} is {old} and cannot be {_VERBS[new]}; from {old} it can go to {allowed}"
    raise FailedPrecondition(message)
