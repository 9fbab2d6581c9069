"""The artifact store: RFC 0011 names, no path escapes, meta.json hashes and verification."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eigen_engine.errors import InvalidArgument, NotFound, StorageError
from eigen_engine.qfs.artifacts import ARTIFACT_NAMES, ArtifactMismatch, ArtifactStore
from eigen_engine.qfs.atomic import sha256_file

JOB = "j-0123456789ab"


def test_rfc_0011_names_are_all_accepted() -> None:
    assert {
        "program.eigen.py", "job.yaml", "compiled.aqo.json", "compiled.qasm", "results.json",
        "meta.json", "iterations.jsonl",
    } <= ARTIFACT_NAMES  # fmt: skip


def test_write_read_list(store: ArtifactStore, tmp_path: Path) -> None:
    assert store.list(JOB) == []
    digest = store.write(JOB, "program.eigen.py", b"@hybrid_program\ndef main(): ...\n")
    store.write_json(JOB, "results.json", {"counts": {"00": 3}})
    assert store.read(JOB, "program.eigen.py").startswith(b"@hybrid_program")
    assert store.read_json(JOB, "results.json") == {"counts": {"00": 3}}
    assert store.list(JOB) == ["program.eigen.py", "results.json"]
    assert store.exists(JOB, "results.json") and not store.exists(JOB, "compiled.qasm")
    assert store.path(JOB, "results.json") == tmp_path / "circuit_fs" / JOB / "results.json"
    assert digest == sha256_file(store.path(JOB, "program.eigen.py"))
    assert not [p for p in store.job_dir(JOB).iterdir() if p.name.startswith(".")]


def test_missing_artifact_is_not_found(store: ArtifactStore) -> None:
    with pytest.raises(NotFound, match=r"results\.json"):
        store.read(JOB, "results.json")


@pytest.mark.parametrize(
    "name",
    ["../x", "../../etc/passwd", "/etc/passwd", "results.json/../../x", "foo.txt", "",
     "meta.json\x00", ".", "..", "RESULTS.JSON"],
    ids=["dotdot", "deep-dotdot", "absolute", "nested-escape", "unknown", "empty", "nul", "dot",
         "dotdot-only", "case"],
)  # fmt: skip
def test_unknown_names_are_refused(store: ArtifactStore, name: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.write(JOB, name, b"x")
    assert info.value.details[0].field == "name"
    with pytest.raises(InvalidArgument):
        store.read(JOB, name)


@pytest.mark.parametrize(
    "job_id",
    ["..", "../j-0123456789ab", "/tmp", "j-0123456789ab/..", "j-XYZ", ""],
    ids=["dotdot", "escape", "absolute", "suffix", "malformed", "empty"],
)
def test_bad_job_ids_are_refused(store: ArtifactStore, job_id: str) -> None:
    with pytest.raises(InvalidArgument):
        store.write(job_id, "results.json", b"{}")
    with pytest.raises(InvalidArgument):
        store.list(job_id)


def test_symlinked_artifact_is_not_followed(store: ArtifactStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    store.write(JOB, "job.yaml", b"x")
    link = store.path(JOB, "results.json")
    link.symlink_to(secret)
    with pytest.raises(StorageError, match="symbolic link"):
        store.read(JOB, "results.json")


def test_meta_records_every_artifact_and_verifies(store: ArtifactStore) -> None:
    store.write(JOB, "program.eigen.py", b"source")
    store.write(JOB, "compiled.aqo.json", b'{"version":"1.0.0"}')
    store.append_jsonl(JOB, "iterations.jsonl", {"iteration": 1, "value": -0.5})
    meta = store.write_meta(
        JOB, {"versions": {"eigen": "0.1.0"}, "seed": 7, "timings_s": {"compile": 0.01}}
    )
    assert set(meta["artifacts"]) == {"program.eigen.py", "compiled.aqo.json", "iterations.jsonl"}
    assert meta["artifacts"]["program.eigen.py"] == {
        "sha256": sha256_file(store.path(JOB, "program.eigen.py")),
        "size_bytes": 6,
    }
    assert store.read_meta(JOB) == meta
    assert meta["seed"] == 7 and meta["job_id"] == JOB
    assert store.verify(JOB) == []
    # Rewriting meta.json later includes artifacts written since (meta.json itself never).
    store.write(JOB, "results.json", b"{}")
    assert "results.json" in store.write_meta(JOB, {})["artifacts"]
    assert "meta.json" not in store.read_meta(JOB)["artifacts"]


def test_verify_catches_tampering(store: ArtifactStore) -> None:
    store.write(JOB, "program.eigen.py", b"source")
    store.write(JOB, "results.json", b'{"counts": {"00": 10}}')
    store.write(JOB, "compiled.qasm", b"OPENQASM 3.0;")
    store.write_meta(JOB, {})
    store.path(JOB, "results.json").write_bytes(b'{"counts": {"00": 99}}')  # tampered
    os.unlink(store.path(JOB, "compiled.qasm"))  # lost
    store.write(JOB, "job.yaml", b"apiVersion: eigen.os/v1\n")  # never recorded
    problems = {m.name: m for m in store.verify(JOB)}
    assert {name: m.reason for name, m in problems.items()} == {
        "results.json": "modified", "compiled.qasm": "missing", "job.yaml": "unrecorded",
    }  # fmt: skip
    assert "modified" in str(problems["results.json"])
    assert isinstance(problems["compiled.qasm"], ArtifactMismatch)


def test_verify_without_meta_is_not_found(store: ArtifactStore) -> None:
    store.write(JOB, "program.eigen.py", b"source")
    with pytest.raises(NotFound):
        store.verify(JOB)


def test_reserved_meta_keys_are_refused(store: ArtifactStore) -> None:
    with pytest.raises(ValueError, match="reserved"):
        store.write_meta(JOB, {"artifacts": {}})


def test_jsonl_lines_are_complete_or_absent(store: ArtifactStore) -> None:
    store.append_jsonl(JOB, "iterations.jsonl", {"iteration": 1})
    store.append_jsonl(JOB, "iterations.jsonl", {"iteration": 2})
    path = store.path(JOB, "iterations.jsonl")
    with open(path, "ab") as handle:  # a writer died mid-line
        handle.write(b'{"iteration": 3, "val')
    assert store.read_jsonl(JOB, "iterations.jsonl") == [{"iteration": 1}, {"iteration": 2}]
    store.append_jsonl(JOB, "iterations.jsonl", {"iteration": 3}, fsync=True)
    lines = path.read_bytes().splitlines()
    assert [json.loads(line) for line in lines] == [{"iteration": i} for i in (1, 2, 3)]


def test_jsonl_torn_first_line_is_cut(store: ArtifactStore) -> None:
    store.write(JOB, "iterations.jsonl", b'{"iteration": 1, "val')
    assert store.read_jsonl(JOB, "iterations.jsonl") == []
    store.append_jsonl(JOB, "iterations.jsonl", {"iteration": 1})
    assert store.read_jsonl(JOB, "iterations.jsonl") == [{"iteration": 1}]


def test_append_needs_a_jsonl_artifact(store: ArtifactStore) -> None:
    with pytest.raises(ValueError):
        store.append_jsonl(JOB, "results.json", {})
    with pytest.raises(ValueError):
        store.append_jsonl(JOB, "iterations.jsonl", {"value": float("nan")})
    assert store.read_jsonl(JOB, "iterations.jsonl") == []


def test_clean_temps(store: ArtifactStore) -> None:
    store.write(JOB, "results.json", b"{}")
    stale = store.job_dir(JOB) / ".results.json.x.qfs-tmp"
    stale.write_bytes(b"half")
    assert store.clean_temps(JOB) == [stale]
    assert store.list(JOB) == ["results.json"]
