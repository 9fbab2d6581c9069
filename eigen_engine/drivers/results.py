"""What a driver returns from a sampling run: counts in Qiskit bit order plus metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BITSTRING_ORDER", "Counts", "ExecutionResult", "counts_from_integers"]

Counts = dict[str, int]
"""Outcome bitstring -> number of shots.

Keys are in Qiskit order: classical bit 0 is the rightmost character, every key is
``num_clbits`` characters wide (zero-padded), so ``"001"`` means bit 0 read 1.
"""

BITSTRING_ORDER = "clbit 0 rightmost"
"""The value of ``metadata["bitstring_order"]`` in every result."""


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """Counts of one circuit run, with what is needed to reproduce it.

    Attributes:
        counts: Outcome counts (see :data:`Counts` for the bit order).
        shots: Number of shots; equals ``sum(counts.values())``.
        seed: The seed this result was sampled with; passing it back as ``seed`` to
            ``execute_circuit`` with the same circuit, bindings and noise reproduces the counts.
        device_id: The device that ran it.
        metadata: ``time_taken`` (seconds; in a batch, the batch's wall time divided by its
            size), ``method`` (the one actually used), ``noise_model``, ``transpile_cached``,
            ``batch_size``, ``optimization_level``, ``driver``, ``num_qubits``,
            ``num_clbits``, ``bitstring_order``.
    """

    counts: Counts
    shots: int
    seed: int
    device_id: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        total = sum(self.counts.values())
        if total != self.shots:
            raise ValueError(f"counts add up to {total} but shots is {self.shots}")

    def probabilities(self) -> dict[str, float]:
        """Return outcome frequencies (counts divided by shots)."""
        return {k: v / self.shots for k, v in self.counts.items()}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form; counts sorted by bitstring."""
        return {
            "counts": dict(sorted(self.counts.items())),
            "shots": self.shots,
            "seed": self.seed,
            "device_id": self.device_id,
            "metadata": dict(self.metadata),
        }


def counts_from_integers(values: Mapping[int, int], num_clbits: int) -> Counts:
    """Format ``{outcome_as_integer: count}`` as Qiskit-order bitstring counts.

    Bit ``c`` of the integer is classical bit ``c``, so formatting the integer in binary
    puts bit 0 rightmost.
    """
    width = max(num_clbits, 1)
    return {format(int(k), f"0{width}b"): int(v) for k, v in values.items() if v}
