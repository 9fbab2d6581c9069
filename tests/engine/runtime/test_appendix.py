"""Issue 4 must-hold: the seed appendix program, run by the runtime, equals a hand-written
Qiskit/scipy VQE to 1e-8 and comes within 5% of the exact ground energy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qiskit.circuit.library import n_local
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp
from scipy.optimize import minimize

from eigen_engine import compile_source
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.runtime import RunSettings, run_plan

APPENDIX = Path(__file__).parents[3] / "examples" / "logistics" / "program.eigen.py"


def qiskit_reference() -> tuple[float, SparsePauliOp]:
    """The appendix workload in plain Qiskit and scipy, as a user would write it."""
    ansatz = n_local(5, "ry", "cx", entanglement="linear", reps=3)
    hamiltonian = SparsePauliOp.from_sparse_list(
        [("ZZ", [i, i + 1], -1.0) for i in range(4)] + [("X", [i], 0.5) for i in range(5)],
        num_qubits=5,
    )
    estimator = StatevectorEstimator()

    def energy(x: np.ndarray) -> float:
        return float(estimator.run([(ansatz, hamiltonian, x)]).result()[0].data.evs)

    x0 = 0.1 * np.random.default_rng(7).standard_normal(ansatz.num_parameters)
    result = minimize(energy, x0, method="COBYLA", options={"maxiter": 150}, tol=1e-5)
    return float(result.fun), hamiltonian


@pytest.fixture(scope="module")
def reference() -> tuple[float, SparsePauliOp]:
    return qiskit_reference()


def test_compiled_plan_matches_the_reference_setup() -> None:
    prog = compile_source(APPENDIX.read_text(), seed=7)
    nodes = {n["id"]: n for n in prog.aqo["annotations"]["hybrid"]["nodes"]}
    minimize_node = nodes["m0"]
    assert minimize_node["method"] == "cobyla"
    assert minimize_node["options"] == {"maxiter": 150, "tol": 1e-5}
    assert minimize_node["initial"] == (
        0.1 * np.random.default_rng(7).standard_normal(20)).tolist()
    ansatz = n_local(5, "ry", "cx", entanglement="linear", reps=3)
    circuit = prog.aqo["annotations"]["circuits"][nodes["e0"]["circuit"]]
    ours = [(op["op"].lower(), tuple(op["q"]), op.get("params", {}).get("theta"))
            for op in circuit["operations"]]
    theirs = [(inst.operation.name, tuple(ansatz.find_bit(q).index for q in inst.qubits),
               inst.operation.params[0].name.replace("θ", "theta")
               if inst.operation.params else None)
              for inst in ansatz.data]
    assert ours == theirs
    assert minimize_node["parameters"] == [p.name.replace("θ", "theta")
                                           for p in ansatz.parameters]


@pytest.mark.parametrize("device_id", ["aer", "cirq"])
def test_appendix_optimal_cost_equals_the_qiskit_reference(
        device_id: str, reference: tuple[float, SparsePauliOp],
        aer_driver: QDriver, cirq_driver: QDriver) -> None:
    prog = compile_source(APPENDIX.read_text(), seed=7)
    driver = aer_driver if device_id == "aer" else cirq_driver
    outcome = run_plan(prog.aqo, driver, RunSettings(device_id, shots=4096, seed=7,
                                                     optimization_level=3))
    expected, hamiltonian = reference
    cost = outcome.outputs["optimal_cost"]
    assert cost == pytest.approx(expected, abs=1e-8)
    ground = float(np.linalg.eigvalsh(hamiltonian.to_matrix())[0])
    assert abs(cost - ground) <= 0.05 * abs(ground)
    assert outcome.outputs["iterations"] == 150
    assert outcome.outputs["qubits_used"] == 5
    assert len(outcome.outputs["optimal_parameters"]) == 20
    assert outcome.metadata["nodes"]["m0"]["nfev"] == 150
