"""Device descriptions: status, the ``DeviceInfo`` value, and simulator memory estimates."""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MPS_BOND_DIMENSION",
    "DeviceInfo",
    "DeviceStatus",
    "Method",
    "format_bytes",
    "max_qubits_for_memory",
    "physical_memory_bytes",
    "state_memory_bytes",
]


class DeviceStatus(enum.StrEnum):
    """What a device can do right now."""

    ONLINE = "ONLINE"  # accepts and runs circuits
    BUSY = "BUSY"  # accepts circuits; they wait for the ones running
    CALIBRATING = "CALIBRATING"  # a calibration is being measured; results may shift after it
    OFFLINE = "OFFLINE"  # cannot run anything (e.g. its simulator failed to load)


class Method(enum.StrEnum):
    """How a simulator represents the quantum state."""

    STATEVECTOR = "statevector"
    DENSITY_MATRIX = "density_matrix"
    MATRIX_PRODUCT_STATE = "matrix_product_state"


MPS_BOND_DIMENSION = 64
"""Bond dimension assumed by :func:`state_memory_bytes` for matrix product states.

MPS memory depends on entanglement, not only on width; 64 covers the shallow circuits MPS
is chosen for. A highly entangling circuit can need much more.
"""

_MPS_MAX_QUBITS = 63  # Aer's limit: measured bits are packed into 64-bit words


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One device a driver can run circuits on.

    Attributes:
        id: Device id used as a job target, e.g. ``"aer:density_matrix"``.
        driver: Name of the driver that owns it.
        num_qubits: The widest circuit it can simulate on this machine.
        basis_gates: AQO opcodes it runs (others are rejected before simulation).
        coupling_map: Allowed two-qubit pairs; ``None`` means all-to-all.
        method: State representation (a :class:`Method` value).
        noise_model: The noise applied when a request names none (a noise string), or ``None``.
        status: What it can do right now.
        queue_depth: Calls currently running on it in this process.
        calibration: Figures from the last :meth:`QDriver.calibrate_device`, or ``None``.
        description: One line for people.
    """

    id: str
    driver: str
    num_qubits: int
    basis_gates: tuple[str, ...]
    coupling_map: tuple[tuple[int, int], ...] | None = None
    method: str = Method.STATEVECTOR
    noise_model: str | None = None
    status: DeviceStatus = DeviceStatus.ONLINE
    queue_depth: int = 0
    calibration: Mapping[str, float] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.id or not self.driver:
            raise ValueError("DeviceInfo needs a non-empty id and driver")
        if self.num_qubits < 1:
            raise ValueError(f"device {self.id!r}: num_qubits must be >= 1, not {self.num_qubits}")
        if self.queue_depth < 0:
            raise ValueError(f"device {self.id!r}: queue_depth must be >= 0")
        Method(self.method)  # raises ValueError on an unknown method

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (lists for tuples, the status as its string value)."""
        return {
            "id": self.id,
            "driver": self.driver,
            "num_qubits": self.num_qubits,
            "basis_gates": list(self.basis_gates),
            "coupling_map": (
                None if self.coupling_map is None else [list(p) for p in self.coupling_map]
            ),
            "method": str(self.method),
            "noise_model": self.noise_model,
            "status": self.status.value,
            "queue_depth": self.queue_depth,
            "calibration": None if self.calibration is None else dict(self.calibration),
            "description": self.description,
        }


def state_memory_bytes(method: str, num_qubits: int) -> int:
    """Bytes a simulator needs to hold the state of ``num_qubits`` qubits.

    Complex128 amplitudes: a state vector is ``16 * 2**n`` bytes, a density matrix
    ``16 * 4**n``; a matrix product state is estimated at ``2 * 16 * n * chi**2`` with
    ``chi = MPS_BOND_DIMENSION``.

    Raises:
        ValueError: ``num_qubits`` is negative or the method is unknown.
    """
    if num_qubits < 0:
        raise ValueError(f"num_qubits must be >= 0, not {num_qubits}")
    m = Method(method)
    if m is Method.STATEVECTOR:
        return int(16 * 2**num_qubits)
    if m is Method.DENSITY_MATRIX:
        return int(16 * 4**num_qubits)
    return 2 * 16 * max(num_qubits, 1) * MPS_BOND_DIMENSION**2


def max_qubits_for_memory(method: str, memory_bytes: int) -> int:
    """The widest state of ``method`` that fits in ``memory_bytes`` (at least 1)."""
    m = Method(method)
    if m is Method.MATRIX_PRODUCT_STATE:
        return _MPS_MAX_QUBITS
    per_qubit_exponent = 1 if m is Method.STATEVECTOR else 2
    if memory_bytes < 32:
        return 1
    return max(1, int(math.log2(memory_bytes / 16)) // per_qubit_exponent)


def physical_memory_bytes() -> int:
    """Total physical memory of this machine (8 GiB when the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def format_bytes(size: int) -> str:
    """Return a byte count for people: ``16.0 GiB``, ``512.0 KiB``, ``100 B``."""
    if size < 1024:
        return f"{size} B"
    exponent = min(3, (size.bit_length() - 1) // 10)
    return f"{size / 1024**exponent:.1f} {('KiB', 'MiB', 'GiB')[exponent - 1]}"
