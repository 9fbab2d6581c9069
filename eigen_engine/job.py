"""The job handle a submit returns, and a finished job's result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eigen_engine.qfs.outcome import result_document
from eigen_engine.qrtx.records import JobRecord
from eigen_engine.qrtx.states import JobState

if TYPE_CHECKING:
    from eigen_engine.engine import Engine

__all__ = ["Job", "JobResult"]


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a DONE job produced; ``to_dict()`` is exactly its ``results.json``.

    Attributes:
        job_id: The job.
        state: Always ``DONE`` (failed jobs raise instead of giving a result).
        counts: Measured counts in Qiskit bit order (classical bit 0 rightmost), when the
            job sampled; ``None`` otherwise.
        outputs: What the program returned (the evaluated output template), JSON-safe.
        metadata: Driver, device, method, seeds, shots, optimizer summaries, ...
    """

    job_id: str
    state: JobState
    counts: Mapping[str, int] | None
    outputs: Any
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"job_id", "state", "results": {"counts", "outputs", "metadata"}}``."""
        return result_document(self.job_id, self.state.value, self.counts, self.outputs,
                               self.metadata)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobResult:
        """Read a ``results.json`` document (or a REST results payload) back."""
        results = data.get("results") or {}
        counts = results.get("counts")
        return cls(
            job_id=str(data["job_id"]),
            state=JobState(data.get("state", JobState.DONE)),
            counts=None if counts is None else {str(k): int(v) for k, v in counts.items()},
            outputs=results.get("outputs"),
            metadata=dict(results.get("metadata") or {}),
        )


class Job:
    """A thin handle on one job of an engine (like a Qiskit primitive job).

    Example:
        >>> job = engine.submit(bell_source, shots=1000, seed=1)
        >>> job.wait().state
        <JobState.DONE: 'DONE'>
        >>> sorted(job.result().counts)
        ['00', '11']
    """

    __slots__ = ("_engine", "id")

    def __init__(self, engine: Engine, job_id: str) -> None:
        self._engine = engine
        self.id = job_id

    def __repr__(self) -> str:
        return f"<Job {self.id}>"

    @property
    def record(self) -> JobRecord:
        """The job's current record."""
        return self._engine.status(self.id)

    @property
    def state(self) -> JobState:
        """The job's current state."""
        return self.record.state

    def status(self) -> JobRecord:
        """Return the job's current record (state, progress, timestamps, error)."""
        return self._engine.status(self.id)

    def done(self) -> bool:
        """Whether the job has finished (DONE, ERROR or CANCELLED)."""
        return self.record.is_terminal

    def wait(self, timeout: float | None = None) -> JobRecord:
        """Block until the job finishes; see :meth:`Engine.wait`."""
        return self._engine.wait(self.id, timeout)

    def result(self, timeout: float | None = None) -> JobResult:
        """Wait for the job and return its result; see :meth:`Engine.result`."""
        return self._engine.result(self.id, timeout)

    def cancel(self) -> JobRecord:
        """Cancel the job; see :meth:`Engine.cancel`."""
        return self._engine.cancel(self.id)
