"""QRTX: job states and their one transition table, job records, executors."""

from eigen_engine.qrtx.records import JobRecord, Progress, new_job_id, validate_job_id
from eigen_engine.qrtx.states import TERMINAL, TRANSITIONS, JobState, check_transition

__all__ = [
    "TERMINAL",
    "TRANSITIONS",
    "JobRecord",
    "JobState",
    "Progress",
    "check_transition",
    "new_job_id",
    "validate_job_id",
]
