"""Sampled expectation values: qubit-wise commuting groups, basis rotations, counts -> values.

Terms of a Pauli sum that agree letter by letter on every qubit they share are measured
together: the circuit is rotated into that basis (``X``: ``H``; ``Y``: ``SDG`` then ``H``)
and the group's qubits are measured into fresh classical bits. Each group is sampled with
the full shot count, as Qiskit's estimators do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import MEASURE
from eigen_engine.ir.observable import PauliSum

__all__ = ["MeasurementGroup", "MeasurementPlan", "group_terms"]

_ROTATIONS: Mapping[str, tuple[str, ...]] = {"X": ("H",), "Y": ("SDG", "H"), "Z": ()}


@dataclass(frozen=True, slots=True, eq=False)
class MeasurementGroup:
    """One measurement setting.

    Attributes:
        basis: ``{qubit: letter}`` the group measures.
        circuit: The circuit rotated into ``basis`` and measured (parameters unchanged).
        offset: Index of the first classical bit the group writes.
        masks: Per observable, per term of this group: the bit mask of its qubits.
        coefficients: Per observable, the coefficients of those terms.
    """

    basis: Mapping[int, str]
    circuit: Circuit
    offset: int
    masks: tuple[np.ndarray, ...]
    coefficients: tuple[np.ndarray, ...]

    def expectations(self, counts: Mapping[str, int]) -> np.ndarray:
        """This group's contribution to each observable, from one run's counts."""
        outcomes = np.fromiter((int(k, 2) >> self.offset for k in counts), dtype=np.int64,
                               count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights /= weights.sum()
        out = np.zeros(len(self.masks))
        for i, (masks, coeffs) in enumerate(zip(self.masks, self.coefficients, strict=True)):
            if masks.size:
                parity = np.bitwise_count(outcomes[None, :] & masks[:, None]) & 1
                out[i] = float(coeffs @ ((1.0 - 2.0 * parity) @ weights))
        return out


@dataclass(frozen=True, slots=True, eq=False)
class MeasurementPlan:
    """How to estimate some observables of one circuit from counts.

    Attributes:
        groups: The measurement settings, each with its circuit.
        constants: Per observable, the identity coefficient (needs no measurement).
    """

    groups: tuple[MeasurementGroup, ...]
    constants: np.ndarray

    @classmethod
    def build(cls, circuit: Circuit, observables: Sequence[PauliSum]) -> MeasurementPlan:
        """Group the terms of ``observables`` (together: a shared setting serves all)."""
        terms = [(i, t) for i, o in enumerate(observables) for t in o.hermitian().terms]
        constants = np.zeros(len(observables))
        bases: list[dict[int, str]] = []
        members: list[list[tuple[int, str, tuple[int, ...], float]]] = []
        for i, t in terms:
            if not t.qubits:
                constants[i] += float(t.coeff.real)
                continue
            g = group_terms(bases, t.paulis, t.qubits)
            if g == len(members):
                members.append([])
            members[g].append((i, t.paulis, t.qubits, float(t.coeff.real)))
        base = circuit.without_final_measurements()
        offset = circuit.num_clbits
        groups = []
        for basis, group in zip(bases, members, strict=True):
            qubits = sorted(basis)
            position = {q: k for k, q in enumerate(qubits)}
            ops = list(base.operations)
            for q in qubits:
                ops += [Operation(g, (q,)) for g in _ROTATIONS[basis[q]]]
            clbits = tuple(range(offset, offset + len(qubits)))
            ops.append(Operation(MEASURE, tuple(qubits), (), clbits))
            measured = Circuit(circuit.num_qubits, tuple(ops), circuit.parameters,
                               offset + len(qubits), circuit.defaults)
            masks, coeffs = [], []
            for i in range(len(observables)):
                mine = [(qs, c) for j, _, qs, c in group if j == i]
                masks.append(np.array([sum(1 << position[q] for q in qs) for qs, _ in mine],
                                      dtype=np.int64))
                coeffs.append(np.array([c for _, c in mine], dtype=np.float64))
            groups.append(MeasurementGroup(dict(basis), measured, offset, tuple(masks),
                                           tuple(coeffs)))
        return cls(tuple(groups), constants)

    def combine(self, counts: Sequence[Mapping[str, int]]) -> np.ndarray:
        """Observable values from the counts of each group's circuit (one run each)."""
        out = self.constants.copy()
        for group, c in zip(self.groups, counts, strict=True):
            out += group.expectations(c)
        return out


def group_terms(bases: list[dict[int, str]], paulis: str, qubits: tuple[int, ...]) -> int:
    """Put one Pauli term into the first qubit-wise compatible basis (first fit), adding a
    basis when none fits; return the basis index. ``bases`` is updated in place."""
    for k, basis in enumerate(bases):
        if all(basis.get(q, p) == p for p, q in zip(paulis, qubits, strict=True)):
            basis.update(zip(qubits, paulis, strict=True))
            return k
    bases.append(dict(zip(qubits, paulis, strict=True)))
    return len(bases) - 1
