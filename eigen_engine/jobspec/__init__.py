"""JobSpec YAML (``job.yaml``): parse, validate, merge with flags and source defaults."""

from eigen_engine.jobspec.model import (
    API_VERSION,
    API_VERSIONS,
    DEFAULTS,
    JobOptions,
    JobSpec,
    ResolvedOptions,
)
from eigen_engine.jobspec.parser import (
    MAX_JOBSPEC_BYTES,
    MAX_PROGRAM_BYTES,
    load_jobspec,
    parse_jobspec,
)
from eigen_engine.jobspec.precedence import merge_options

# Importable from here as they were from the single module, but not part of ``__all__``.
from eigen_engine.jobspec.model import KIND as KIND  # isort: skip
from eigen_engine.jobspec.model import PROGRAM_FILE as PROGRAM_FILE  # isort: skip
from eigen_engine.jobspec.model import WORKLOAD_KINDS as WORKLOAD_KINDS  # isort: skip
from eigen_engine.jobspec.values import MAX_SHOTS as MAX_SHOTS  # isort: skip

__all__ = [
    "API_VERSION",
    "API_VERSIONS",
    "DEFAULTS",
    "MAX_JOBSPEC_BYTES",
    "MAX_PROGRAM_BYTES",
    "JobOptions",
    "JobSpec",
    "ResolvedOptions",
    "load_jobspec",
    "merge_options",
    "parse_jobspec",
]
