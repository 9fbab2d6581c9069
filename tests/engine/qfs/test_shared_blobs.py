"""Programs and compiled files shared by many jobs are stored once and hard-linked."""

from __future__ import annotations

import os
from pathlib import Path

from eigen_engine.qfs.artifacts import ArtifactStore
from eigen_engine.qfs.atomic import TEMP_SUFFIX

A, B = "j-0123456789ab", "j-ba9876543210"


def test_identical_programs_share_one_inode_and_verify(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    for job in (A, B):
        store.write(job, "program.eigen.py", b"print('same source')\n")
        store.write(job, "results.json", job.encode())  # never shared
        store.write_meta(job, {})
    program = [store.path(job, "program.eigen.py").stat() for job in (A, B)]
    results = [store.path(job, "results.json").stat() for job in (A, B)]
    assert program[0].st_ino == program[1].st_ino
    assert results[0].st_ino != results[1].st_ino
    assert store.verify(A) == [] and store.verify(B) == []
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_replacing_a_shared_file_leaves_the_other_job_alone(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    store.write(A, "compiled.qasm", b"OPENQASM 3.0;\n")
    store.write(B, "compiled.qasm", b"OPENQASM 3.0;\n")
    store.write(A, "compiled.qasm", b"OPENQASM 3.0;\nqubit[2] q;\n")
    assert store.read(B, "compiled.qasm") == b"OPENQASM 3.0;\n"
    assert store.read(A, "compiled.qasm").endswith(b"q;\n")
    assert os.stat(store.path(A, "compiled.qasm")).st_nlink == 2  # with its own blob
