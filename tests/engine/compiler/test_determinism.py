"""Determinism: identical source + options give identical bytes, in any process, any time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eigen_engine import compile_source

ROOT = Path(__file__).parents[3]
PROGRAMS = sorted((ROOT / "tests" / "golden").glob("*.eigen.py"))

_CHILD = r"""
import hashlib, json, sys, time, datetime
def _clock(*a, **k):
    raise AssertionError("the compiler read the clock")
# Installed before the compiler is imported: any clock read during compilation fails.
from eigen_engine import compile_source
time.time = time.time_ns = time.monotonic = time.monotonic_ns = _clock
time.perf_counter = time.perf_counter_ns = time.localtime = time.gmtime = _clock
class _DT(datetime.datetime):
    @classmethod
    def now(cls, tz=None): _clock()
    @classmethod
    def utcnow(cls): _clock()
    @classmethod
    def today(cls): _clock()
datetime.datetime = _DT
out = {}
for path in sys.argv[1:]:
    prog = compile_source(open(path, "rb").read(), seed=7, filename=path)
    out[path] = hashlib.sha256(prog.aqo_json).hexdigest()
print(json.dumps(out))
"""


def _hashes_in_subprocess(hashseed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    proc = subprocess.run([sys.executable, "-c", _CHILD, *map(str, PROGRAMS)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_byte_identical_across_processes_and_hash_seeds() -> None:
    first = _hashes_in_subprocess("0")
    second = _hashes_in_subprocess("12345")
    third = _hashes_in_subprocess("random")
    assert first == second == third
    assert len(first) == len(PROGRAMS)
    here = {str(p): compile_source(p.read_bytes(), seed=7, filename=str(p)).sha256
            for p in PROGRAMS}
    assert here == first


def test_options_change_the_bytes_and_are_recorded() -> None:
    src = (ROOT / "examples" / "logistics" / "program.eigen.py").read_text()
    a = compile_source(src, seed=7)
    b = compile_source(src, seed=8)
    c = compile_source(src, seed=7, inputs={"n_routes": 4})
    assert a.sha256 != b.sha256 != c.sha256
    assert a.aqo["metadata"]["seed"] == 7
    assert c.aqo["metadata"]["inputs"]["n_routes"] == 4
    assert c.aqo["annotations"]["hybrid"]["nodes"][0]["observable"]["num_qubits"] == 4


def test_seed_defaults_to_program_then_source_hash() -> None:
    src = (ROOT / "tests" / "golden" / "qaoa_ring.eigen.py").read_text()
    assert compile_source(src).seed == 11  # @hybrid_program(seed=11)
    src2 = (ROOT / "examples" / "logistics" / "program.eigen.py").read_text()
    prog = compile_source(src2)
    assert prog.seed == int(prog.source_sha256[:8], 16)
    assert prog.aqo["metadata"]["seed_source"] == "source_sha256"
    assert compile_source(src2).aqo_json == prog.aqo_json


def test_canonical_bytes_are_the_upstream_encoding() -> None:
    prog = compile_source((ROOT / "tests" / "golden" / "ghz_loop.eigen.py").read_text())
    doc = json.loads(prog.aqo_json)
    again = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
    assert again.encode() == prog.aqo_json
    assert not prog.aqo_json.endswith(b"\n")


def test_compile_restores_the_garbage_collector() -> None:
    import gc

    assert gc.isenabled()
    compile_source((ROOT / "tests" / "golden" / "ghz_loop.eigen.py").read_text())
    assert gc.isenabled()
    gc.disable()
    try:
        compile_source((ROOT / "tests" / "golden" / "ghz_loop.eigen.py").read_text())
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
