"""Every opcode of the gate table, on every device, against Qiskit's own gate of that name.

Each gate acts on a generic entangled 3-qubit state; the expectation values of all 64
Pauli strings fix the resulting state completely, so a wrong matrix, qubit order or
relative phase of a controlled gate cannot pass.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from eigen_engine.drivers.protocol import QDriver
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import GATES
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr

LABELS = ["".join(p) for p in itertools.product("IXYZ", repeat=3)]
OBSERVABLES = [PauliSum.from_labels({label: 1.0}) for label in LABELS]
ANGLES = (0.7, -1.3, 2.2)
TARGET_QUBITS = (2, 0, 1)  # a gate on k qubits acts on the first k, so order is tested
PREP = [("U", 0, (0.3, 0.4, 0.5)), ("U", 1, (1.1, -0.2, 0.9)), ("U", 2, (2.0, 0.6, -0.7))]
# symbolic variant: angle i is the expression below, bound with a=0.35, b=0.5
SYMBOLIC = (
    ParamExpr((("a", 2),), 0.0),  # 2a = 0.7
    ParamExpr((("b", -2),), -0.3),  # -2b - 0.3 = -1.3
    ParamExpr((("a", 4), ("b", 1.6)), 0.0),  # 4a + 1.6b = 2.2
)
BINDINGS = (0.35, 0.5)

UNITARY = [g.op for g in GATES.values() if g.unitary]
CASES = [(op, False) for op in UNITARY] + [(op, True) for op in UNITARY if GATES[op].params]


def _prep_ops() -> list[Operation]:
    ops = [Operation("U", (q,), angles) for _, q, angles in PREP]
    return [*ops, Operation("CX", (0, 1)), Operation("CX", (1, 2))]


def _reference(op: str) -> Statevector:
    qc = QuantumCircuit(3)
    for _, q, angles in PREP:
        qc.u(*angles, q)
    qc.cx(0, 1)
    qc.cx(1, 2)
    gdef = GATES[op]
    method = getattr(qc, "id" if op == "I" else gdef.qasm.lower())
    method(*ANGLES[: len(gdef.params)], *TARGET_QUBITS[: gdef.num_qubits])
    return Statevector(qc)


@pytest.mark.parametrize(
    ("op", "symbolic"), CASES, ids=[f"{op}-{'sym' if s else 'num'}" for op, s in CASES]
)
def test_opcode_matches_qiskit(device: tuple[QDriver, str], op: str, symbolic: bool) -> None:
    driver, device_id = device
    gdef = GATES[op]
    params: tuple[Any, ...] = (SYMBOLIC if symbolic else ANGLES)[: len(gdef.params)]
    gate = Operation(op, TARGET_QUBITS[: gdef.num_qubits], params)
    circuit = Circuit(3, (*_prep_ops(), gate), ("a", "b") if symbolic else ())
    values = np.array([BINDINGS]) if symbolic else np.zeros((1, 0))
    got = driver.expectation_values(device_id, circuit, OBSERVABLES, values)[0]
    state = _reference(op)
    want = np.array([state.expectation_value(SparsePauliOp(label)).real for label in LABELS])
    np.testing.assert_allclose(got, want, atol=1e-9, rtol=0)


def test_every_opcode_is_covered() -> None:
    assert {op for op, _ in CASES} | {"RESET", "BARRIER", "MEASURE"} == set(GATES)
