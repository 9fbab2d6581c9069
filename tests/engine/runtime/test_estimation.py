"""Exact and sampled expectation values through the runtime's estimator, on both drivers."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector

from eigen_engine.drivers.protocol import QDriver
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import GATES
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr
from eigen_engine.runtime.estimation import Estimator, Request, SeedStream
from eigen_engine.runtime.measurement import MeasurementPlan

NAMES = ("a", "b", "c")
POOL = [g for g in GATES.values() if g.unitary and g.num_qubits <= 3]


def random_circuit(rng: np.random.Generator, num_qubits: int, depth: int) -> Circuit:
    """Random gates from the whole table; most angles are affine in the parameters."""
    ops = []
    for _ in range(depth):
        gdef = POOL[rng.integers(len(POOL))]
        if gdef.num_qubits > num_qubits:
            continue
        qubits = tuple(int(q) for q in rng.permutation(num_qubits)[: gdef.num_qubits])
        params: list[float | ParamExpr] = []
        for _ in gdef.params:
            if rng.random() < 0.3:
                params.append(float(rng.uniform(-np.pi, np.pi)))
            else:
                name = NAMES[rng.integers(len(NAMES))]
                params.append(ParamExpr(((name, float(rng.uniform(-2, 2))),),
                                        float(rng.normal())))
        ops.append(Operation(gdef.op, qubits, tuple(params)))
    used = {n for op in ops for n in op.parameter_names}
    return Circuit(num_qubits, tuple(ops), tuple(n for n in NAMES if n in used))


def random_observable(rng: np.random.Generator, num_qubits: int, terms: int) -> PauliSum:
    labels: dict[str, complex] = {"I" * num_qubits: 0.25}
    for _ in range(terms):
        label = "".join(rng.choice(list("IXYZ"), size=num_qubits))
        labels[label] = labels.get(label, 0) + float(rng.normal())
    return PauliSum.from_labels(labels)


def test_exact_values_agree_between_aer_and_cirq_to_1e_9(
        aer_driver: QDriver, cirq_driver: QDriver) -> None:
    rng = np.random.default_rng(2024)
    for trial in range(4):
        n = 2 + trial % 3
        circuit = random_circuit(rng, n, 14)
        observables = (random_observable(rng, n, 4), random_observable(rng, n, 2))
        rows = rng.uniform(-np.pi, np.pi, size=(5, len(circuit.parameters)))
        request = Request(circuit, observables, rows, None)
        aer = Estimator(aer_driver, "aer", SeedStream(1)).estimate([request])[0]
        cirq = Estimator(cirq_driver, "cirq", SeedStream(1)).estimate([request])[0]
        assert aer.shape == (5, 2)
        np.testing.assert_allclose(aer, cirq, rtol=0, atol=1e-9)


def _bell_like() -> tuple[Circuit, QuantumCircuit]:
    theta = ParamExpr.symbol("t")
    ops = (Operation("RY", (0,), (theta,)), Operation("CX", (0, 1)),
           Operation("RX", (2,), (theta.scale(0.5),)), Operation("CX", (1, 2)),
           Operation("S", (1,)))
    circuit = Circuit(3, ops, ("t",))
    qc = QuantumCircuit(3)
    qc.ry(0.9, 0)
    qc.cx(0, 1)
    qc.rx(0.45, 2)
    qc.cx(1, 2)
    qc.s(1)
    return circuit, qc


OBSERVABLE = PauliSum.from_labels({"ZZI": 1.0, "IXY": -0.7, "YII": 0.4, "XXX": 0.3,
                                   "IIZ": 0.5, "III": -0.2})


def _qiskit_value(qc: QuantumCircuit, noisy: bool) -> float:
    op = SparsePauliOp.from_list([(k, v) for k, v in OBSERVABLE.labels().items()])
    if not noisy:
        return float(Statevector(qc).expectation_value(op).real)
    return float(DensityMatrix(qc).expectation_value(op).real)


def test_exact_values_match_qiskit_statevector(device: tuple[QDriver, str]) -> None:
    driver, device_id = device
    circuit, qc = _bell_like()
    values = Estimator(driver, device_id, SeedStream(0)).estimate(
        [Request(circuit, (OBSERVABLE,), np.array([[0.9]]), None)])[0]
    assert values[0, 0] == pytest.approx(_qiskit_value(qc, False), abs=1e-10)


@pytest.mark.parametrize("noise", [None, "depolarizing:0.02"], ids=["ideal", "noisy"])
def test_sampled_values_agree_with_exact_ones(device: tuple[QDriver, str],
                                              noise: str | None) -> None:
    driver, device_id = device
    circuit, _ = _bell_like()
    rows = np.array([[0.9], [2.1]])
    estimator = Estimator(driver, device_id, SeedStream(11), noise_model=noise)
    exact, sampled = estimator.estimate([Request(circuit, (OBSERVABLE,), rows, None),
                                         Request(circuit, (OBSERVABLE,), rows, 20_000)])
    total = sum(abs(t.coeff) for t in OBSERVABLE.terms if t.qubits)
    # each term's estimate has standard error <= 1/sqrt(shots); 5 sigma on their sum
    assert np.all(np.abs(sampled - exact) <= 5 * total / np.sqrt(20_000))
    if noise is None:
        assert not np.allclose(sampled, exact, atol=1e-12)  # really sampled


def test_noise_changes_exact_values_like_a_density_matrix(aer_driver: QDriver,
                                                          cirq_driver: QDriver) -> None:
    circuit, _ = _bell_like()
    request = Request(circuit, (OBSERVABLE,), np.array([[0.9]]), None)
    ideal = Estimator(aer_driver, "aer", SeedStream(0)).estimate([request])[0]
    aer = Estimator(aer_driver, "aer", SeedStream(0),
                    noise_model="depolarizing:0.05").estimate([request])[0]
    cirq = Estimator(cirq_driver, "cirq", SeedStream(0),
                     noise_model="depolarizing:0.05").estimate([request])[0]
    assert abs(aer[0, 0] - ideal[0, 0]) > 1e-3
    np.testing.assert_allclose(aer, cirq, atol=1e-9)


def test_a_batch_is_one_driver_call_and_the_circuit_is_reused(
        device: tuple[QDriver, str], counting: type) -> None:
    driver, device_id = device
    counted = counting(driver)
    circuit, _ = _bell_like()
    estimator = Estimator(counted, device_id, SeedStream(3))
    rows = np.linspace(0, 3, 40)[:, None]
    estimator.estimate([Request(circuit, (OBSERVABLE,), rows, None)])
    assert [(k, n) for k, _, n in counted.calls] == [("expectation_values", 40)]
    counted.calls.clear()
    estimator.estimate([Request(circuit, (OBSERVABLE,), rows, 100),
                        Request(circuit, (OBSERVABLE, PauliSum.single("Z", 0)), rows[:3], 100)])
    assert len(counted.calls) == 1
    kind, circuits, size = counted.calls[0]
    plan = estimator.measurement_plan(circuit, (OBSERVABLE,))
    assert kind == "sample_batch"
    assert size == 40 * len(plan.groups) + 3 * len(
        estimator.measurement_plan(circuit, (OBSERVABLE, PauliSum.single("Z", 0))).groups)
    counted.calls.clear()
    estimator.estimate([Request(circuit, (OBSERVABLE,), rows, 100)])
    again = counted.calls[0][1]
    assert {id(c) for c in again} == {id(c) for c in circuits[: len(plan.groups)]}  # built once


def test_measurement_groups_are_qubit_wise_commuting_and_rotate_the_basis() -> None:
    circuit = Circuit(3, (Operation("H", (0,)),), ())
    obs = PauliSum.from_labels({"IZZ": 1.0, "ZZI": 1.0, "IIX": 1.0, "XXX": 2.0, "IYI": 0.5,
                                "III": 3.0})
    plan = MeasurementPlan.build(circuit, [obs])
    assert plan.constants.tolist() == [3.0]
    bases = [dict(g.basis) for g in plan.groups]
    for basis in bases:
        assert set(basis.values()) <= set("XYZ")
    assert {0: "Z", 1: "Z", 2: "Z"} in bases
    assert {0: "X", 1: "X", 2: "X"} in bases
    assert sum(len(m) for g in plan.groups for m in g.masks) == 5
    y_group = next(g for g in plan.groups if "Y" in g.basis.values())
    ops = [op.op for op in y_group.circuit.operations]
    assert ops[ops.index("SDG") + 1] == "H"
    assert ops[-1] == "MEASURE"


def test_counts_fold_into_expectations_in_qiskit_bit_order() -> None:
    circuit = Circuit(2, (), ())
    obs = PauliSum.from_labels({"IZ": 1.0, "ZI": 10.0, "ZZ": 100.0})
    plan = MeasurementPlan.build(circuit, [obs])
    assert len(plan.groups) == 1
    # "01": clbit 0 (qubit 0) read 1 -> <Z0> = -1, <Z1> = +1, <Z0 Z1> = -1
    assert plan.combine([{"01": 10}]).tolist() == [-1.0 + 10.0 - 100.0]
