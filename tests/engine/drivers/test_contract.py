"""The QDriver contract, run against every simulator device with the real simulators."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from eigen_engine.drivers import DeviceStatus, QDriver, state_memory_bytes
from eigen_engine.drivers.simulator import SEED_STRIDE
from eigen_engine.errors import DeviceNotFound, InvalidArgument, ResourceExhausted
from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.gates import GATES

Device = tuple[QDriver, str]
Build = Callable[..., Circuit]
Tol = Callable[..., float]

BELL = [("H", 0), ("CX", 0, 1)]


def test_driver_satisfies_protocol(device: Device) -> None:
    driver, _ = device
    assert isinstance(driver, QDriver)


def test_device_is_listed_and_online(device: Device) -> None:
    driver, device_id = device
    listed = {d.id: d for d in driver.get_devices()}
    info = driver.get_device_status(device_id)
    assert listed[device_id].method == info.method
    assert info.status is DeviceStatus.ONLINE
    assert info.driver == driver.name
    assert info.num_qubits >= 10
    assert set(info.basis_gates) == set(GATES)
    assert info.coupling_map is None
    json.dumps(info.to_dict())


def test_estimate_memory_follows_method(device: Device) -> None:
    driver, device_id = device
    method = driver.get_device_status(device_id).method
    assert driver.estimate_memory(device_id, 12) == state_memory_bytes(method, 12)
    if method == "statevector":
        assert driver.estimate_memory(device_id, 20) == 16 * 2**20
    if method == "density_matrix":
        assert driver.estimate_memory(device_id, 10) == 16 * 4**10


def test_bell_gives_only_correlated_outcomes(device: Device, aqo: Any, tolerance: Tol) -> None:
    driver, device_id = device
    shots = 2000
    result = driver.execute_circuit(device_id, aqo(2, BELL), shots, {"seed": 11})
    assert set(result.counts) <= {"00", "11"}
    assert abs(result.counts.get("00", 0) / shots - 0.5) < tolerance(0.5, shots)
    assert result.shots == shots == sum(result.counts.values())
    assert result.device_id == device_id
    assert result.seed == 11
    assert result.metadata["num_clbits"] == 2
    json.dumps(result.to_dict())


def test_ghz_three_qubits(device: Device, circuit: Build, tolerance: Tol) -> None:
    driver, device_id = device
    shots = 2000
    ghz = circuit(3, [("H", 0), ("CX", 0, 1), ("CX", 1, 2)])
    counts = driver.execute_circuit(device_id, ghz, shots, {"seed": 5}).counts
    assert set(counts) <= {"000", "111"}
    assert abs(counts.get("111", 0) / shots - 0.5) < tolerance(0.5, shots)


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([("X", 0), ("MEASURE", [0, 1, 2], [0, 1, 2])], "001"),
        ([("X", 0)], "001"),  # no MEASURE: every qubit into its own bit
        ([("X", 2), ("MEASURE", [0, 1, 2], [0, 1, 2])], "100"),
        ([("X", 0), ("MEASURE", [0], [2])], "100"),  # qubit 0 into bit 2
        ([("X", 0), ("MEASURE", [0], [1])], "10"),  # width = highest bit + 1
        ([("X", 1), ("MEASURE", [0, 1], [1, 0])], "01"),  # crossed wiring
        ([("X", 0), ("MEASURE", [0], [0]), ("X", 0), ("MEASURE", [0], [1])], "01"),  # mid-circuit
        ([("X", 0), ("MEASURE", [0], [0]), ("X", 0), ("MEASURE", [0], [0])], "0"),  # last wins
        ([("X", 0), ("MEASURE", [0], [70])], "1" + "0" * 70),  # wider than 64 bits
    ],
    ids=["x0", "x0-implicit-measure", "x2", "q0-to-c2", "q0-to-c1", "crossed", "mid-circuit",
         "overwrite", "71-bits"],
)
def test_bit_order_is_qiskit(
    device: Device, circuit: Build, ops: list[Any], expected: str
) -> None:
    driver, device_id = device
    qc = circuit(3, ops)
    result = driver.execute_circuit(device_id, qc, 50, {"seed": 1})
    assert result.counts == {expected: 50}


def test_reset_returns_qubit_to_zero(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(2, [("X", 0), ("X", 1), ("RESET", 0), ("BARRIER", 0, 1)])
    assert driver.execute_circuit(device_id, qc, 40, {"seed": 1}).counts == {"10": 40}


def test_same_seed_gives_identical_counts(device: Device, aqo: Any) -> None:
    driver, device_id = device
    doc = aqo(3, [("H", 0), ("H", 1), ("RY", 2, {"theta": 1.1})])
    first = driver.execute_circuit(device_id, doc, 500, {"seed": 1234}).counts
    again = driver.execute_circuit(device_id, doc, 500, {"seed": 1234}).counts
    other = driver.execute_circuit(device_id, doc, 500, {"seed": 4321}).counts
    assert first == again
    assert first != other


def test_large_seeds_work(device: Device, aqo: Any) -> None:
    driver, device_id = device
    doc = aqo(2, [("H", 0), ("H", 1)])
    seed = 2**62 + 5
    first = driver.execute_circuit(device_id, doc, 200, {"seed": seed})
    assert first.counts == driver.execute_circuit(device_id, doc, 200, {"seed": seed}).counts
    assert first.seed == seed


def test_random_seed_is_reported_and_reproduces(device: Device, aqo: Any) -> None:
    driver, device_id = device
    doc = aqo(2, [("H", 0), ("H", 1)])
    result = driver.execute_circuit(device_id, doc, 300)
    again = driver.execute_circuit(device_id, doc, 300, {"seed": result.seed})
    assert again.counts == result.counts


@pytest.mark.parametrize(
    ("theta", "bindings", "angle"),
    [
        ("theta", None, 1.0),  # the AQO default
        ("theta", {"theta": 2.0}, 2.0),
        ("2*theta - 0.5", {"theta": 1.5}, 2.5),
        ("0.5*a + b", {"a": 1.0, "b": 0.25, "unused": 9.0}, 0.75),
    ],
    ids=["default", "bound", "affine", "two-params"],
)
def test_parameterized_circuit_with_bindings(
    device: Device, aqo: Any, tolerance: Tol, theta: str, bindings: dict[str, float] | None,
    angle: float,
) -> None:
    driver, device_id = device
    shots = 3000
    doc = aqo(1, [("RY", 0, {"theta": theta})], parameters={"theta": 1.0})
    options: dict[str, Any] = {"seed": 3}
    if bindings is not None:
        options["bindings"] = bindings
    counts = driver.execute_circuit(device_id, doc, shots, options).counts
    p1 = math.sin(angle / 2) ** 2
    assert abs(counts.get("1", 0) / shots - p1) < tolerance(p1, shots)


def test_missing_binding_names_the_parameter(device: Device, aqo: Any) -> None:
    driver, device_id = device
    doc = aqo(1, [("RX", 0, {"theta": "gamma"})])
    with pytest.raises(InvalidArgument, match="gamma"):
        driver.execute_circuit(device_id, doc, 10, {"seed": 1})


def test_sample_batch_items_equal_separate_calls(
    device: Device, circuit: Build, tolerance: Tol
) -> None:
    driver, device_id = device
    bell = circuit(2, BELL)
    ry = circuit(1, [("RY", 0, {"theta": "t"})])
    circuits = [bell, ry, ry, ry]
    bindings: list[dict[str, float] | None] = [None, {"t": 0.4}, {"t": 1.6}, {"t": 3.0}]
    shots = 2000
    results = driver.sample_batch(device_id, circuits, bindings, shots, seed=99)
    assert [r.seed for r in results] == [99 + SEED_STRIDE * i for i in range(4)]
    for qc, binding, result in zip(circuits, bindings, results, strict=True):
        alone = driver.execute_circuit(
            device_id, qc, shots, {"seed": result.seed, "bindings": binding}
        )
        assert alone.counts == result.counts
    for t, result in zip((0.4, 1.6, 3.0), results[1:], strict=True):
        p1 = math.sin(t / 2) ** 2
        assert abs(result.counts.get("1", 0) / shots - p1) < tolerance(p1, shots)
    again = driver.sample_batch(device_id, circuits, bindings, shots, seed=99)
    assert [r.counts for r in again] == [r.counts for r in results]


def test_sample_batch_checks_lengths(device: Device, circuit: Build) -> None:
    driver, device_id = device
    with pytest.raises(InvalidArgument, match="bindings"):
        driver.sample_batch(device_id, [circuit(1, [("H", 0)])], [], 10, seed=1)
    assert driver.sample_batch(device_id, [], [], 10, seed=1) == []


@pytest.mark.parametrize(
    ("noise", "p_odd"),
    [
        # H then CX, each followed by lambda-depolarizing: only the 2-qubit channel's
        # I/4 part gives odd parity, so P(odd) = lambda/2.
        ("depolarizing:0.1", 0.05),
        # two independent symmetric flips change parity with 2r(1-r).
        ("readout:0.05", 2 * 0.05 * 0.95),
        ("depolarizing:0.1+readout:0.05", 0.05 * (1 - 0.095) + 0.95 * 0.095),
    ],
    ids=["depolarizing", "readout", "both"],
)
def test_noisy_bell_shows_odd_outcomes_at_the_implied_rate(
    device: Device, aqo: Any, tolerance: Tol, noise: str, p_odd: float
) -> None:
    driver, device_id = device
    shots = 4000
    options = {"seed": 8, "noise_model": noise}
    result = driver.execute_circuit(device_id, aqo(2, BELL), shots, options)
    odd = (result.counts.get("01", 0) + result.counts.get("10", 0)) / shots
    assert abs(odd - p_odd) < tolerance(p_odd, shots)
    assert result.metadata["noise_model"] == noise


def test_readout_noise_spares_unmeasured_bits(device: Device, circuit: Build) -> None:
    driver, device_id = device
    qc = circuit(1, [("MEASURE", [0], [1])])
    counts = driver.execute_circuit(
        device_id, qc, 400, {"seed": 3, "noise_model": "readout:0.5"}
    ).counts
    assert set(counts) == {"00", "10"}


def test_device_noise_default_and_override(device: Device, aqo: Any) -> None:
    driver, device_id = device
    noisy = type(driver)({"noise_model": "readout:0.5"})  # type: ignore[call-arg]
    assert noisy.get_device_status(device_id).noise_model == "readout:0.5"
    mixed = noisy.execute_circuit(device_id, aqo(1, [("X", 0)]), 400, {"seed": 2})
    assert set(mixed.counts) == {"0", "1"}
    ideal = noisy.execute_circuit(
        device_id, aqo(1, [("X", 0)]), 400, {"seed": 2, "noise_model": "none"}
    )
    assert ideal.counts == {"1": 400}


def test_calibrate_device_measures_configured_noise(device: Device) -> None:
    driver, device_id = device
    shots = 4000
    readout = driver.calibrate_device(device_id, noise_model="readout:0.03", shots=shots, seed=4)
    assert abs(readout["readout_error"] - 0.03) < 0.012
    assert readout["depolarizing_1q"] < 0.01
    assert readout["depolarizing_2q"] < 0.02
    depol = driver.calibrate_device(device_id, noise_model="depolarizing:0.02", shots=shots, seed=4)
    assert abs(depol["depolarizing_1q"] - 0.02) < 0.008
    assert abs(depol["depolarizing_2q"] - 0.02) < 0.012
    assert depol["gate_error_1q"] == pytest.approx(depol["depolarizing_1q"] / 2)
    assert depol["readout_error"] < 0.015  # only the X gate's own error on |1>
    info = driver.get_device_status(device_id)
    assert info.status is DeviceStatus.ONLINE
    assert info.calibration is not None
    assert info.calibration["depolarizing_1q"] == depol["depolarizing_1q"]


def test_unknown_device_is_not_found(device: Device, aqo: Any) -> None:
    driver, device_id = device
    with pytest.raises(DeviceNotFound, match="did you mean"):
        driver.execute_circuit(device_id + "x", aqo(1, [("H", 0)]), 10)


def test_too_wide_circuit_is_refused(device: Device, aqo: Any) -> None:
    driver, device_id = device
    small = type(driver)({"max_memory_bytes": 2**12})  # type: ignore[call-arg]
    width = small.get_device_status(device_id).num_qubits + 1
    if width > 60:
        pytest.skip("matrix-product-state width does not depend on memory")
    with pytest.raises(ResourceExhausted, match="qubits"):
        small.execute_circuit(device_id, aqo(width, [("H", 0)]), 10)


@pytest.mark.parametrize(
    ("shots", "options", "match"),
    [
        (0, {}, "shots"),
        (10, {"seed": -1}, "seed"),
        (10, {"sed": 1}, "did you mean 'seed'"),
        (10, {"noise_model": "depolarising:0.1"}, "did you mean 'depolarizing'"),
        (10, {"optimization_level": 5}, "optimization_level"),
    ],
    ids=["zero-shots", "negative-seed", "typo-option", "typo-noise", "bad-level"],
)
def test_bad_input_is_invalid_argument(
    device: Device, aqo: Any, shots: int, options: dict[str, Any], match: str
) -> None:
    driver, device_id = device
    with pytest.raises(InvalidArgument, match=match):
        driver.execute_circuit(device_id, aqo(1, [("H", 0)]), shots, options)


def test_wide_noisy_circuit_samples_trajectories(device: Device, circuit: Build) -> None:
    driver, device_id = device
    width = 11  # above DM_SAMPLING_MAX_QUBITS, so a state-vector device keeps its method
    ops = [("X", q) for q in range(width)]
    if driver.get_device_status(device_id).method == "density_matrix":
        pytest.skip("an 11-qubit density matrix is the slow path this test avoids")
    result = driver.execute_circuit(
        device_id, circuit(width, ops), 100, {"seed": 1, "noise_model": "depolarizing:0.02"}
    )
    assert result.metadata["method"] != "density_matrix"
    assert result.counts.get("1" * width, 0) > 60
