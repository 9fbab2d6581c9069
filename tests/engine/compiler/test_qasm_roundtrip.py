"""The OpenQASM 3 we emit loads with ``qiskit.qasm3.loads`` into an equivalent circuit.

Reference: a circuit built directly from the AQO with Qiskit's gate classes (independent of
the QASM text). Compared by statevector fidelity (global phase ignored) after binding the
same random parameter values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

qiskit = pytest.importorskip("qiskit")
from qiskit import QuantumCircuit, qasm3  # noqa: E402
from qiskit.circuit import library as lib  # noqa: E402
from qiskit.quantum_info import Statevector  # noqa: E402

from eigen_engine import compile_source  # noqa: E402
from eigen_engine.ir import GATES, ParamExpr, circuit_from_aqo  # noqa: E402
from eigen_engine.ir.qasm import qasm_identifier  # noqa: E402

_QISKIT = {
    "H": lib.HGate, "X": lib.XGate, "Y": lib.YGate, "Z": lib.ZGate,
    "S": lib.SGate, "SDG": lib.SdgGate, "T": lib.TGate, "TDG": lib.TdgGate, "SX": lib.SXGate,
    "RX": lib.RXGate, "RY": lib.RYGate, "RZ": lib.RZGate, "P": lib.PhaseGate, "U": lib.UGate,
    "CX": lib.CXGate, "CY": lib.CYGate, "CZ": lib.CZGate, "CH": lib.CHGate,
    "SWAP": lib.SwapGate, "CRX": lib.CRXGate, "CRY": lib.CRYGate, "CRZ": lib.CRZGate,
    "CP": lib.CPhaseGate, "RXX": lib.RXXGate, "RYY": lib.RYYGate, "RZZ": lib.RZZGate,
    "CCX": lib.CCXGate, "CCZ": lib.CCZGate, "CSWAP": lib.CSwapGate,
}
UNITARY_OPS = sorted(_QISKIT)
IMPORTS = (
    "from eigen_lang import (hybrid_program, Param, Params, QubitRegister, ClassicalRegister, "
    "barrier, measure, sample, create_hea_ansatz, h, x, y, z, s, sdg, t, tdg, sx, rx, ry, rz, "
    "p, u, cx, cy, cz, ch, swap, crx, cry, crz, cp, rxx, ryy, rzz, ccx, ccz, cswap)"
)


def reference_circuit(aqo: dict, values: dict[str, float]) -> QuantumCircuit:
    circ = circuit_from_aqo(aqo).without_final_measurements()
    qc = QuantumCircuit(circ.num_qubits)
    for op in circ.operations:
        if op.op == "BARRIER":
            continue
        params = [v.evaluate(values) if isinstance(v, ParamExpr) else float(v)
                  for v in op.params]
        qc.append(_QISKIT[op.op](*params), list(op.qubits))
    return qc


def loaded_circuit(qasm: str, values: dict[str, float]) -> QuantumCircuit:
    qc = qasm3.loads(qasm)
    qc.remove_final_measurements()
    by_name = {p.name: p for p in qc.parameters}
    binding = {by_name[qasm_identifier(n)]: v for n, v in values.items()
               if qasm_identifier(n) in by_name}
    return qc.assign_parameters(binding)


def fidelity(a: QuantumCircuit, b: QuantumCircuit) -> float:
    return float(abs(np.vdot(Statevector(a).data, Statevector(b).data)) ** 2)


def test_gate_table_covers_qiskit_reference() -> None:
    assert {op for op, g in GATES.items() if g.unitary} - {"I"} == set(_QISKIT)


def _program(gates: list[tuple[str, list[int], list[str]]], n: int) -> str:
    names = {"CX": "cx", "SDG": "sdg", "TDG": "tdg", "CSWAP": "cswap", "CP": "cp"}
    lines = [IMPORTS, "", "@hybrid_program()", "def prog():"]
    lines.append("    a = Param('a', 0.3)")
    lines.append("    b = Param('b', -0.7)")
    lines.append("    v = Params('v', 3)")
    for op, qubits, angles in gates:
        name = names.get(op, op.lower())
        lines.append(f"    {name}({', '.join(map(str, [*qubits, *angles]))})")
    lines.append(f"    barrier({', '.join(str(i) for i in range(n))})")
    return "\n".join(lines) + "\n"


ANGLES = st.sampled_from(["0.25", "-1.1", "a", "b", "2 * a", "a - b + 0.5", "v[0]",
                          "0.5 * v[2] - a", "3.14159"])


@st.composite
def random_programs(draw: st.DrawFn) -> tuple[str, int]:
    n = draw(st.integers(min_value=3, max_value=4))
    gates = []
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        op = draw(st.sampled_from(UNITARY_OPS))
        nq = GATES[op].num_qubits
        qubits = draw(st.permutations(list(range(n))))[:nq]
        angles = [draw(ANGLES) for _ in GATES[op].params]
        gates.append((op, qubits, angles))
    return _program(gates, n), n


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(random_programs(), st.lists(st.floats(-3, 3), min_size=5, max_size=5))
def test_qasm_round_trip_is_equivalent(case: tuple[str, int], raw: list[float]) -> None:
    source, _ = case
    prog = compile_source(source)
    values = {"a": raw[0], "b": raw[1], "v[0]": raw[2], "v[1]": raw[3], "v[2]": raw[4]}
    ref = reference_circuit(dict(prog.aqo), values)
    got = loaded_circuit(prog.qasm, values)
    assert got.num_qubits == ref.num_qubits
    assert fidelity(ref, got) == pytest.approx(1.0, abs=1e-9)


def test_qasm_measurements_and_parameters_load() -> None:
    prog = compile_source(
        IMPORTS + "\n@hybrid_program()\ndef f():\n"
        "    q = QubitRegister(2)\n    c = ClassicalRegister(2)\n"
        "    h(q[0])\n    rz(q[1], Param('phi', 0.2))\n    measure(q[0], c[1])\n"
        "    measure(q[1], c[0])\n")
    qc = qasm3.loads(prog.qasm)
    assert qc.num_clbits == 2
    assert [p.name for p in qc.parameters] == ["phi"]
    measured = [(qc.find_bit(i.qubits[0]).index, qc.find_bit(i.clbits[0]).index)
                for i in qc.data if i.operation.name == "measure"]
    assert measured == [(0, 1), (1, 0)]


def test_hea_ansatz_qasm_matches_qiskit_n_local() -> None:
    from qiskit.circuit.library import n_local

    prog = compile_source(
        IMPORTS + "\n@hybrid_program()\ndef f():\n"
        "    a = create_hea_ansatz(4, 2, 'linear', 'ry')\n"
        "    return sample(a, parameters=[0.1 * i for i in range(a.num_params)])\n")
    ours = qasm3.loads(prog.qasm)
    ours.remove_final_measurements()
    values = [0.1 * i for i in range(12)]
    ref = n_local(4, "ry", "cx", entanglement="linear", reps=2)
    ref = ref.assign_parameters(values)
    ordered = sorted(ours.parameters, key=lambda p: int(p.name.split("_")[1]))
    ours = ours.assign_parameters(dict(zip(ordered, values, strict=True)))
    assert fidelity(ref, ours) == pytest.approx(1.0, abs=1e-12)
