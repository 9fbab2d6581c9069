"""The ``QDriver`` protocol (RFC 0006 plus batched sampling and exact expectation values)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from eigen_engine.drivers.devices import DeviceInfo
    from eigen_engine.drivers.results import ExecutionResult
    from eigen_engine.ir.aqo import Circuit
    from eigen_engine.ir.observable import PauliSum

__all__ = ["QDriver"]


@runtime_checkable
class QDriver(Protocol):
    """What the engine needs from a driver; third parties implement it and register the
    class under the ``eigen_engine.drivers`` entry-point group.

    Counts use the Qiskit bit order (classical bit 0 rightmost). Errors are
    :class:`~eigen_engine.errors.EigenError` subclasses: ``DeviceNotFound`` for an unknown
    device, ``InvalidArgument`` for bad input, ``ResourceExhausted`` for a circuit too wide
    for the device, ``DriverError`` / ``TransientDriverError`` when the backend fails.
    """

    name: str
    """The driver's registry name, the prefix of its device ids (``"aer"``)."""

    def initialize(self, config: Mapping[str, Any]) -> None:
        """(Re)configure the driver; clears its caches. Unknown keys are an error."""
        ...

    def get_devices(self) -> Sequence[DeviceInfo]:
        """Return every device of this driver with its current status."""
        ...

    def get_device_status(self, device_id: str) -> DeviceInfo:
        """Return one device with its current status."""
        ...

    def execute_circuit(
        self,
        device_id: str,
        aqo: Mapping[str, Any] | Circuit,
        shots: int,
        options: Mapping[str, Any] | None = None,
    ) -> ExecutionResult:
        """Sample one circuit.

        Args:
            device_id: The device to run on.
            aqo: An AQO document (its main circuit runs) or a decoded circuit. Without a
                MEASURE, every qubit is measured into the classical bit of the same index.
            shots: Number of samples (>= 1).
            options: ``seed`` (int), ``noise_model`` (noise string; default the device's),
                ``bindings`` (parameter name -> value; defaults from the AQO fill gaps),
                ``optimization_level`` (0-3, default 0: the gates run as written).
        """
        ...

    def sample_batch(
        self,
        device_id: str,
        circuits: Sequence[Circuit],
        bindings: Sequence[Mapping[str, float] | None],
        shots: int,
        *,
        seed: int | None,
        noise_model: str | None = None,
        optimization_level: int = 0,
    ) -> list[ExecutionResult]:
        """Sample many circuits (or one circuit under many bindings) in one simulator call.

        ``bindings[i]`` binds ``circuits[i]``. Result ``i`` is sampled with a seed derived
        from ``seed`` and ``i`` and reported in ``result.seed``; the same inputs and seed
        give the same counts.
        """
        ...

    def expectation_values(
        self,
        device_id: str,
        circuit: Circuit,
        observables: Sequence[PauliSum],
        parameter_sets: Sequence[Sequence[float]] | np.ndarray,
        *,
        noise_model: str | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Exact expectation values, shape ``(len(parameter_sets), len(observables))``.

        Rows of ``parameter_sets`` are ordered like ``circuit.parameters``. Final
        measurements are ignored; with noise the values are those of the noisy mixed state.
        """
        ...

    def calibrate_device(
        self,
        device_id: str,
        *,
        noise_model: str | None = None,
        shots: int = 4000,
        seed: int = 0,
    ) -> Mapping[str, float]:
        """Measure readout and gate error figures, store them on the device, return them."""
        ...

    def estimate_memory(self, device_id: str, num_qubits: int) -> int:
        """Bytes the device needs to simulate ``num_qubits`` qubits."""
        ...
