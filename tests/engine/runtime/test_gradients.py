"""Parameter-shift gradients against central finite differences, gate by gate."""

from __future__ import annotations

import numpy as np
import pytest

from eigen_engine.drivers.protocol import QDriver
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr
from eigen_engine.runtime.estimation import Estimator, Request, SeedStream
from eigen_engine.runtime.gradients import ShiftRule

A, B = ParamExpr.symbol("a"), ParamExpr.symbol("b")
OBS = PauliSum.from_labels({"XZ": 0.7, "ZY": -0.4, "YX": 0.9, "IZ": 0.3, "XI": -0.6})
PREP = (Operation("H", (0,)), Operation("RY", (1,), (0.7,)), Operation("CX", (0, 1)),
        Operation("RX", (0,), (0.3,)))

GATES = {
    "RX": ((0,), 1), "RY": ((1,), 1), "RZ": ((0,), 1), "P": ((1,), 1), "U": ((0,), 3),
    "CP": ((0, 1), 1), "RXX": ((0, 1), 1), "RYY": ((1, 0), 1), "RZZ": ((0, 1), 1),
    "CRX": ((0, 1), 1), "CRY": ((1, 0), 1), "CRZ": ((0, 1), 1),
}


def _circuit(op: str) -> Circuit:
    qubits, nparams = GATES[op]
    # affine angles, a parameter used twice, and a parameter in two gates
    angles = [A.scale(2.0) + 0.1, B - A, B.scale(-0.5)][:nparams]
    ops = (*PREP, Operation(op, qubits, tuple(angles)), Operation("RY", (0,), (B + 0.2,)),
           Operation("CX", (1, 0)))
    return Circuit(2, ops, ("a", "b"))


@pytest.mark.parametrize("noise", [None, "depolarizing:0.03"], ids=["ideal", "noisy"])
@pytest.mark.parametrize("op", list(GATES))
def test_parameter_shift_matches_finite_differences(aer_driver: QDriver, op: str,
                                                    noise: str | None) -> None:
    circuit = _circuit(op)
    estimator = Estimator(aer_driver, "aer", SeedStream(0), noise_model=noise)
    x = np.array([0.37, -1.21])
    rule = ShiftRule.build(circuit)
    results = estimator.estimate([Request(rule.circuit, (OBS,), rule.rows(x), None)])[0]
    value, grad = rule.gradient(results)
    h = 1e-5
    e0, e1 = np.array([h, 0.0]), np.array([0.0, h])
    rows = np.array([x, x + e0, x - e0, x + e1, x - e1])
    plain = estimator.estimate([Request(circuit, (OBS,), rows, None)])[0][:, 0]
    assert value[0] == pytest.approx(plain[0], abs=1e-12)
    fd = [(plain[1] - plain[2]) / (2 * h), (plain[3] - plain[4]) / (2 * h)]
    np.testing.assert_allclose(grad[0], fd, atol=1e-6)


def test_the_expanded_circuit_has_one_parameter_per_symbolic_angle() -> None:
    rule = ShiftRule.build(_circuit("U"))
    assert rule.circuit.parameters == ("angle[0]", "angle[1]", "angle[2]", "angle[3]")
    assert rule.jacobian.tolist() == [[2.0, 0.0], [-1.0, 1.0], [0.0, -0.5], [0.0, 1.0]]
    assert rule.offsets.tolist() == [0.1, 0.0, 0.0, 0.2]
    assert rule.rows(np.array([0.0, 0.0])).shape == (1 + 2 * 4, 4)
    assert ShiftRule.build(_circuit("CRX")).shifts.shape == (4 + 2, 2)
