"""Atomic writes: the target is always the old content or the new, never a partial file."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eigen_engine.qfs.atomic import TEMP_SUFFIX, remove_stale_temps, sha256_file, write_atomic

SIZE = 4 << 20  # big enough that a write takes a while, small enough to stay fast

WRITER = f"""
import sys
from eigen_engine.qfs.atomic import write_atomic
target = sys.argv[1]
fill = 0
while True:
    fill = (fill + 1) % 256
    write_atomic(target, bytes([fill]) * {SIZE})
    print("wrote", flush=True)
"""


def test_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temp left


def test_failed_write_keeps_old_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "meta.json"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "text is not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json"]


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "x", b"data")


def test_sigkill_mid_write_never_leaves_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "compiled.aqo.json"
    write_atomic(target, b"\x00" * SIZE)
    for delay in (0.0, 0.003, 0.011, 0.02, 0.037):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == "wrote\n"  # at least one write completed
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        data = target.read_bytes()
        assert len(data) == SIZE
        assert data == data[:1] * SIZE, "the target holds a mix of two writes"
    remove_stale_temps(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compiled.aqo.json"]


def test_remove_stale_temps_only_touches_temp_files(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_bytes(b"keep")
    stale = tmp_path / f".results.json.abc123{TEMP_SUFFIX}"
    stale.write_bytes(b"half")
    assert remove_stale_temps(tmp_path) == [stale]
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert remove_stale_temps(tmp_path / "missing") == []


def test_sha256_file(tmp_path: Path) -> None:
    data = os.urandom(3 << 20)
    target = tmp_path / "blob"
    write_atomic(target, data)
    assert sha256_file(target) == hashlib.sha256(data).hexdigest()
