"""Simulator calibration: the probe circuits and the error figures estimated from their counts.

The probes run on qubits 0 and 1 (simulated noise is the same on every qubit):

* readout: prepare ``|0>`` and ``|1>``, measure. ``readout_error`` is the mean of
  ``P(1|0)`` and ``P(0|1)`` (the figure IBM backends report); the ``|1>`` probe includes
  the X gate's own error.
* one-qubit gates: ``m`` X gates (an identity for even ``m``) on ``|0>``. With
  depolarizing parameter ``lambda`` per gate the Z polarization is ``(1 - lambda)**m`` times
  the zero-gate reference, whatever the (symmetric) readout error, so
  ``lambda = 1 - (pol_m / pol_0)**(1/m)``.
* two-qubit gates: ``m`` CX gates on ``|00>``, the same estimate with ``P(00) - 1/4``.

``gate_error_*`` is the average gate infidelity ``lambda * (d - 1) / d`` (d = 2**k), the
randomized-benchmarking convention; ``depolarizing_*`` is ``lambda`` itself, directly
comparable with a ``depolarizing:P`` noise string. Two sequence lengths are run; the longer
is used unless the noise has washed its signal out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from eigen_engine.drivers.results import Counts
from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import MEASURE

__all__ = ["ONE_QUBIT_LENGTHS", "TWO_QUBIT_LENGTHS", "calibration_circuits", "estimate"]

ONE_QUBIT_LENGTHS = (2, 16)
TWO_QUBIT_LENGTHS = (2, 8)
_MIN_POLARIZATION = 0.15  # below this the long sequence says more about shot noise than gates


def _probe(num_qubits: int, gates: Sequence[Operation]) -> Circuit:
    q = tuple(range(num_qubits))
    return Circuit(num_qubits, (*gates, Operation(MEASURE, q, (), q)), (), num_qubits)


def calibration_circuits() -> list[Circuit]:
    """Return the probe circuits, in the order :func:`estimate` expects their counts."""
    x, cx = Operation("X", (0,)), Operation("CX", (0, 1))
    return [
        _probe(1, []),
        _probe(1, [x]),
        *(_probe(1, [x] * m) for m in ONE_QUBIT_LENGTHS),
        _probe(2, []),
        *(_probe(2, [cx] * m) for m in TWO_QUBIT_LENGTHS),
    ]


def _fraction(counts: Counts, outcome: str) -> float:
    return counts.get(outcome, 0) / max(sum(counts.values()), 1)


def _depolarizing(
    reference: float, floor: float, probes: Sequence[tuple[int, float]]
) -> float:
    """Per-gate depolarizing parameter from ``(length, P(ideal outcome))`` probes."""
    ref_pol = reference - floor
    if ref_pol <= 0:
        return 1.0
    chosen = probes[0]
    for m, p in probes:
        if (p - floor) / ref_pol >= _MIN_POLARIZATION:
            chosen = (m, p)
    m, p = chosen
    decay = min(max((p - floor) / ref_pol, 0.0), 1.0)
    return min(max(1.0 - float(decay ** (1.0 / m)), 0.0), 1.0)


def estimate(counts: Sequence[Counts], shots: int) -> dict[str, float]:
    """Error figures from the counts of :func:`calibration_circuits`, in that order.

    Raises:
        ValueError: ``counts`` does not have one entry per probe circuit.
    """
    n1, n2 = len(ONE_QUBIT_LENGTHS), len(TWO_QUBIT_LENGTHS)
    if len(counts) != 3 + n1 + n2:
        raise ValueError(f"expected {3 + n1 + n2} probe results, got {len(counts)}")
    prep0, prep1 = counts[0], counts[1]
    one = counts[2 : 2 + n1]
    ref2 = counts[2 + n1]
    two = counts[3 + n1 :]
    p10 = _fraction(prep0, "1")
    p01 = _fraction(prep1, "0")
    dep1 = _depolarizing(
        _fraction(prep0, "0"),
        0.5,
        [(m, _fraction(c, "0")) for m, c in zip(ONE_QUBIT_LENGTHS, one, strict=True)],
    )
    dep2 = _depolarizing(
        _fraction(ref2, "00"),
        0.25,
        [(m, _fraction(c, "00")) for m, c in zip(TWO_QUBIT_LENGTHS, two, strict=True)],
    )
    return {
        "readout_error": (p10 + p01) / 2,
        "prob_meas1_prep0": p10,
        "prob_meas0_prep1": p01,
        "depolarizing_1q": dep1,
        "depolarizing_2q": dep2,
        "gate_error_1q": dep1 / 2,
        "gate_error_2q": dep2 * 3 / 4,
        "shots": float(shots),
        "calibrated_at": time.time(),
    }
