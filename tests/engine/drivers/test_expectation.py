"""Exact expectation values: random circuits against Qiskit, Aer against Cirq, noise, shapes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector

from eigen_engine.drivers.aer import AerDriver
from eigen_engine.drivers.cirq import CirqDriver
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import GATES
from eigen_engine.ir.observable import PauliSum, PauliTerm
from eigen_engine.ir.params import ParamExpr

Device = tuple[QDriver, str]
Build = Callable[..., Circuit]
NAMES = ("a", "b", "c")
GATE_POOL = [g for g in GATES.values() if g.unitary]


def random_circuit(rng: np.random.Generator, num_qubits: int, depth: int) -> Circuit:
    """Random gates from the whole table; half of the angles are affine expressions."""
    ops = []
    for _ in range(depth):
        gdef = GATE_POOL[rng.integers(len(GATE_POOL))]
        if gdef.num_qubits > num_qubits:
            continue
        qubits = tuple(int(q) for q in rng.permutation(num_qubits)[: gdef.num_qubits])
        params: list[float | ParamExpr] = []
        for _ in gdef.params:
            if rng.random() < 0.5:
                params.append(float(rng.uniform(-np.pi, np.pi)))
            else:
                name = NAMES[rng.integers(len(NAMES))]
                coef = float(rng.uniform(-2, 2))
                params.append(ParamExpr(((name, coef),), float(rng.normal())))
        ops.append(Operation(gdef.op, qubits, tuple(params)))
    used = {n for op in ops for n in op.parameter_names}
    return Circuit(num_qubits, tuple(ops), tuple(n for n in NAMES if n in used))


def random_observable(rng: np.random.Generator, num_qubits: int, terms: int) -> PauliSum:
    labels: dict[str, complex] = {}
    for _ in range(terms):
        label = "".join(rng.choice(list("IXYZ"), size=num_qubits))
        labels[label] = labels.get(label, 0) + float(rng.normal())
    return PauliSum.from_labels(labels)


def qiskit_circuit(circuit: Circuit, values: dict[str, float]) -> QuantumCircuit:
    """The reference: Qiskit's gates by their QASM names, angles evaluated in Python."""
    qc = QuantumCircuit(circuit.num_qubits)
    for op in circuit.operations:
        angles = [v.evaluate(values) if isinstance(v, ParamExpr) else v for v in op.params]
        method = getattr(qc, "id" if op.op == "I" else GATES[op.op].qasm.lower())
        method(*angles, *op.qubits)
    return qc


def reference(circuit: Circuit, observables: list[PauliSum], rows: np.ndarray) -> np.ndarray:
    out = []
    for row in rows:
        values = dict(zip(circuit.parameters, row, strict=True))
        state = Statevector(qiskit_circuit(circuit, values))
        ops = [
            SparsePauliOp.from_list(list(o.labels().items()) or [("I" * circuit.num_qubits, 0)])
            for o in (obs.widened(circuit.num_qubits) for obs in observables)
        ]
        out.append([state.expectation_value(op).real for op in ops])
    return np.array(out)


@pytest.mark.parametrize("seed", range(4), ids=[f"seed{i}" for i in range(4)])
def test_random_circuits_match_qiskit_statevector(device: Device, seed: int) -> None:
    driver, device_id = device
    rng = np.random.default_rng(seed)
    circuit = random_circuit(rng, 4, 30)
    observables = [
        random_observable(rng, 4, 5), random_observable(rng, 3, 2), PauliSum.single("Z", 0)
    ]
    rows = rng.uniform(-np.pi, np.pi, size=(3, len(circuit.parameters)))
    got = driver.expectation_values(device_id, circuit, observables, rows)
    assert got.shape == (3, 3)
    np.testing.assert_allclose(got, reference(circuit, observables, rows), atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    "noise",
    [
        "depolarizing:0.03",
        "thermal:50e-6,70e-6,2e-6",
        "thermal:50e-6,20e-6,2e-6",  # T2 < T1: a different branch of Qiskit's construction
        "depolarizing:0.01+thermal:40e-6,60e-6,1e-6+readout:0.1",
    ],
    ids=["depolarizing", "thermal", "thermal-t2-short", "combined"],
)
def test_noisy_values_agree_between_aer_and_cirq(
    aer_driver: AerDriver, cirq_driver: CirqDriver, noise: str
) -> None:
    rng = np.random.default_rng(7)
    circuit = random_circuit(rng, 3, 20)
    observables = [random_observable(rng, 3, 6), PauliSum.single("X", 1), PauliSum.single("Y", 2)]
    rows = rng.uniform(-np.pi, np.pi, size=(2, len(circuit.parameters)))
    aer = aer_driver.expectation_values("aer", circuit, observables, rows, noise_model=noise)
    dm = aer_driver.expectation_values("aer:mps", circuit, observables, rows, noise_model=noise)
    cirq = cirq_driver.expectation_values("cirq", circuit, observables, rows, noise_model=noise)
    np.testing.assert_allclose(aer, cirq, atol=1e-9, rtol=0)
    np.testing.assert_allclose(dm, cirq, atol=1e-9, rtol=0)
    ideal = aer_driver.expectation_values("aer", circuit, observables, rows)
    assert np.abs(aer - ideal).max() > 1e-4  # the noise did something


