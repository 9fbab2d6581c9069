"""The driver registry: entry points, programmatic drivers, target resolution."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from eigen_engine.drivers import (
    DeviceInfo,
    ExecutionResult,
    QDriver,
    available_drivers,
    get_driver,
    known_targets,
    list_devices,
    register_driver,
    resolve_target,
    unregister_driver,
)
from eigen_engine.drivers.aer import AerDriver
from eigen_engine.drivers.cirq import CirqDriver
from eigen_engine.errors import DeviceNotFound, DriverError
from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.observable import PauliSum

BUILTIN_DEVICES = {"aer", "aer:statevector", "aer:density_matrix", "aer:mps", "cirq",
                   "cirq:density_matrix"}


class EchoDriver:
    """A third-party-style driver that always measures zeros (tests the registry only)."""

    name = "echo"

    def initialize(self, config: Mapping[str, Any]) -> None:
        pass

    def get_devices(self) -> Sequence[DeviceInfo]:
        return [DeviceInfo(id="echo:one", driver="echo", num_qubits=4, basis_gates=("X",))]

    def get_device_status(self, device_id: str) -> DeviceInfo:
        return self.get_devices()[0]

    def execute_circuit(
        self, device_id: str, aqo: Mapping[str, Any] | Circuit, shots: int,
        options: Mapping[str, Any] | None = None,
    ) -> ExecutionResult:
        return ExecutionResult({"0": shots}, shots, 0, device_id)

    def sample_batch(
        self, device_id: str, circuits: Sequence[Circuit],
        bindings: Sequence[Mapping[str, float] | None], shots: int, *, seed: int | None,
        noise_model: str | None = None, optimization_level: int = 0,
    ) -> list[ExecutionResult]:
        return [self.execute_circuit(device_id, c, shots) for c in circuits]

    def expectation_values(
        self, device_id: str, circuit: Circuit, observables: Sequence[PauliSum],
        parameter_sets: Any, *, noise_model: str | None = None, seed: int | None = None,
    ) -> np.ndarray:
        return np.zeros((len(parameter_sets), len(observables)))

    def calibrate_device(
        self, device_id: str, *, noise_model: str | None = None, shots: int = 4000,
        seed: int = 0,
    ) -> Mapping[str, float]:
        return {}

    def estimate_memory(self, device_id: str, num_qubits: int) -> int:
        return 0


@pytest.fixture
def echo() -> Iterator[None]:
    register_driver("echo", EchoDriver)
    yield
    unregister_driver("echo")


def test_entry_points_provide_aer_and_cirq() -> None:
    assert {"aer", "cirq"} <= set(available_drivers())
    assert isinstance(get_driver("aer"), AerDriver)
    assert isinstance(get_driver("cirq"), CirqDriver)
    assert get_driver("aer") is get_driver("aer")  # one instance per process


@pytest.mark.parametrize(
    ("target", "driver_name", "device_id"),
    [
        (None, "aer", "aer"),
        ("", "aer", "aer"),
        ("simulator", "aer", "aer"),
        ("sim", "aer", "aer"),
        ("sim:local", "aer", "aer"),
        ("aer", "aer", "aer"),
        ("aer:mps", "aer", "aer:mps"),
        ("cirq", "cirq", "cirq"),
        ("cirq:density_matrix", "cirq", "cirq:density_matrix"),
    ],
    ids=["none", "empty", "simulator", "sim", "sim-local", "aer", "aer-mps", "cirq", "cirq-dm"],
)
def test_resolve_target(target: str | None, driver_name: str, device_id: str) -> None:
    driver, resolved = resolve_target(target)
    assert (driver.name, resolved) == (driver_name, device_id)


@pytest.mark.parametrize(
    ("target", "suggestion"),
    [("aer:density", "aer:density_matrix"), ("simulater", "simulator"), ("qpu:ibm", None)],
    ids=["near-device", "near-alias", "unknown-driver"],
)
def test_unknown_target_lists_known_ones(target: str, suggestion: str | None) -> None:
    with pytest.raises(DeviceNotFound) as err:
        resolve_target(target)
    message = str(err.value)
    assert f"unknown target {target!r}" in message
    for known in ("simulator", "sim:local", *sorted(BUILTIN_DEVICES)):
        assert known in message
    if suggestion:
        assert f"did you mean {suggestion!r}" in message


def test_known_targets_and_devices() -> None:
    assert set(known_targets()) >= BUILTIN_DEVICES
    assert {d.id for d in list_devices()} >= BUILTIN_DEVICES


def test_register_driver(echo: None) -> None:
    assert "echo" in available_drivers()
    driver, device_id = resolve_target("echo:one")
    assert isinstance(driver, EchoDriver)
    assert isinstance(driver, QDriver)
    assert driver.execute_circuit(device_id, {}, 5).counts == {"0": 5}
    assert "echo:one" in known_targets()
    with pytest.raises(ValueError, match="already registered"):
        register_driver("echo", EchoDriver)
    register_driver("echo", EchoDriver, replace=True)
    assert get_driver("echo") is not driver  # replacing drops the cached instance


def test_unregistered_driver_is_gone(echo: None) -> None:
    unregister_driver("echo")
    with pytest.raises(DeviceNotFound):
        resolve_target("echo:one")


@pytest.mark.parametrize("name", ["", "a:b"], ids=["empty", "colon"])
def test_register_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="driver name"):
        register_driver(name, EchoDriver)


def test_builtin_name_needs_replace() -> None:
    with pytest.raises(ValueError, match="replace=True"):
        register_driver("aer", EchoDriver)


def test_unknown_driver_name_suggests() -> None:
    with pytest.raises(DeviceNotFound, match="did you mean 'cirq'"):
        get_driver("cirk")


def test_failing_driver_is_a_driver_error() -> None:
    def broken() -> QDriver:
        raise RuntimeError("no licence server")

    register_driver("broken", broken)
    try:
        with pytest.raises(DriverError, match="no licence server"):
            get_driver("broken")
        assert "broken" not in {d.driver for d in list_devices()}
    finally:
        unregister_driver("broken")
