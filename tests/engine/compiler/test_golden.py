"""Golden files: each tests/golden/*.eigen.py compiles to its committed *.aqo.json.

Regenerate (only when the change is intended) with ``EIGEN_REGEN_GOLDEN=1 pytest
tests/engine/compiler/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eigen_engine import compile_source

GOLDEN = Path(__file__).parents[2] / "golden"
PROGRAMS = sorted(GOLDEN.glob("*.eigen.py"))
SEED = 7


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.name.removesuffix(".eigen.py")
                                                 for p in PROGRAMS])
def test_golden_aqo_is_byte_stable(path: Path) -> None:
    program = compile_source(path.read_bytes(), seed=SEED, filename=path.name)
    expected = path.with_name(path.name.removesuffix(".eigen.py") + ".aqo.json")
    if os.environ.get("EIGEN_REGEN_GOLDEN") == "1":
        expected.write_bytes(program.aqo_json)
    assert expected.exists(), f"missing {expected.name}; regenerate with EIGEN_REGEN_GOLDEN=1"
    assert program.aqo_json == expected.read_bytes()


def test_every_golden_program_has_a_golden_file() -> None:
    assert len(PROGRAMS) >= 6
    for path in PROGRAMS:
        assert path.with_name(path.name.removesuffix(".eigen.py") + ".aqo.json").exists()


# Upstream's two conformance programs (reference: upstream-contracts.md, last section).
UPSTREAM = {
    "minimal_circuit": {
        "version": "1.0.0",
        "qubits": 1,
        "operations": [{"op": "RY", "params": {"theta": 1.570796}, "q": [0]},
                       {"c": [0], "op": "MEASURE", "q": [0]}],
    },
    "parameterized_vqe": {
        "version": "1.0.0",
        "qubits": 1,
        "operations": [{"op": "RY", "params": {"theta": "theta"}, "q": [0]},
                       {"c": [0], "op": "MEASURE", "q": [0]}],
        "parameters": {"theta": "theta"},
    },
}


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_upstream_goldens_match_exactly(name: str) -> None:
    doc = compile_source((GOLDEN / f"{name}.eigen.py").read_text()).aqo
    expected = UPSTREAM[name]
    for key in ("version", "qubits", "operations", "parameters"):
        assert doc.get(key) == expected.get(key), key
    # the upstream operation JSON is byte-identical, not only equal as data
    ours = json.dumps(doc["operations"], sort_keys=True, separators=(",", ":"))
    theirs = json.dumps(expected["operations"], sort_keys=True, separators=(",", ":"))
    assert ours == theirs


def test_upstream_vqe_annotations_keep_upstream_markers() -> None:
    doc = compile_source((GOLDEN / "parameterized_vqe.eigen.py").read_text()).aqo
    ann = doc["annotations"]
    assert ann["expectation"] == {"kind": "ExpectationValue"}
    assert ann["hybrid_plan_marker"] == {"expanded_by": "kernel", "kind": "minimize"}


def test_minimal_circuit_has_no_annotations() -> None:
    doc = compile_source((GOLDEN / "minimal_circuit.eigen.py").read_text()).aqo
    assert "annotations" not in doc
    assert "parameters" not in doc
