"""L1 resource ledger: simulator memory and qubits held by running jobs, for admission."""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HEADROOM",
    "Holding",
    "ResourceLedger",
    "available_memory_bytes",
    "default_capacity_bytes",
]

HEADROOM = 0.25
"""Fraction of the available memory the ledger leaves to everything else (the Jupyter
server, kernels, the OS page cache, numpy temporaries beside the simulator's state)."""

_FALLBACK_BYTES = 4 << 30


@dataclass(frozen=True, slots=True)
class Holding:
    """What one running job holds.

    Attributes:
        job_id: The job.
        memory_bytes: Simulator memory reserved for it.
        qubits: Qubits reserved for it.
    """

    job_id: str
    memory_bytes: int
    qubits: int


def available_memory_bytes() -> int:
    """Return the memory this process can still use, in bytes.

    The smallest of: ``MemAvailable`` from ``/proc/meminfo``; the room left under a cgroup v2
    (or v1) memory limit, when the engine runs in a container; ``os.sysconf`` available pages
    where ``/proc`` is missing. 4 GiB when none of them can be read.
    """
    candidates: list[int] = []
    meminfo = _read_text(Path("/proc/meminfo"))
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            candidates.append(int(line.split()[1]) * 1024)
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit, usage = _read_text(Path(limit_file)).strip(), _read_text(Path(usage_file)).strip()
        # cgroup v1 reports "no limit" as a huge number, v2 as "max".
        if limit.isdigit() and usage.isdigit() and int(limit) < 1 << 60:
            candidates.append(max(0, int(limit) - int(usage)))
    if not candidates:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(candidates) if candidates else _FALLBACK_BYTES


def default_capacity_bytes() -> int:
    """Return the default simulator memory budget: available memory minus :data:`HEADROOM`."""
    return int(available_memory_bytes() * (1.0 - HEADROOM))


class ResourceLedger:
    """Admission control: concurrent simulations never reserve more than the machine has.

    Policy: the memory budget is fixed when the ledger is made, by default 75% of the memory
    available at that moment (:func:`default_capacity_bytes`), so jobs admitted together
    never push the machine into swap or the OOM killer. A job is admitted when its estimate
    fits beside what running jobs hold; a job that cannot fit even on an idle machine
    (:meth:`fits_ever` is false) should be failed with ``RESOURCE_EXHAUSTED`` instead of
    waiting forever. Qubits are unlimited unless a qubit capacity is given (devices with a
    fixed qubit count). The ledger does not prevent a large job from waiting behind a stream
    of small ones; the scheduler decides the order in which it asks.

    Example:
        >>> ledger = ResourceLedger(capacity_bytes=2 << 30)
        >>> ledger.try_acquire("j-0123456789ab", 16 * 2**26, 26)
        True
        >>> ledger.release("j-0123456789ab")
        True
    """

    def __init__(
        self, capacity_bytes: int | None = None, capacity_qubits: int | None = None
    ) -> None:
        """Make a ledger.

        Args:
            capacity_bytes: Memory budget; default :func:`default_capacity_bytes`.
            capacity_qubits: Qubit budget; ``None`` for no qubit limit.
        """
        if capacity_bytes is None:
            capacity_bytes = default_capacity_bytes()
        if capacity_bytes < 0 or (capacity_qubits is not None and capacity_qubits < 0):
            raise ValueError("capacities must be >= 0")
        self.capacity_bytes = capacity_bytes
        self.capacity_qubits = capacity_qubits
        self._lock = threading.Lock()
        self._held: dict[str, Holding] = {}
        self._used_bytes = 0
        self._used_qubits = 0

    def fits_ever(self, memory_bytes: int, qubits: int = 0) -> bool:
        """Return whether a job of this size could run on an otherwise idle machine."""
        if memory_bytes > self.capacity_bytes:
            return False
        return self.capacity_qubits is None or qubits <= self.capacity_qubits

    def try_acquire(self, job_id: str, memory_bytes: int, qubits: int = 0) -> bool:
        """Reserve resources for a job if they are free now; return whether it was admitted.

        Raises:
            ValueError: negative amounts, or the job already holds a reservation.
        """
        if memory_bytes < 0 or qubits < 0:
            raise ValueError(f"amounts must be >= 0, got {memory_bytes} bytes, {qubits} qubits")
        with self._lock:
            if job_id in self._held:
                raise ValueError(f"job {job_id} already holds resources; release them first")
            if self._used_bytes + memory_bytes > self.capacity_bytes:
                return False
            if (
                self.capacity_qubits is not None
                and self._used_qubits + qubits > self.capacity_qubits
            ):
                return False
            self._held[job_id] = Holding(job_id, memory_bytes, qubits)
            self._used_bytes += memory_bytes
            self._used_qubits += qubits
            return True

    def release(self, job_id: str) -> bool:
        """Return a job's reservation; ``False`` if it held none (safe to call twice)."""
        with self._lock:
            holding = self._held.pop(job_id, None)
            if holding is None:
                return False
            self._used_bytes -= holding.memory_bytes
            self._used_qubits -= holding.qubits
            return True

    def held(self) -> dict[str, Holding]:
        """Return a snapshot of the current reservations by job id."""
        with self._lock:
            return dict(self._held)

    @property
    def used_bytes(self) -> int:
        """Memory reserved by running jobs."""
        with self._lock:
            return self._used_bytes

    @property
    def used_qubits(self) -> int:
        """Qubits reserved by running jobs."""
        with self._lock:
            return self._used_qubits

    @property
    def free_bytes(self) -> int:
        """Memory still free for admission."""
        with self._lock:
            return self.capacity_bytes - self._used_bytes


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