def test_depolarizing_shrinks_a_single_qubit_value_exactly(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(1, [("RY", 0, {"theta": 0.8})])
    z = driver.expectation_values(
        device_id, qc, [PauliSum.single("Z", 0)], [[]], noise_model="depolarizing:0.1"
    )
    assert z[0, 0] == pytest.approx(0.9 * np.cos(0.8), abs=1e-12)


def test_reset_and_mid_circuit_measurement_give_the_mixed_state(
    device: Device, circuit: Build
) -> None:
    driver, device_id = device
    # H, measure, H: the measurement dephases, so <X> = 1 before it and <Z> = 0 after
    measured = circuit(1, [("H", 0), ("MEASURE", [0], [0]), ("H", 0)])
    unmeasured = circuit(1, [("H", 0), ("H", 0)])
    z = [PauliSum.single("Z", 0)]
    dephased = driver.expectation_values(device_id, measured, z, [[]])
    assert dephased[0, 0] == pytest.approx(0, abs=1e-12)
    assert driver.expectation_values(device_id, unmeasured, z, [[]])[0, 0] == pytest.approx(1)
    # Bell pair, reset qubit 0: qubit 1 is left maximally mixed, qubit 0 in |0>
    reset = circuit(2, [("H", 0), ("CX", 0, 1), ("RESET", 0)])
    obs = [PauliSum.single("Z", 0), PauliSum.single("Z", 1), PauliSum.single("X", 1)]
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.reset(0)
    rho = DensityMatrix(qc)
    want = [rho.expectation_value(SparsePauliOp(label)).real for label in ("IZ", "ZI", "XI")]
    got = driver.expectation_values(device_id, reset, obs, [[]])[0]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_final_measurements_are_ignored(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(1, [("RX", 0, {"theta": 0.5}), ("MEASURE", [0], [0])])
    got = driver.expectation_values(device_id, qc, [PauliSum.single("Y", 0)], [[]])
    assert got[0, 0] == pytest.approx(-np.sin(0.5), abs=1e-12)


def test_constant_and_empty_observables(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(2, [("X", 1)])
    constant = PauliSum.single("Z", 1, 2.0) + 0.5
    empty = PauliSum((), 1)
    got = driver.expectation_values(device_id, qc, [constant, empty], [[], []])
    np.testing.assert_allclose(got, [[-1.5, 0.0], [-1.5, 0.0]], atol=1e-12)
    assert driver.expectation_values(device_id, qc, [], [[]]).shape == (1, 0)
    assert driver.expectation_values(device_id, qc, [constant], np.zeros((0, 0))).shape == (0, 1)


def test_parameter_rows_follow_circuit_parameters(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(2, [("RY", 0, {"theta": "b"}), ("RY", 1, {"theta": "a"})])
    assert qc.parameters == ("b", "a")
    obs = [PauliSum.single("Z", 0), PauliSum.single("Z", 1)]
    got = driver.expectation_values(device_id, qc, obs, np.array([0.3, 1.2]))  # one 1-D row
    np.testing.assert_allclose(got, [[np.cos(0.3), np.cos(1.2)]], atol=1e-12)


@pytest.mark.parametrize(
    ("rows", "observable", "match"),
    [
        ([[0.1, 0.2]], PauliSum.single("Z", 0), "shape"),
        ([[np.nan]], PauliSum.single("Z", 0), "NaN"),
        ([[0.1]], PauliSum.single("Z", 3), "acts on 4 qubits"),
        ([[0.1]], PauliSum((PauliTerm("X", (0,), 1j),), 1), "not Hermitian"),
    ],
    ids=["wrong-width", "nan", "observable-too-wide", "non-hermitian"],
)
def test_bad_expectation_input(
    device: Device, circuit: Build, rows: list[list[float]], observable: PauliSum, match: str
) -> None:
    driver, device_id = device
    qc = circuit(2, [("RX", 0, {"theta": "t"})])
    with pytest.raises(InvalidArgument, match=match):
        driver.expectation_values(device_id, qc, [observable], rows)


def hea(num_qubits: int, layers: int) -> Circuit:
    """Hardware-efficient ansatz: RY layer, CX chain, fixed RZ layer, ``layers`` times."""
    ops = [Operation("H", (q,)) for q in range(num_qubits)]
    names = []
    for layer in range(layers):
        for q in range(num_qubits):
            name = f"t[{layer * num_qubits + q}]"
            names.append(name)
            ops.append(Operation("RY", (q,), (ParamExpr.symbol(name),)))
        ops += [Operation("CX", (q, q + 1)) for q in range(num_qubits - 1)]
        ops += [Operation("RZ", (q,), (0.3 * q + 0.1,)) for q in range(num_qubits)]
    return Circuit(num_qubits, tuple(ops), tuple(names))


def test_hea_sweep_agrees_between_drivers(aer_driver: AerDriver, cirq_driver: CirqDriver) -> None:
    circuit = hea(5, 4)
    assert len(circuit.operations) == 61
    heisenberg = PauliSum.from_labels({"ZZIII": 1.0, "XXIII": 0.5, "IIYYI": 0.5, "IIIIZ": 0.3})
    rows = np.random.default_rng(3).uniform(-np.pi, np.pi, size=(20, 20))
    aer = aer_driver.expectation_values("aer", circuit, [heisenberg], rows)
    cirq = cirq_driver.expectation_values("cirq", circuit, [heisenberg], rows)
    np.testing.assert_allclose(aer, cirq, atol=1e-9, rtol=0)
    np.testing.assert_allclose(aer[:1], reference(circuit, [heisenberg], rows[:1]), atol=1e-9)
