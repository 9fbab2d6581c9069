"""Value types and the numeric helpers behind the drivers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, random_statevector

from eigen_engine.drivers import DeviceInfo, DeviceStatus, ExecutionResult, state_memory_bytes
from eigen_engine.drivers.calibration import calibration_circuits, estimate
from eigen_engine.drivers.devices import max_qubits_for_memory
from eigen_engine.drivers.inputs import parse_execute_options
from eigen_engine.drivers.pauli import PauliTable
from eigen_engine.drivers.results import counts_from_integers
from eigen_engine.drivers.simulator import BoundedCache
from eigen_engine.drivers.slots import SlotTable
from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr


def test_device_info_to_dict_is_json() -> None:
    info = DeviceInfo(
        id="aer", driver="aer", num_qubits=30, basis_gates=("H", "CX"),
        coupling_map=((0, 1),), calibration={"readout_error": 0.01},
    )
    doc = info.to_dict()
    assert doc["status"] == "ONLINE"
    assert doc["coupling_map"] == [[0, 1]]
    assert json.loads(json.dumps(doc)) == doc
    assert DeviceStatus("BUSY") is DeviceStatus.BUSY


@pytest.mark.parametrize(
    "kwargs",
    [{"num_qubits": 0}, {"method": "tensor_network"}, {"queue_depth": -1}, {"id": ""}],
    ids=["no-qubits", "unknown-method", "negative-queue", "no-id"],
)
def test_device_info_validates(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {"id": "x", "driver": "x", "num_qubits": 2, "basis_gates": ()}
    with pytest.raises(ValueError):
        DeviceInfo(**{**base, **kwargs})  # type: ignore[arg-type]


def test_execution_result() -> None:
    result = ExecutionResult({"11": 3, "00": 1}, 4, 7, "aer", {"method": "statevector"})
    assert result.to_dict()["counts"] == {"00": 1, "11": 3}
    assert result.probabilities() == {"11": 0.75, "00": 0.25}
    with pytest.raises(ValueError, match="add up"):
        ExecutionResult({"0": 3}, 4, 7, "aer")


def test_counts_from_integers_put_bit_zero_right() -> None:
    assert counts_from_integers({1: 5, 4: 2, 0: 0}, 3) == {"001": 5, "100": 2}


def test_memory_estimates() -> None:
    assert state_memory_bytes("statevector", 27) == 2 * 2**30
    assert state_memory_bytes("density_matrix", 15) == 16 * 2**30
    assert 0 < state_memory_bytes("matrix_product_state", 100) < 2**30
    assert max_qubits_for_memory("statevector", 24 * 2**30) == 30
    assert max_qubits_for_memory("density_matrix", 24 * 2**30) == 15
    with pytest.raises(ValueError):
        state_memory_bytes("statevector", -1)


def test_slot_table_maps_values_to_slots() -> None:
    table = SlotTable(("a", "b"))
    e1 = ParamExpr((("a", 2), ("b", -1)), 0.5)
    assert table.slot(e1) == 0
    assert table.slot(ParamExpr.symbol("b")) == 1
    assert table.slot(ParamExpr((("a", 2), ("b", -1)), 0.5)) == 0  # equal expressions share
    slots = table.freeze()
    np.testing.assert_allclose(slots.apply(np.array([[1.0, 3.0], [0.0, 0.0]])),
                               [[-0.5, 3.0], [0.5, 0.0]])
    with pytest.raises(ValueError, match="does not declare"):
        table.slot(ParamExpr.symbol("c"))


@pytest.mark.parametrize("seed", range(3), ids=[f"seed{i}" for i in range(3)])
def test_pauli_table_matches_qiskit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = {"".join(rng.choice(list("IXYZ"), 4)): float(rng.normal()) for _ in range(8)}
    observable = PauliSum.from_labels(labels)
    op = SparsePauliOp.from_list(list(observable.labels().items()))
    table = PauliTable(observable, 4)
    state = random_statevector(16, seed=seed)
    assert table.expectation_statevector(state.data) == pytest.approx(
        state.expectation_value(op).real, abs=1e-12)
    rho = DensityMatrix(state).evolve(SparsePauliOp("XIIZ").to_operator()) * 0.5 \
        + DensityMatrix(random_statevector(16, seed=seed + 10)) * 0.5
    assert table.expectation_density_matrix(rho.data) == pytest.approx(
        rho.expectation_value(op).real, abs=1e-12)


def test_calibration_estimate_from_exact_counts() -> None:
    # readout r = 0.1 and lambda = 0.05 per gate, with exact (noise-free) frequencies
    r, lam, shots = 0.1, 0.05, 100_000
    def one(m: int) -> dict[str, int]:
        p0 = 0.5 + 0.5 * (1 - lam) ** m * (1 - 2 * r)
        return {"0": round(p0 * shots), "1": shots - round(p0 * shots)}
    def two(m: int) -> dict[str, int]:
        f = (1 - lam) ** m
        p00 = f * (1 - r) ** 2 + (1 - f) / 4
        return {"00": round(p00 * shots), "11": shots - round(p00 * shots)}
    counts = [one(0), {"0": round(r * shots), "1": shots - round(r * shots)},
              one(2), one(16), two(0), two(2), two(8)]
    assert len(counts) == len(calibration_circuits())
    figures = estimate(counts, shots)
    assert figures["readout_error"] == pytest.approx(r, abs=1e-4)
    assert figures["depolarizing_1q"] == pytest.approx(lam, abs=1e-4)
    assert figures["depolarizing_2q"] == pytest.approx(lam, abs=1e-4)
    assert figures["gate_error_2q"] == pytest.approx(0.75 * lam, abs=1e-4)


def test_bounded_cache_evicts_least_recent() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_execute_options_accept_rfc_strings() -> None:
    opts = parse_execute_options({"seed": "7", "optimization_level": "2",
                                  "provider_profile": "simulator"})
    assert (opts.seed, opts.optimization_level) == (7, 2)
    with pytest.raises(InvalidArgument, match="bindings"):
        parse_execute_options({"bindings": [1.0]})
