"""Noise as data: the ``NoiseSpec`` value and the parser for noise strings.

A noise string is one or more parts joined by ``+``::

    depolarizing:P            after every gate on k qubits, rho -> (1-P) rho + P I/2**k
    readout:P                 every measured bit is reported flipped with probability P
    thermal:T1,T2,GATE_TIME   after every gate, each of its qubits relaxes for GATE_TIME
                              seconds (T1 amplitude damping, T2 dephasing, T2 <= 2*T1)

e.g. ``"depolarizing:0.001+readout:0.02"`` or ``"thermal:50e-6,70e-6,50e-9"``. ``"none"``
(or an empty string) is the ideal device.

The same depolarizing ``P`` applies to one-, two- and three-qubit gates (each gets the
``P``-depolarizing channel on all of its qubits). ``P`` is Qiskit's depolarizing parameter,
not Cirq's: Cirq's ``depolarize(p, n)`` equals ours at ``p = P * (1 - 4**-n)``. The
drivers insert these channels after each gate as written in the AQO, before any
decomposition, so every device and driver applies the same channels to the same gates.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from eigen_engine.errors import InvalidArgument

__all__ = ["NOISE_KINDS", "NoiseSpec", "ThermalRelaxation", "parse_noise"]

NOISE_KINDS = ("depolarizing", "readout", "thermal")
_IDEAL = frozenset({"", "none", "ideal", "noiseless"})
_FORMS = {
    "depolarizing": "depolarizing:P with P in [0, 1], e.g. depolarizing:0.001",
    "readout": "readout:P with P in [0, 1], e.g. readout:0.02",
    "thermal": "thermal:T1,T2,GATE_TIME in seconds, e.g. thermal:50e-6,70e-6,50e-9",
}


@dataclass(frozen=True, slots=True)
class ThermalRelaxation:
    """Thermal relaxation during each gate.

    Attributes:
        t1: Energy relaxation time in seconds (> 0).
        t2: Dephasing time in seconds (> 0, at most ``2 * t1``).
        gate_time: Duration of every gate in seconds (>= 0).
    """

    t1: float
    t2: float
    gate_time: float

    def __post_init__(self) -> None:
        if not (self.t1 > 0 and math.isfinite(self.t1)):
            raise InvalidArgument(f"thermal noise: T1 must be a positive time, not {self.t1!r}")
        if not (self.t2 > 0 and math.isfinite(self.t2)):
            raise InvalidArgument(f"thermal noise: T2 must be a positive time, not {self.t2!r}")
        if self.t2 > 2 * self.t1:
            raise InvalidArgument(
                f"thermal noise: T2 = {self.t2!r} exceeds 2*T1 = {2 * self.t1!r}, which no "
                "physical qubit allows; use T2 <= 2*T1"
            )
        if not (self.gate_time >= 0 and math.isfinite(self.gate_time)):
            raise InvalidArgument(
                f"thermal noise: gate time must be >= 0 seconds, not {self.gate_time!r}"
            )

    @property
    def excited_decay(self) -> float:
        """Probability that ``|1>`` decays to ``|0>`` during one gate: ``1 - exp(-t/T1)``."""
        return 1.0 - math.exp(-self.gate_time / self.t1)

    @property
    def pure_dephasing(self) -> float:
        """Phase-damping parameter left after amplitude damping, so coherences decay
        as ``exp(-t/T2)`` in total: ``1 - exp(-2t/T2 + t/T1)``."""
        return 1.0 - math.exp(-2 * self.gate_time / self.t2 + self.gate_time / self.t1)


@dataclass(frozen=True, slots=True)
class NoiseSpec:
    """A parsed noise model. All parts ``None`` means the ideal device.

    Attributes:
        depolarizing: Depolarizing parameter applied after every gate.
        readout: Symmetric readout flip probability per measured bit.
        thermal: Thermal relaxation applied after every gate.
    """

    depolarizing: float | None = None
    readout: float | None = None
    thermal: ThermalRelaxation | None = None

    def __post_init__(self) -> None:
        for kind, p in (("depolarizing", self.depolarizing), ("readout", self.readout)):
            if p is not None and not (0.0 <= p <= 1.0):
                raise InvalidArgument(
                    f"{kind} noise: probability must be in [0, 1], not {p!r}; "
                    f"write {_FORMS[kind]}"
                )

    @property
    def is_ideal(self) -> bool:
        """True when no part adds noise."""
        return not (self.depolarizing or self.readout or self.has_thermal)

    @property
    def has_thermal(self) -> bool:
        """True when thermal relaxation is configured with a non-zero gate time."""
        return self.thermal is not None and self.thermal.gate_time > 0

    @property
    def has_quantum_channels(self) -> bool:
        """True when the noise changes the quantum state (not only the readout)."""
        return bool(self.depolarizing) or self.has_thermal

    def __str__(self) -> str:
        parts = []
        if self.depolarizing is not None:
            parts.append(f"depolarizing:{self.depolarizing!r}")
        if self.readout is not None:
            parts.append(f"readout:{self.readout!r}")
        if self.thermal is not None:
            t = self.thermal
            parts.append(f"thermal:{t.t1!r},{t.t2!r},{t.gate_time!r}")
        return "+".join(parts) or "none"


def _number(text: str, kind: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidArgument(
            f"{kind} noise: {what} {text.strip()!r} is not a finite number; write {_FORMS[kind]}"
        )
    return value


def parse_noise(text: str | NoiseSpec | None) -> NoiseSpec:
    """Parse a noise string into a :class:`NoiseSpec`.

    Example:
        >>> str(parse_noise("readout:0.02 + depolarizing:1e-3"))
        'depolarizing:0.001+readout:0.02'

    Args:
        text: A noise string, an already parsed spec (returned as is), or ``None`` (ideal).

    Raises:
        InvalidArgument: naming the bad part and the form it should take.
    """
    if isinstance(text, NoiseSpec):
        return text
    if text is None or text.strip().lower() in _IDEAL:
        return NoiseSpec()
    found: dict[str, str] = {}
    for raw in text.split("+"):
        part = raw.strip()
        if not part:
            raise InvalidArgument(
                f"noise string {text!r} has an empty part; join parts with a single '+'"
            )
        kind, sep, args = part.partition(":")
        kind = kind.strip().lower()
        if kind not in NOISE_KINDS:
            close = difflib.get_close_matches(kind, NOISE_KINDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidArgument(
                f"unknown noise kind {kind!r} in {text!r}; {hint}known kinds: "
                f"{', '.join(NOISE_KINDS)} (e.g. 'depolarizing:0.001+readout:0.02')"
            )
        if not sep or not args.strip():
            raise InvalidArgument(f"{kind} noise needs parameters: write {_FORMS[kind]}")
        if kind in found:
            raise InvalidArgument(
                f"{kind} noise is given twice in {text!r}; give each kind at most once"
            )
        found[kind] = args
    depolarizing = readout = None
    thermal = None
    if "depolarizing" in found:
        depolarizing = _number(found["depolarizing"], "depolarizing", "probability")
    if "readout" in found:
        readout = _number(found["readout"], "readout", "probability")
    if "thermal" in found:
        fields = found["thermal"].split(",")
        if len(fields) != 3:
            raise InvalidArgument(
                f"thermal noise takes three values, got {len(fields)} in "
                f"{found['thermal'].strip()!r}; write {_FORMS['thermal']}"
            )
        t1, t2, gate_time = (
            _number(f, "thermal", name) for f, name in zip(fields, ("T1", "T2", "gate time"),
                                                          strict=True)
        )
        thermal = ThermalRelaxation(t1, t2, gate_time)
    return NoiseSpec(depolarizing, readout, thermal)
