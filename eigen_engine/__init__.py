"""Eigen engine: compile, schedule, run and store hybrid quantum-classical jobs.

Importing this package never imports qiskit, qiskit_aer or cirq (drivers load them lazily).
"""

from typing import TYPE_CHECKING, Any

from eigen_engine.compiler import CompiledProgram, compile_source
from eigen_engine.errors import CompileError, EigenError

if TYPE_CHECKING:
    from eigen_engine.engine import Engine
    from eigen_engine.job import Job, JobResult
    from eigen_engine.qrtx.events import JobEvent
    from eigen_engine.qrtx.records import JobRecord
    from eigen_engine.qrtx.states import JobState

__version__ = "0.1.0"

__all__ = [
    "CompileError",
    "CompiledProgram",
    "EigenError",
    "Engine",
    "Job",
    "JobEvent",
    "JobRecord",
    "JobResult",
    "JobState",
    "__version__",
    "compile_source",
]

_LAZY = {
    "Engine": "eigen_engine.engine",
    "Job": "eigen_engine.job",
    "JobResult": "eigen_engine.job",
    "JobEvent": "eigen_engine.qrtx.events",
    "JobRecord": "eigen_engine.qrtx.records",
    "JobState": "eigen_engine.qrtx.states",
}


def __getattr__(name: str) -> Any:
    # The engine and its types load on first use, so `import eigen_engine` stays cheap.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'eigen_engine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
