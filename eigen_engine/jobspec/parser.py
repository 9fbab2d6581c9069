"""Reading ``job.yaml``: size limits, safe YAML, and one pass that reports every violation."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import yaml

from eigen_engine.errors import JobSpecError
from eigen_engine.ir.canonical import sha256_hex
from eigen_engine.jobspec.keys import _KNOWN, _check_keys, _did_you_mean
from eigen_engine.jobspec.model import (
    API_VERSION,
    API_VERSIONS,
    KIND,
    PROGRAM_FILE,
    WORKLOAD_KINDS,
    JobSpec,
)
from eigen_engine.jobspec.problems import (
    _Problems,
    _show,
    _single_error,
    _too_large,
    _yaml_error,
)
from eigen_engine.jobspec.values import _inputs, _int, _is_json, _option
from eigen_engine.qrtx.records import JOB_ID_PATTERN

MAX_JOBSPEC_BYTES = 1 << 20
MAX_PROGRAM_BYTES = 256 << 10
_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
_DRIVE = re.compile(r"[A-Za-z]:")


def load_jobspec(path: str | os.PathLike[str]) -> JobSpec:
    """Read and validate a ``job.yaml``; a program ``path`` is relative to its directory.

    Raises:
        JobSpecError: the file is missing, too large (> 1 MiB, checked before reading), not
            YAML, or violates the JobSpec; ``details`` lists every problem with its field.

    Example:
        >>> spec = load_jobspec("examples/vqe_h2/job.yaml")  # program_path: program.eigen.py
        >>> spec.target, spec.shots, spec.warnings
        ('sim:local', 8192, ())
    """
    job_file = Path(path)
    name = job_file.name
    try:
        info = job_file.stat()
    except OSError as exc:
        raise _single_error(name, f"cannot read {job_file}: {exc.strerror or exc}") from None
    if not job_file.is_file():
        raise _single_error(name, f"{job_file} is not a regular file")
    if info.st_size > MAX_JOBSPEC_BYTES:
        raise _single_error(name, _too_large("the job file", info.st_size, MAX_JOBSPEC_BYTES))
    data = _read_bounded(job_file, MAX_JOBSPEC_BYTES, name)
    return parse_jobspec(data, job_file.parent, filename=name)


def parse_jobspec(
    text: str | bytes,
    base_dir: str | os.PathLike[str] | None = None,
    *,
    filename: str = "job.yaml",
) -> JobSpec:
    """Validate JobSpec YAML text.

    Args:
        text: The YAML document.
        base_dir: The job file's directory; ``spec.program.path`` is resolved inside it.
            Without it only inline ``spec.program.source`` works.
        filename: Named in messages.

    Raises:
        JobSpecError: one error listing every violation, each with its field path.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_JOBSPEC_BYTES:
        raise _single_error(filename, _too_large("the job file", len(data), MAX_JOBSPEC_BYTES))
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=_NoAliasLoader)  # a SafeLoader subclass
    except UnicodeDecodeError:
        raise _single_error(filename, "must be UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise _yaml_error(filename, exc) from None
    if not isinstance(doc, Mapping):
        got = "an empty file" if doc is None else f"a {type(doc).__name__}"
        raise _single_error(filename, f"must be a YAML mapping (apiVersion, kind, ...), got {got}")
    base = Path(base_dir) if base_dir is not None else None
    return _Parser(doc, base, filename).parse()


class _Parser:
    """One pass over a loaded JobSpec document, collecting every violation."""

    def __init__(self, doc: Mapping[Any, Any], base: Path | None, filename: str) -> None:
        self.doc = doc
        self.base = base
        self.filename = filename
        self.problems = _Problems()

    def parse(self) -> JobSpec:
        doc, p = self.doc, self.problems
        _check_keys(doc, _KNOWN, "", p)
        api_version = self._api_version()
        self._kind()
        metadata = self._section(doc, "metadata", required=True)
        name = self._name(metadata)
        labels = self._string_map(metadata, "labels", "metadata")
        annotations = self._string_map(metadata, "annotations", "metadata")
        spec = self._section(doc, "spec", required=True)
        sections = {
            key: self._section(doc, key)
            for key in ("scheduling", "security", "observability", "resources", "artifacts")
        }
        runtime = self._section(doc, "runtime")
        scheduling = sections["scheduling"]
        workload = self._section(spec, "workload", parent="spec")
        spec_meta = self._section(spec, "metadata", parent="spec")
        params = self._section(spec, "parameters", parent="spec")

        target = self._target(spec)
        priority = self._aliased(
            "priority",
            [
                ("spec.priority", spec.get("priority")),
                ("scheduling.priority", scheduling.get("priority")),
            ],
        )
        shots = self._aliased(
            "shots",
            [
                ("spec.shots", spec.get("shots")),
                ("spec.metadata.shots", spec_meta.get("shots")),
                ("spec.parameters.shots", params.get("shots")),
            ],
        )
        seed = self._aliased(
            "seed",
            [
                ("spec.seed", spec.get("seed")),
                ("spec.metadata.seed", spec_meta.get("seed")),
                ("spec.workload.seed", workload.get("seed")),
                ("spec.parameters.seed", params.get("seed")),
            ],
        )
        noise_model = self._aliased(
            "noise_model",
            [
                ("spec.noise_model", spec.get("noise_model")),
                ("spec.metadata.noise_model", spec_meta.get("noise_model")),
            ],
        )
        compiler_options, optimization_level = self._compiler_options(spec)
        inputs = _inputs(spec.get("inputs"), "spec.inputs", p) or {}
        workload_kind = self._workload_kind(workload)
        timeout_s, max_attempts = self._runtime(runtime)
        dependencies = self._dependencies(spec.get("dependencies"))
        source, program_path, entrypoint = "", None, None
        if isinstance(doc.get("spec"), Mapping):  # else "spec is required" says it all
            source, program_path, entrypoint = self._program(spec)

        if p.details:
            raise JobSpecError(
                p.summary(f"{self.filename} is not a valid JobSpec"), details=p.details
            )
        return JobSpec(
            name=name,
            target=target,
            source=source,
            program_path=program_path,
            entrypoint=entrypoint,
            api_version=api_version,
            priority=priority,
            shots=shots,
            seed=seed,
            noise_model=noise_model,
            optimization_level=optimization_level,
            compiler_options=compiler_options,
            inputs=inputs,
            dependencies=dependencies,
            timeout_s=timeout_s,
            max_attempts=max_attempts,
            workload_kind=workload_kind,
            labels=labels,
            annotations=annotations,
            metadata=dict(spec_meta),
            warnings=tuple(p.warnings),
        )

    # -- sections and scalars --

    def _section(
        self, node: Mapping[Any, Any], key: str, *, parent: str = "", required: bool = False
    ) -> Mapping[Any, Any]:
        path = f"{parent}.{key}" if parent else key
        value = node.get(key)
        if value is None:
            if required:
                self.problems.error(path, "is required")
            return {}
        if not isinstance(value, Mapping):
            self.problems.error(path, f"must be a mapping, got {_show(value)}")
            return {}
        return value

    def _api_version(self) -> str:
        value = self.doc.get("apiVersion")
        if value in API_VERSIONS:
            return str(value)
        if value is None:
            self.problems.error("apiVersion", f"is required; use {API_VERSION}")
        else:
            self.problems.error(
                "apiVersion",
                f"must be {API_VERSION} (or the legacy eigen.os/v0.1), got {_show(value)}"
                + _did_you_mean(str(value), API_VERSIONS),
            )
        return API_VERSION

    def _kind(self) -> None:
        value = self.doc.get("kind")
        if value == KIND:
            return
        if value is None:
            self.problems.error("kind", f"is required; use {KIND}")
        elif value in WORKLOAD_KINDS:
            self.problems.error(
                "kind", f"must be {KIND}; put {value} in spec.workload.kind instead"
            )
        else:
            self.problems.error(
                "kind", f"must be {KIND}, got {_show(value)}" + _did_you_mean(str(value), [KIND])
            )

    def _name(self, metadata: Mapping[Any, Any]) -> str:
        value = metadata.get("name")
        if value is None:
            if isinstance(self.doc.get("metadata"), Mapping):
                self.problems.error("metadata.name", "is required")
            return ""
        if not isinstance(value, str) or not _NAME.fullmatch(value.strip()):
            self.problems.error(
                "metadata.name",
                "must be 1 to 128 letters, digits, '.', '_' or '-' (e.g. vqe-h2), "
                f"got {_show(value)}",
            )
            return ""
        return value.strip()

    def _string_map(self, parent: Mapping[Any, Any], key: str, where: str) -> dict[str, str]:
        value = self._section(parent, key, parent=where)
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(k, str) or not isinstance(v, str):
                self.problems.error(
                    f"{where}.{key}.{k}", f"must map strings to strings (quote it), got {_show(v)}"
                )
            else:
                out[k] = v
        return out

    def _target(self, spec: Mapping[Any, Any]) -> str:
        value = spec.get("target")
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is None:
            if isinstance(self.doc.get("spec"), Mapping):
                self.problems.error("spec.target", "is required, e.g. target: simulator")
        else:
            self.problems.error("spec.target", f"must be a non-empty string, got {_show(value)}")
        return ""

    def _aliased(self, option: str, candidates: list[tuple[str, Any]]) -> Any:
        """Validate the first of several fields naming one option; flag disagreeing ones."""
        present = [(path, v) for path, v in candidates if v is not None]
        if not present:
            return None
        path, value = present[0]
        for other_path, other in present[1:]:
            if str(other) != str(value):
                self.problems.error(
                    other_path, f"conflicts with {path} ({_show(value)}); keep one of them"
                )
        return _option(option, value, path, self.problems)

    def _compiler_options(self, spec: Mapping[Any, Any]) -> tuple[dict[str, Any], int | None]:
        merged: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for key in ("compiler_options", "compiler"):
            section = self._section(spec, key, parent="spec")
            for name, value in section.items():
                path = f"spec.{key}.{name}"
                if name in merged and merged[name] != value:
                    self.problems.error(path, f"conflicts with {origin[name]}; keep one of them")
                    continue
                if not _is_json(value):
                    self.problems.error(path, f"must be plain data, got {_show(value)}")
                    continue
                merged[str(name)], origin[str(name)] = value, path
        level = None
        if "optimization_level" in merged:
            level = _option(
                "optimization_level",
                merged.pop("optimization_level"),
                origin["optimization_level"],
                self.problems,
            )
        return merged, level

    def _workload_kind(self, workload: Mapping[Any, Any]) -> str:
        value = workload.get("kind", workload.get("workload_kind", KIND))
        if value in WORKLOAD_KINDS:
            return str(value)
        self.problems.error(
            "spec.workload.kind",
            f"must be one of {', '.join(WORKLOAD_KINDS)}, got {_show(value)}"
            + _did_you_mean(str(value), WORKLOAD_KINDS),
        )
        return KIND

    def _runtime(self, runtime: Mapping[Any, Any]) -> tuple[float | None, int | None]:
        timeout = self._section(runtime, "timeout", parent="runtime")
        retry = self._section(runtime, "retry", parent="runtime")
        timeout_s: float | None = None
        seconds = timeout.get("execution_seconds")
        if seconds is not None:
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or not 0 < seconds < float("inf")
            ):
                self.problems.error(
                    "runtime.timeout.execution_seconds",
                    f"must be a positive number of seconds, got {_show(seconds)}",
                )
            else:
                timeout_s = float(seconds)
        attempts = retry.get("max_attempts")
        max_attempts = None
        if attempts is not None:
            max_attempts = _int(
                attempts,
                "runtime.retry.max_attempts",
                self.problems,
                1,
                16,
                "must be an integer from 1 to 16",
            )
        return timeout_s, max_attempts

    def _dependencies(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problems.error(
                "spec.dependencies", f"must be a list of job ids, got {_show(value)}"
            )
            return ()
        deps: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, str) and JOB_ID_PATTERN.fullmatch(item):
                deps.append(item)
            else:
                self.problems.error(
                    f"spec.dependencies[{i}]",
                    f"must be a job id such as j-0123456789ab, got {_show(item)}",
                )
        return tuple(dict.fromkeys(deps))

    # -- the program --

    def _program(self, spec: Mapping[Any, Any]) -> tuple[str, str | None, str | None]:
        """Return ``(source, path as written, entrypoint)``."""
        p = self.problems
        program = spec.get("program")
        source: Any = None
        path: Any = None
        path_field = "spec.program.path"
        entrypoint = None
        declared_sha = None
        if isinstance(program, str):  # v0.1: the source inline as a string
            source = program
        elif isinstance(program, Mapping):
            source, path = program.get("source"), program.get("path")
            entrypoint = self._entrypoint(program.get("entrypoint"), "spec.program.entrypoint")
            declared_sha = program.get("sha256")
            if program.get("uri") is not None and source is None and path is None:
                p.warn(
                    "spec.program.uri",
                    f"remote programs are not supported; using {PROGRAM_FILE} beside the job file",
                )
        elif program is not None:
            p.error("spec.program", f"must be a mapping with path or source, got {_show(program)}")
            return "", None, None
        legacy = spec.get("program_path")
        if legacy is not None:
            if path is not None and legacy != path:
                p.error("spec.program_path", "conflicts with spec.program.path; keep one of them")
            elif path is None:
                path, path_field = legacy, "spec.program_path"
        top_entry = self._entrypoint(spec.get("entrypoint"), "spec.entrypoint")
        if top_entry is not None and entrypoint is not None and top_entry != entrypoint:
            p.error("spec.program.entrypoint", f"conflicts with spec.entrypoint ({top_entry!r})")
        entrypoint = top_entry or entrypoint
        if source is not None and path is not None:
            p.error("spec.program", "give either path or source, not both")
            return "", None, entrypoint
        if source is not None:
            text = self._inline_source(source)
        else:
            path = PROGRAM_FILE if path is None else path
            text = self._program_file(path, path_field)
        if declared_sha is not None and text and sha256_hex(text.encode()) != declared_sha:
            p.error(
                "spec.program.sha256",
                "does not match the program: the program changed after this job file was written",
            )
        return text, (None if source is not None else str(path)), entrypoint

    def _entrypoint(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.isidentifier():
            self.problems.error(path, f"must be a Python function name, got {_show(value)}")
            return None
        return value

    def _inline_source(self, source: Any) -> str:
        field_name = "spec.program.source"
        if not isinstance(source, str) or not source.strip():
            self.problems.error(field_name, "must be the program's non-empty source text")
            return ""
        size = len(source.encode("utf-8"))
        if size > MAX_PROGRAM_BYTES:
            self.problems.error(field_name, _too_large("the program", size, MAX_PROGRAM_BYTES))
            return ""
        return source

    def _program_file(self, ref: Any, field_name: str) -> str:
        p = self.problems
        if not isinstance(ref, str) or not ref.strip() or "\x00" in ref:
            p.error(field_name, f"must be a relative file path, got {_show(ref)}")
            return ""
        if (
            PurePosixPath(ref).is_absolute()
            or PureWindowsPath(ref).is_absolute()
            or ref.startswith("\\")
            or _DRIVE.match(ref)
        ):
            p.error(field_name, f"must be relative to the job file's directory, got {ref!r}")
            return ""
        if ".." in re.split(r"[\\/]", ref):
            p.error(field_name, f"path traversal is not allowed: {ref!r} leaves the job directory")
            return ""
        if self.base is None:
            p.error(field_name, "a program path needs the job file's directory; inline the source")
            return ""
        base = self.base.resolve()
        target = (base / ref).resolve()
        if not target.is_relative_to(base):
            p.error(
                field_name,
                f"path traversal is not allowed: {ref!r} resolves outside the job directory",
            )
            return ""
        if not target.exists():
            p.error(field_name, f"file not found: {ref!r} (looked in {base})")
            return ""
        if not target.is_file():
            p.error(field_name, f"{ref!r} is not a regular file")
            return ""
        size = target.stat().st_size
        if size > MAX_PROGRAM_BYTES:
            p.error(field_name, _too_large("the program", size, MAX_PROGRAM_BYTES))
            return ""
        try:
            data = _read_bounded(target, MAX_PROGRAM_BYTES, field_name)
            text = data.decode("utf-8")
        except JobSpecError as exc:
            p.details.extend(exc.details)
            return ""
        except UnicodeDecodeError:
            p.error(field_name, f"{ref!r} is not UTF-8 text")
            return ""
        if not text.strip():
            p.error(field_name, f"{ref!r} is empty; the program source is required")
            return ""
        return text


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors/aliases (no exponential "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases (*name) are not supported; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _read_bounded(path: Path, limit: int, field_name: str) -> bytes:
    """Read at most ``limit`` bytes, refusing a file that grew past it since it was checked."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _single_error(field_name, f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _single_error(field_name, _too_large(str(path.name), len(data), limit))
    return data
