"""Drivers: the QDriver protocol, device and result types, noise strings, the registry.

Importing this package imports no simulator; ``get_driver("aer")`` / ``resolve_target``
load the Aer or Cirq driver (and qiskit or cirq) on first use.

Example:
    >>> from eigen_engine.drivers import resolve_target
    >>> driver, device = resolve_target("simulator")
    >>> bell = {"version": "1.0.0", "qubits": 2,
    ...         "operations": [{"op": "H", "q": [0]}, {"op": "CX", "q": [0, 1]}]}
    >>> driver.execute_circuit(device, bell, shots=1000, options={"seed": 7}).counts
    {'11': 486, '00': 514}
"""

from eigen_engine.drivers.devices import (
    DeviceInfo,
    DeviceStatus,
    Method,
    state_memory_bytes,
)
from eigen_engine.drivers.noise import NoiseSpec, ThermalRelaxation, parse_noise
from eigen_engine.drivers.protocol import QDriver
from eigen_engine.drivers.registry import (
    ENTRY_POINT_GROUP,
    TARGET_ALIASES,
    available_drivers,
    get_driver,
    known_targets,
    list_devices,
    register_driver,
    resolve_target,
    unregister_driver,
)
from eigen_engine.drivers.results import Counts, ExecutionResult

__all__ = [
    "ENTRY_POINT_GROUP",
    "TARGET_ALIASES",
    "Counts",
    "DeviceInfo",
    "DeviceStatus",
    "ExecutionResult",
    "Method",
    "NoiseSpec",
    "QDriver",
    "ThermalRelaxation",
    "available_drivers",
    "get_driver",
    "known_targets",
    "list_devices",
    "parse_noise",
    "register_driver",
    "resolve_target",
    "state_memory_bytes",
    "unregister_driver",
]
