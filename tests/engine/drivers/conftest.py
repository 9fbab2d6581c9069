"""Driver test fixtures: real simulator drivers, one fixture per device, circuit builders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from eigen_engine.drivers.aer import AerDriver
from eigen_engine.drivers.cirq import CirqDriver
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.ir.aqo import Circuit, circuit_from_aqo

DEVICE_IDS = ("aer", "aer:density_matrix", "aer:mps", "cirq", "cirq:density_matrix")

Op = tuple[Any, ...]
"""``("H", 0)``, ``("CX", 0, 1)``, ``("RY", 0, {"theta": "a"})``, ``("MEASURE", [0], [1])``."""


@pytest.fixture(scope="session")
def aer_driver() -> AerDriver:
    """A private Aer driver (not the registry's, so tests may reconfigure it)."""
    return AerDriver()


@pytest.fixture(scope="session")
def cirq_driver() -> CirqDriver:
    """A private Cirq driver."""
    return CirqDriver()


@pytest.fixture(params=DEVICE_IDS, ids=DEVICE_IDS)
def device(request: pytest.FixtureRequest) -> tuple[QDriver, str]:
    """``(driver, device_id)`` for every simulator device: the contract suite runs on each."""
    device_id: str = request.param
    name = device_id.split(":")[0]
    driver: QDriver = request.getfixturevalue(f"{name}_driver")
    return driver, device_id


def aqo_doc(num_qubits: int, ops: Sequence[Op], parameters: dict[str, Any] | None = None) -> (
    dict[str, Any]
):
    """An AQO document from compact operation tuples."""
    operations = []
    for op in ops:
        name, *rest = op
        params = rest.pop() if rest and isinstance(rest[-1], dict) else None
        if name == "MEASURE":
            qubits, clbits = rest
            entry: dict[str, Any] = {"op": name, "q": list(qubits), "c": list(clbits)}
        else:
            entry = {"op": name, "q": list(rest)}
        if params:
            entry["params"] = params
        operations.append(entry)
    doc: dict[str, Any] = {"version": "1.0.0", "qubits": num_qubits, "operations": operations}
    if parameters:
        doc["parameters"] = parameters
    return doc


@pytest.fixture(scope="session")
def circuit() -> Callable[..., Circuit]:
    """``circuit(num_qubits, ops, parameters=None)`` -> a decoded :class:`Circuit`."""

    def build(num_qubits: int, ops: Sequence[Op], parameters: dict[str, Any] | None = None) -> (
        Circuit
    ):
        return circuit_from_aqo(aqo_doc(num_qubits, ops, parameters))

    return build


@pytest.fixture(scope="session")
def aqo() -> Callable[..., dict[str, Any]]:
    """``aqo(num_qubits, ops, parameters=None)`` -> an AQO document."""
    return aqo_doc


def binomial_tolerance(p: float, shots: int, sigmas: float = 5.0) -> float:
    """Allowed deviation of an observed frequency from ``p`` (``sigmas`` standard errors,
    at least one count)."""
    return float(sigmas * max(p * (1 - p), 1 / shots) ** 0.5 / shots**0.5 + 1 / shots)


@pytest.fixture(scope="session")
def tolerance() -> Callable[..., float]:
    """The binomial tolerance function."""
    return binomial_tolerance
