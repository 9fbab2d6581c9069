"""The JobSpec value, its option layers, and the resolved ``job.yaml`` it writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.canonical import sha256_hex
from eigen_engine.jobspec.keys import _did_you_mean
from eigen_engine.jobspec.problems import _Problems
from eigen_engine.jobspec.values import _inputs, _option

API_VERSION = "eigen.os/v1"
API_VERSIONS = (API_VERSION, "eigen.os/v0.1")
KIND = "QuantumJob"
WORKLOAD_KINDS = tuple(
    ["QuantumJob", "HybridWorkflow", "DistributedJob", "BenchmarkJob", "PipelineJob", "ReplayJob"]
)
PROGRAM_FILE = "program.eigen.py"

DEFAULTS: Mapping[str, Any] = {
    "target": "simulator",
    "shots": 1024,
    "seed": None,
    "priority": 50,
    "noise_model": None,
    "optimization_level": 1,
}
"""Values used when neither flags, the JobSpec nor the ``@hybrid_program`` decorator set one."""

# Options upstream keeps in spec.metadata; the resolved job.yaml has them in spec itself.
_METADATA_OPTIONS = frozenset({"shots", "seed", "noise_model"})


@dataclass(frozen=True, slots=True)
class JobOptions:
    """One layer of job options (flags, a JobSpec, or the ``@hybrid_program`` defaults).

    ``None`` means "this layer does not set it". ``inputs`` are merged per key.
    """

    target: str | None = None
    shots: int | None = None
    seed: int | None = None
    priority: int | None = None
    noise_model: str | None = None
    optimization_level: int | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, layer: str = "flags") -> JobOptions:
        """Coerce and validate loose options (CLI flags, magic arguments, decorator kwargs).

        Keys with value ``None`` are unset. The decorator's ``compiler`` and ``metadata``
        keywords are accepted and ignored (they are not job options).

        Raises:
            InvalidArgument: an unknown key or a bad value; ``details`` names each as
                ``<layer>.<key>``.
        """
        problems = _Problems()
        values: dict[str, Any] = {}
        for key, value in data.items():
            path = f"{layer}.{key}"
            if value is None or key in ("compiler", "metadata"):
                continue
            if key == "inputs":
                values["inputs"] = _inputs(value, path, problems) or {}
            elif key in DEFAULTS:
                values[key] = _option(key, value, path, problems)
            else:
                problems.error(path, "unknown option" + _did_you_mean(key, [*DEFAULTS, "inputs"]))
        if problems.details:
            raise InvalidArgument(
                problems.summary(f"bad {layer} options"), details=problems.details
            )
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ResolvedOptions:
    """The options a job runs with, after precedence (flags > JobSpec > source defaults).

    Attributes:
        origins: Where each value came from: ``"flags"``, ``"jobspec"``, ``"source"`` or
            ``"default"``; inputs are listed per key as ``"inputs.<name>"``.
    """

    target: str
    shots: int
    seed: int | None
    priority: int
    noise_model: str | None
    optimization_level: int
    inputs: Mapping[str, Any]
    origins: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (recorded in ``meta.json``)."""
        return {
            "target": self.target,
            "shots": self.shots,
            "seed": self.seed,
            "priority": self.priority,
            "noise_model": self.noise_model,
            "optimization_level": self.optimization_level,
            "inputs": dict(self.inputs),
            "origins": dict(self.origins),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSpec:
    """A validated JobSpec. Options it does not set are ``None`` (see :func:`merge_options`).

    Attributes:
        name: ``metadata.name``.
        target: ``spec.target``.
        source: The program text (inline, or read from ``program_path``).
        program_path: ``spec.program.path`` as written (relative to the job file), if any.
        entrypoint: ``spec.entrypoint``; ``None`` means the one ``@hybrid_program`` function.
        api_version: The file's ``apiVersion`` (``eigen.os/v0.1`` files are read as v1).
        workload_kind: ``spec.workload.kind``.
        timeout_s: ``runtime.timeout.execution_seconds``.
        max_attempts: ``runtime.retry.max_attempts``.
        metadata: ``spec.metadata``, free-form.
        warnings: Unknown keys and ignored fields, each a sentence with its field path.
    """

    name: str
    target: str
    source: str
    program_path: str | None = None
    entrypoint: str | None = None
    api_version: str = API_VERSION
    kind: str = KIND
    priority: int | None = None
    shots: int | None = None
    seed: int | None = None
    noise_model: str | None = None
    optimization_level: int | None = None
    compiler_options: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    timeout_s: float | None = None
    max_attempts: int | None = None
    workload_kind: str = KIND
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Private copies: a caller's dict cannot change a frozen spec afterwards.
        for name in ("compiler_options", "inputs", "labels", "annotations", "metadata"):
            object.__setattr__(self, name, dict(getattr(self, name)))
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    @property
    def source_sha256(self) -> str:
        """sha256 of the program's UTF-8 bytes (upstream ``source_sha256``)."""
        return sha256_hex(self.source.encode("utf-8"))

    def options(self) -> JobOptions:
        """Return the options this JobSpec sets, as one precedence layer."""
        return JobOptions(
            target=self.target,
            shots=self.shots,
            seed=self.seed,
            priority=self.priority,
            noise_model=self.noise_model,
            optimization_level=self.optimization_level,
            inputs=dict(self.inputs),
        )

    def to_yaml(self, resolved: ResolvedOptions | None = None) -> str:
        """Return the resolved ``job.yaml`` that QFS stores beside ``program.eigen.py``.

        Keys come in a fixed order and free-form mappings are sorted, so the same job gives
        the same bytes. The program is referenced as ``program.eigen.py`` with its sha256,
        so the stored pair loads again with :func:`load_jobspec`. With ``resolved``, its
        values replace the JobSpec's own.
        """
        opts = resolved.to_dict() if resolved is not None else _asdict(self.options())
        spec: dict[str, Any] = {"target": opts["target"]}
        for key in ("priority", "shots", "seed", "noise_model"):
            if opts[key] is not None:
                spec[key] = opts[key]
        if self.entrypoint is not None:
            spec["entrypoint"] = self.entrypoint
        spec["program"] = {"path": PROGRAM_FILE, "sha256": self.source_sha256}
        compiler = dict(self.compiler_options)
        if opts["optimization_level"] is not None:
            compiler["optimization_level"] = opts["optimization_level"]
        for key, value in (
            ("compiler_options", compiler),
            ("inputs", opts["inputs"]),
            ("metadata", {k: v for k, v in self.metadata.items() if k not in _METADATA_OPTIONS}),
        ):
            if value:
                spec[key] = _sorted(value)
        if self.dependencies:
            spec["dependencies"] = list(self.dependencies)
        spec["workload"] = {"kind": self.workload_kind}
        metadata: dict[str, Any] = {"name": self.name}
        if self.labels:
            metadata["labels"] = _sorted(self.labels)
        if self.annotations:
            metadata["annotations"] = _sorted(self.annotations)
        doc: dict[str, Any] = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": metadata,
            "spec": spec,
        }
        runtime: dict[str, Any] = {}
        if self.timeout_s is not None:
            runtime["timeout"] = {"execution_seconds": self.timeout_s}
        if self.max_attempts is not None:
            runtime["retry"] = {"max_attempts": self.max_attempts}
        if runtime:
            doc["runtime"] = runtime
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when available: 10x faster
        return yaml.dump(
            doc, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
        )


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value


def _asdict(options: JobOptions) -> dict[str, Any]:
    return {
        "target": options.target,
        "shots": options.shots,
        "seed": options.seed,
        "priority": options.priority,
        "noise_model": options.noise_model,
        "optimization_level": options.optimization_level,
        "inputs": dict(options.inputs),
    }
