"""JobSpec YAML: the upstream examples load, every violation is reported, precedence merges."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from eigen_engine.errors import ErrorCode, InvalidArgument, JobSpecError
from eigen_engine.jobspec import (
    MAX_JOBSPEC_BYTES,
    MAX_PROGRAM_BYTES,
    JobOptions,
    JobSpec,
    load_jobspec,
    merge_options,
    parse_jobspec,
)

EXAMPLES = Path(__file__).parent / "fixtures" / "jobspecs"
SOURCE = "@hybrid_program\ndef main():\n    return 1\n"
UPSTREAM_V1_MINIMAL_SHA = "1f48697e28a1e74ce1c14c0cbc6402eb68c568f6fbb174c85392d372fbd9bf65"


def job_yaml(spec: str = "", *, extra: str = "", name: str = "demo") -> str:
    """A valid v1 job file with an inline program; ``spec`` lines are added under spec."""
    body = textwrap.dedent(spec).strip("\n")
    spec_lines = textwrap.indent(body, "  ") + "\n" if body else ""
    return (
        f"apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata:\n  name: {name}\nspec:\n"
        f"  target: simulator\n  program:\n    source: |\n      @hybrid_program\n"
        f"      def main():\n          return 1\n{spec_lines}{textwrap.dedent(extra)}"
    )


def problems(text: str, base: Path | None = None) -> dict[str, str]:
    """Parse text that must fail; return ``{field: message}`` of every detail."""
    with pytest.raises(JobSpecError) as info:
        parse_jobspec(text, base)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT
    return {d.field: d.message for d in info.value.details}


# -- the upstream examples (reference §1.8) --------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "vqe_h2": {"api_version": "eigen.os/v0.1", "target": "sim:local", "priority": 60,
               "shots": 8192, "seed": 7, "entrypoint": "vqe_h2",
               "noise_model": "depolarizing:0.001", "workload_kind": "HybridWorkflow",
               "program_path": "program.eigen.py"},
    "quantum_job_materials_state_prep": {"target": "sim:local", "shots": 4096, "seed": 11,
                                         "workload_kind": "QuantumJob"},
    "hybrid_workflow_vqe_chemistry": {"workload_kind": "HybridWorkflow", "shots": 8192},
    "benchmark_job_qft_regression": {"workload_kind": "BenchmarkJob", "seed": 42,
                                     "shots": 16384,
                                     "compiler_options": {"spec.workload.seed": "42"}},
    "distributed_job_network_partition": {"target": "cluster:auto",
                                          "workload_kind": "DistributedJob"},
    "pipeline_job_materials_discovery": {"workload_kind": "PipelineJob", "shots": None},
    "replay_job_forensic_audit": {"target": "runtime:deterministic",
                                  "workload_kind": "ReplayJob", "program_path": "program.eigen.py"},
}  # fmt: skip


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_upstream_examples_load(example: str) -> None:
    job_file = EXAMPLES / example / "job.yaml"
    spec = load_jobspec(job_file)
    for attribute, value in EXPECTED[example].items():
        assert getattr(spec, attribute) == value, attribute
    assert spec.source == (job_file.parent / "program.eigen.py").read_text()
    assert "@hybrid_program" in spec.source


def test_replay_example_warns_about_its_quirks() -> None:
    spec = load_jobspec(EXAMPLES / "replay_job_forensic_audit" / "job.yaml")
    assert spec.warnings == (
        "spec.security: unknown key, ignored; did you mean security?",
        "spec.observability: unknown key, ignored; did you mean observability?",
        "spec.program.uri: remote programs are not supported; using program.eigen.py beside "
        "the job file",
    )


def test_inline_source_hash_matches_upstream() -> None:
    text = job_yaml(name="v1-minimal").replace("target: simulator", "target: sim:local")
    spec = parse_jobspec(text)
    assert spec.source == SOURCE
    assert spec.source_sha256 == UPSTREAM_V1_MINIMAL_SHA
    assert spec.program_path is None and spec.warnings == ()


def test_v01_inline_string_program() -> None:
    text = (
        "apiVersion: eigen.os/v0.1\nkind: QuantumJob\nmetadata: {name: legacy}\n"
        "spec:\n  target: sim:local\n  program: |\n    @hybrid_program\n    def main():\n"
        "        return 1\n"
    )
    assert parse_jobspec(text).source == SOURCE


def test_full_v1_fields(tmp_path: Path) -> None:
    spec = parse_jobspec(
        job_yaml(
            """
            priority: 80
            shots: 2000
            seed: 5
            noise_model: depolarizing:0.01+readout:0.02
            entrypoint: main
            inputs: {theta: 0.5, layers: [1, 2]}
            compiler: {optimization_level: 2, target_profile: balanced}
            dependencies: [j-0123456789ab]
            """,
            extra="runtime:\n  timeout: {execution_seconds: 30}\n  retry: {max_attempts: 5}\n",
        )
    )
    assert (spec.priority, spec.shots, spec.seed) == (80, 2000, 5)
    assert spec.noise_model == "depolarizing:0.01+readout:0.02"
    assert spec.inputs == {"theta": 0.5, "layers": [1, 2]}
    assert spec.optimization_level == 2
    assert spec.compiler_options == {"target_profile": "balanced"}
    assert spec.dependencies == ("j-0123456789ab",)
    assert (spec.timeout_s, spec.max_attempts) == (30.0, 5)


# -- violations ------------------------------------------------------------------------------


def test_malformed_yaml_reports_the_position() -> None:
    with pytest.raises(JobSpecError) as info:
        parse_jobspec("apiVersion: eigen.os/v1\nspec: [unclosed\n")
    detail = info.value.details[0]
    assert detail.field == "job.yaml"
    assert detail.message.startswith("must be valid YAML")
    assert detail.line is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("- a\n- b\n", "got a list"), ("just text\n", "got a str"), ("", "got an empty file")],
    ids=["list", "scalar", "empty"],
)
def test_root_must_be_a_mapping(text: str, expected: str) -> None:
    assert expected in problems(text)["job.yaml"]


def test_missing_everything_is_reported_at_once() -> None:
    assert problems("{}\n") == {
        "apiVersion": "is required; use eigen.os/v1",
        "kind": "is required; use QuantumJob",
        "metadata": "is required",
        "spec": "is required",
    }


def test_missing_name_target_and_program(tmp_path: Path) -> None:
    found = problems(
        "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {}\nspec: {}\n", tmp_path
    )
    assert set(found) == {"metadata.name", "spec.target", "spec.program.path"}
    assert found["spec.program.path"].startswith("file not found: 'program.eigen.py'")


def test_all_violations_reported_together() -> None:
    text = job_yaml(
        """
        priority: 150
        shots: -5
        seed: true
        dependencies: [s3://bucket/input.json]
        """
    ).replace("kind: QuantumJob", "kind: HybridWorkflow")
    with pytest.raises(JobSpecError) as info:
        parse_jobspec(text)
    found = {d.field: d.message for d in info.value.details}
    assert found == {
        "kind": "must be QuantumJob; put HybridWorkflow in spec.workload.kind instead",
        "spec.priority": "must be an integer from 0 to 100, got 150",
        "spec.shots": "must be a positive integer (1 to 100,000,000), got -5",
        "spec.seed": "must be an integer >= 0, got True",
        "spec.dependencies[0]": "must be a job id such as j-0123456789ab, got 's3://bucket/input.json'",
    }
    message = str(info.value)
    assert message.startswith("job.yaml is not a valid JobSpec (5 problems):")
    assert "  spec.priority: must be an integer from 0 to 100, got 150" in message


@pytest.mark.parametrize(
    ("spec", "field", "expected"),
    [("priority: -1", "spec.priority", "got -1"),
     ("priority: high", "spec.priority", "got 'high'"),
     ("shots: 0", "spec.shots", "got 0"),
     ("shots: 1.5", "spec.shots", "got 1.5"),
     ("compiler_options: {optimization_level: 7}", "spec.compiler_options.optimization_level",
      "must be 0, 1, 2 or 3, got 7"),
     ("inputs: [1, 2]", "spec.inputs", "must be a mapping"),
     ("entrypoint: 'not a name'", "spec.entrypoint", "must be a Python function name"),
     ("noise_model: ''", "spec.noise_model", "must be a non-empty string"),
     ("shots: 100\nmetadata: {shots: 200}", "spec.metadata.shots", "conflicts with spec.shots"),
     ("program_path: other.py", "spec.program", "give either path or source, not both")],
    ids=["priority-negative", "priority-word", "shots-zero", "shots-float", "opt-level",
         "inputs-list", "entrypoint", "noise-empty", "shots-conflict", "path-and-source"],
)  # fmt: skip
def test_bad_values(spec: str, field: str, expected: str) -> None:
    found = problems(job_yaml(spec))
    assert expected in found[field], found


def test_numeric_strings_are_accepted_for_metadata_options() -> None:
    spec = parse_jobspec(job_yaml("metadata: {shots: '4096', seed: '11'}"))
    assert (spec.shots, spec.seed) == (4096, 11)


def test_bad_api_version_suggests_the_right_one() -> None:
    found = problems(job_yaml().replace("eigen.os/v1", "eigen.os/v2"))
    assert found["apiVersion"] == (
        "must be eigen.os/v1 (or the legacy eigen.os/v0.1), got 'eigen.os/v2'; "
        "did you mean 'eigen.os/v1'?"
    )


def test_bad_name_and_labels() -> None:
    text = job_yaml(name="'my job'").replace(
        "  name: 'my job'\n", "  name: 'my job'\n  labels: {team: 7}\n"
    )
    found = problems(text)
    assert "letters, digits" in found["metadata.name"]
    assert "quote it" in found["metadata.labels.team"]


def test_yaml_aliases_are_refused() -> None:
    text = job_yaml(extra="runtime: &r {mode: local}\nresources: *r\n")
    assert "aliases" in problems(text)["job.yaml"]


# -- unknown keys ----------------------------------------------------------------------------


def test_unknown_keys_warn_with_did_you_mean() -> None:
    spec = parse_jobspec(job_yaml("prioirty: 10\nshotz: 5", extra="runtimee: {}\nzzz: 1\n"))
    assert spec.warnings == (
        "spec.prioirty: unknown key, ignored; did you mean 'priority'?",
        "spec.shotz: unknown key, ignored; did you mean 'shots'?",
        "runtimee: unknown key, ignored; did you mean 'runtime'?",
        "zzz: unknown key, ignored",
    )
    assert spec.priority is None  # the misspelled key was not used


def test_free_form_sections_do_not_warn() -> None:
    spec = parse_jobspec(
        job_yaml("metadata: {anything: 1}\ncompiler_options: {custom.flag: 'on'}"),
    )
    assert spec.warnings == ()


# -- program files ---------------------------------------------------------------------------


def write_job(directory: Path, program_ref: str, source: str | None = SOURCE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if source is not None:
        (directory / "program.eigen.py").write_text(source)
    job = directory / "job.yaml"
    job.write_text(
        "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: f}\n"
        f"spec:\n  target: simulator\n  program: {{path: {program_ref!r}}}\n"
    )
    return job


def load_problems(job: Path) -> dict[str, str]:
    with pytest.raises(JobSpecError) as info:
        load_jobspec(job)
    return {d.field: d.message for d in info.value.details}


def test_program_path_loads_relative_to_the_job_file(tmp_path: Path) -> None:
    (tmp_path / "jobs" / "src").mkdir(parents=True)
    (tmp_path / "jobs" / "src" / "vqe.eigen.py").write_text(SOURCE)
    spec = load_jobspec(write_job(tmp_path / "jobs", "src/vqe.eigen.py", None))
    assert spec.source == SOURCE and spec.program_path == "src/vqe.eigen.py"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [("../outside.py", "path traversal is not allowed"),
     ("src/../../outside.py", "path traversal is not allowed"),
     ("/etc/passwd", "must be relative"),
     ("C:\\\\Windows\\\\x.py", "must be relative"),
     ("missing.py", "file not found")],
    ids=["dotdot", "nested-dotdot", "absolute", "windows-drive", "missing"],
)  # fmt: skip
def test_bad_program_paths(tmp_path: Path, ref: str, expected: str) -> None:
    (tmp_path / "outside.py").write_text(SOURCE)
    job = write_job(tmp_path / "job", ref)
    assert expected in load_problems(job)["spec.program.path"]


def test_symlink_escaping_the_job_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text(SOURCE)
    job = write_job(tmp_path / "job", "link.py")
    (tmp_path / "job" / "link.py").symlink_to(tmp_path / "secret.py")
    assert "resolves outside" in load_problems(job)["spec.program.path"]


def test_symlink_inside_the_job_directory_is_fine(tmp_path: Path) -> None:
    job = write_job(tmp_path / "job", "alias.py")
    (tmp_path / "job" / "alias.py").symlink_to(tmp_path / "job" / "program.eigen.py")
    assert load_jobspec(job).source == SOURCE


def test_program_path_needs_a_base_directory() -> None:
    text = "apiVersion: eigen.os/v1\nkind: QuantumJob\nmetadata: {name: x}\nspec:\n" \
        "  target: simulator\n  program: {path: program.eigen.py}\n"  # fmt: skip
    assert "directory" in problems(text)["spec.program.path"]


def test_oversized_program_is_refused(tmp_path: Path) -> None:
    job = write_job(tmp_path, "program.eigen.py", "#" * (MAX_PROGRAM_BYTES + 1))
    assert "the limit is 262,144 bytes" in load_problems(job)["spec.program.path"]


def test_oversized_inline_program_is_refused() -> None:
    text = job_yaml().replace("return 1", "return 1  #" + "x" * MAX_PROGRAM_BYTES)
    assert "the limit is 262,144 bytes" in problems(text)["spec.program.source"]


def test_empty_and_binary_programs_are_refused(tmp_path: Path) -> None:
    assert (
        "empty"
        in load_problems(write_job(tmp_path / "a", "program.eigen.py", " \n"))["spec.program.path"]
    )
    job = write_job(tmp_path / "b", "program.eigen.py")
    (tmp_path / "b" / "program.eigen.py").write_bytes(b"\xff\xfe\x00")
    assert "UTF-8" in load_problems(job)["spec.program.path"]


def test_oversized_job_file_is_refused_before_reading(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    with open(job, "wb") as handle:  # sparse: 2 MiB of NULs that are never read
        handle.truncate(2 * MAX_JOBSPEC_BYTES)
    found = load_problems(job)
    assert found == {"job.yaml": "the job file is 2,097,152 bytes; the limit is 1,048,576 bytes"}
    with pytest.raises(JobSpecError, match="limit"):
        parse_jobspec("#" * (MAX_JOBSPEC_BYTES + 1))


def test_missing_and_non_regular_job_files(tmp_path: Path) -> None:
    assert "cannot read" in load_problems(tmp_path / "nope.yaml")["nope.yaml"]
    assert "not a regular file" in load_problems(tmp_path)[tmp_path.name]
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in load_problems(fifo)["fifo.yaml"]


def test_non_utf8_job_file(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_bytes(b"apiVersion: \xff\n")
    assert load_problems(job) == {"job.yaml": "must be UTF-8 text"}


# -- precedence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "spec", "source", "expected", "origin"),
    [({"shots": 1}, {"shots": 2}, {"shots": 3}, 1, "flags"),
     ({}, {"shots": 2}, {"shots": 3}, 2, "jobspec"),
     ({}, {}, {"shots": 3}, 3, "source"),
     ({}, {}, {}, 1024, "default"),
     ({"shots": None}, {"shots": 2}, {}, 2, "jobspec")],
    ids=["flags-win", "jobspec-beats-source", "source-default", "builtin-default",
         "none-means-unset"],
)  # fmt: skip
def test_precedence(
    flags: dict[str, Any], spec: dict[str, Any], source: dict[str, Any], expected: int, origin: str
) -> None:
    resolved = merge_options(spec, flags, source)
    assert (resolved.shots, resolved.origins["shots"]) == (expected, origin)


def test_every_option_merges_and_inputs_merge_per_key() -> None:
    spec = parse_jobspec(
        job_yaml("priority: 70\nseed: 3\ninputs: {theta: 0.2, layers: 2}\nnoise_model: n1")
    )
    resolved = merge_options(
        spec,
        {"seed": 9, "inputs": {"theta": 0.9}, "optimization_level": 3},
        {"target": "aer", "shots": 500, "noise_model": "n0", "inputs": {"layers": 1, "depth": 4}},
    )
    assert resolved.to_dict() == {
        "target": "simulator", "shots": 500, "seed": 9, "priority": 70, "noise_model": "n1",
        "optimization_level": 3, "inputs": {"depth": 4, "layers": 2, "theta": 0.9},
        "origins": {
            "target": "jobspec", "shots": "source", "seed": "flags", "priority": "jobspec",
            "noise_model": "jobspec", "optimization_level": "flags",
            "inputs.depth": "source", "inputs.layers": "jobspec", "inputs.theta": "flags",
        },
    }  # fmt: skip


def test_merge_without_a_jobspec() -> None:
    resolved = merge_options(None, JobOptions(priority=90), {"target": "cirq", "compiler": "x"})
    assert (resolved.target, resolved.priority) == ("cirq", 90)


def test_bad_flags_are_refused_with_the_fix() -> None:
    with pytest.raises(InvalidArgument) as info:
        merge_options(None, {"shot": 5, "priority": 101})
    found = {d.field: d.message for d in info.value.details}
    assert found == {
        "flags.shot": "unknown option; did you mean 'shots'?",
        "flags.priority": "must be an integer from 0 to 100, got 101",
    }


# -- the resolved job.yaml -------------------------------------------------------------------


def test_to_yaml_round_trips_through_qfs_layout(tmp_path: Path) -> None:
    spec = load_jobspec(EXAMPLES / "vqe_h2" / "job.yaml")
    resolved = merge_options(spec, {"shots": 100, "inputs": {"theta": 0.5}})
    text = spec.to_yaml(resolved)
    assert text == spec.to_yaml(resolved)  # deterministic
    doc = yaml.safe_load(text)
    assert list(doc) == ["apiVersion", "kind", "metadata", "spec"]
    assert doc["apiVersion"] == "eigen.os/v1"
    assert doc["spec"]["program"] == {"path": "program.eigen.py", "sha256": spec.source_sha256}
    (tmp_path / "job.yaml").write_text(text)
    (tmp_path / "program.eigen.py").write_text(spec.source)
    again = load_jobspec(tmp_path / "job.yaml")
    assert again.warnings == ()
    assert merge_options(again).to_dict()["shots"] == 100
    assert {k: v for k, v in merge_options(again).to_dict().items() if k != "origins"} == {
        k: v for k, v in resolved.to_dict().items() if k != "origins"
    }
    assert (again.entrypoint, again.workload_kind, again.metadata) == (
        "vqe_h2", "HybridWorkflow", {"max_iters": 60, "optimizer": "cobyla"},
    )  # fmt: skip


def test_stored_job_yaml_detects_a_changed_program(tmp_path: Path) -> None:
    spec = JobSpec(name="cell", target="simulator", source=SOURCE)
    (tmp_path / "job.yaml").write_text(spec.to_yaml())
    (tmp_path / "program.eigen.py").write_text(SOURCE + "# edited\n")
    assert "program changed" in load_problems(tmp_path / "job.yaml")["spec.program.sha256"]
