"""Observables: Pauli sums with coefficients, their algebra and canonical JSON form.

The JSON form is Qiskit's sparse list: ``{"num_qubits": n, "terms": [["ZZ", [0, 1], -1.0],
...]}`` (``SparsePauliOp.from_sparse_list`` reads it directly). Terms are canonical: merged,
zero terms dropped, sorted by qubits then letters, so equal observables serialise identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PauliSum", "PauliTerm"]

# (a, b) -> (phase, product) for single-qubit Paulis: a * b = phase * product.
_MUL: dict[tuple[str, str], tuple[complex, str]] = {}
for _p in "IXYZ":
    _MUL[("I", _p)] = (1, _p)
    _MUL[(_p, "I")] = (1, _p)
    _MUL[(_p, _p)] = (1, "I")
for _a, _b, _c in (("X", "Y", "Z"), ("Y", "Z", "X"), ("Z", "X", "Y")):
    _MUL[(_a, _b)] = (1j, _c)
    _MUL[(_b, _a)] = (-1j, _c)

PauliKey = tuple[tuple[int, str], ...]
"""A Pauli string as ``((qubit, letter), ...)`` sorted by qubit, identity letters omitted."""


@dataclass(frozen=True, slots=True)
class PauliTerm:
    """One term ``coeff * P`` of a Pauli sum.

    Attributes:
        paulis: Letters from ``XYZ``, one per qubit in ``qubits`` (empty for the identity).
        qubits: Qubit indices, strictly increasing.
        coeff: Coefficient; real in a Hermitian observable (complex only mid-algebra).
    """

    paulis: str
    qubits: tuple[int, ...]
    coeff: complex | float

    def label(self, num_qubits: int) -> str:
        """Return the dense label in Qiskit order (rightmost character is qubit 0)."""
        chars = ["I"] * num_qubits
        for p, q in zip(self.paulis, self.qubits, strict=True):
            chars[num_qubits - 1 - q] = p
        return "".join(chars)


@dataclass(frozen=True, slots=True)
class PauliSum:
    """A Hermitian observable ``sum_k c_k P_k``.

    Attributes:
        terms: Canonical terms (merged, non-zero, sorted).
        num_qubits: Width of the observable (at least 1 + the highest qubit used).
    """

    terms: tuple[PauliTerm, ...]
    num_qubits: int

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_keys(
        cls, coeffs: Mapping[PauliKey, complex], num_qubits: int = 0
    ) -> PauliSum:
        """Build from ``{pauli_key: coefficient}``; zero terms are dropped.

        Coefficients whose imaginary part vanishes are stored as floats; call
        :meth:`hermitian` before using the sum as an observable.
        """
        terms = []
        width = num_qubits
        for key, c in coeffs.items():
            c = complex(c)
            if c == 0:
                continue
            value: complex | float = c.real if c.imag == 0 else c
            qubits = tuple(q for q, _ in key)
            terms.append(PauliTerm("".join(p for _, p in key), qubits, value))
            if qubits:
                width = max(width, qubits[-1] + 1)
        terms.sort(key=lambda t: (len(t.qubits), t.qubits, t.paulis))
        return cls(tuple(terms), max(width, 1))

    @classmethod
    def single(cls, letter: str, qubit: int, coeff: float = 1.0) -> PauliSum:
        """The observable ``coeff * letter_qubit`` (``letter`` in ``IXYZ``)."""
        key: PauliKey = () if letter == "I" else ((qubit, letter),)
        return cls.from_keys({key: coeff}, qubit + 1)

    @classmethod
    def from_labels(cls, labels: Mapping[str, complex]) -> PauliSum:
        """Build from dense labels in Qiskit order, e.g. ``{"ZZI": -1.0, "IIX": 0.5}``.

        Raises:
            ValueError: a label has letters other than ``IXYZ`` or the lengths differ.
        """
        width = 0
        acc: dict[PauliKey, complex] = {}
        for label, coeff in labels.items():
            if not label or any(ch not in "IXYZ" for ch in label):
                raise ValueError(
                    f"Pauli label {label!r} must be a non-empty string of I, X, Y, Z "
                    "(rightmost letter = qubit 0)"
                )
            if width and len(label) != width:
                raise ValueError(
                    f"Pauli labels must all have the same length; {label!r} has {len(label)}, "
                    f"others have {width}"
                )
            width = len(label)
            n = len(label)
            key = tuple((n - 1 - i, ch) for i, ch in enumerate(label) if ch != "I")[::-1]
            acc[key] = acc.get(key, 0) + coeff
        return cls.from_keys(acc, width)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PauliSum:
        """Decode the canonical JSON form.

        Raises:
            ValueError: the document is not a valid observable.
        """
        try:
            n = int(doc["num_qubits"])
            acc: dict[PauliKey, complex] = {}
            for paulis, qubits, coeff in doc["terms"]:
                if len(paulis) != len(qubits) or any(p not in "XYZ" for p in paulis):
                    raise ValueError(f"bad Pauli term {paulis!r} on {qubits!r}")
                key = tuple(sorted(zip((int(q) for q in qubits), paulis, strict=True)))
                acc[key] = acc.get(key, 0) + float(coeff)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an observable document: {exc}") from exc
        return cls.from_keys(acc, n)

    # -- algebra ----------------------------------------------------------------------------
    def _as_keys(self) -> dict[PauliKey, complex]:
        return {tuple(zip(t.qubits, t.paulis, strict=True)): t.coeff for t in self.terms}

    def __add__(self, other: PauliSum | float) -> PauliSum:
        if not isinstance(other, PauliSum):
            other = PauliSum.from_keys({(): other}, 1)
        acc = self._as_keys()
        for key, c in other._as_keys().items():
            acc[key] = acc.get(key, 0) + c
        return PauliSum.from_keys(acc, max(self.num_qubits, other.num_qubits))

    __radd__ = __add__

    def __neg__(self) -> PauliSum:
        return self.scale(-1.0)

    def __sub__(self, other: PauliSum | float) -> PauliSum:
        return self + (-other)

    def __rsub__(self, other: float) -> PauliSum:
        return (-self) + other

    def scale(self, factor: float) -> PauliSum:
        """Multiply every coefficient by a real number."""
        return PauliSum.from_keys(
            {k: c * factor for k, c in self._as_keys().items()}, self.num_qubits
        )

    def __mul__(self, other: PauliSum | float) -> PauliSum:
        if not isinstance(other, PauliSum):
            return self.scale(float(other))
        acc: dict[PauliKey, complex] = {}
        for ka, ca in self._as_keys().items():
            for kb, cb in other._as_keys().items():
                phase, key = _multiply_keys(ka, kb)
                acc[key] = acc.get(key, 0) + phase * ca * cb
        return PauliSum.from_keys(acc, max(self.num_qubits, other.num_qubits))

    def __rmul__(self, other: float) -> PauliSum:
        return self.scale(float(other))

    def __truediv__(self, other: float) -> PauliSum:
        return self.scale(1.0 / float(other))

    def hermitian(self) -> PauliSum:
        """Return this sum with real coefficients, checking it is Hermitian.

        Raises:
            ValueError: a coefficient has a non-negligible imaginary part.
        """
        terms = []
        for t in self.terms:
            c = complex(t.coeff)
            if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)):
                label = " ".join(f"{p}{q}" for p, q in zip(t.paulis, t.qubits, strict=True))
                raise ValueError(
                    f"observable is not Hermitian: term {label or 'I'} has coefficient {c}; "
                    "a product of non-commuting Paulis is complex — add its Hermitian "
                    "conjugate or use commuting factors"
                )
            if c.real != 0:
                terms.append(PauliTerm(t.paulis, t.qubits, float(c.real)))
        return PauliSum(tuple(terms), self.num_qubits)

    # -- views --------------------------------------------------------------------------------
    def widened(self, num_qubits: int) -> PauliSum:
        """The same observable on a register of ``num_qubits`` (must not be narrower)."""
        if num_qubits < self.num_qubits:
            raise ValueError(
                f"observable acts on {self.num_qubits} qubits but the circuit has {num_qubits}"
            )
        return PauliSum(self.terms, num_qubits)

    @property
    def constant(self) -> float:
        """The (real part of the) coefficient of the identity term."""
        return sum((complex(t.coeff).real for t in self.terms if not t.qubits), 0.0)

    def to_json(self) -> dict[str, Any]:
        """Return the canonical JSON form.

        Raises:
            ValueError: the sum is not Hermitian.
        """
        return {
            "num_qubits": self.num_qubits,
            "terms": [[t.paulis, list(t.qubits), t.coeff] for t in self.hermitian().terms],
        }

    def labels(self) -> dict[str, float]:
        """Return ``{dense_label: coefficient}`` in Qiskit order (Hermitian sums only)."""
        return {t.label(self.num_qubits): float(t.coeff.real) for t in self.hermitian().terms}

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for t in self.terms:
            ops = " ".join(f"{p}{q}" for p, q in zip(t.paulis, t.qubits, strict=True)) or "I"
            c = t.coeff
            parts.append(f"{c:+g} {ops}" if isinstance(c, float) else f"+({c}) {ops}")
        return " ".join(parts)


def _multiply_keys(a: PauliKey, b: PauliKey) -> tuple[complex, PauliKey]:
    phase: complex = 1
    merged = dict(a)
    for q, p in b:
        if q in merged:
            ph, prod = _MUL[(merged[q], p)]
            phase *= ph
            if prod == "I":
                del merged[q]
            else:
                merged[q] = prod
        else:
            merged[q] = p
    return phase, tuple(sorted(merged.items()))
