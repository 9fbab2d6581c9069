"""Pauli sums: algebra checked against dense matrices, canonical JSON, Qiskit label order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from eigen_engine.ir.observable import PauliSum

M = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
     "Z": np.diag([1.0, -1.0])}


def dense(op: PauliSum, n: int) -> np.ndarray:
    out = np.zeros((2**n, 2**n), dtype=complex)
    for t in op.terms:
        label = t.label(n)
        mat = np.array([[1.0]])
        for ch in label:  # leftmost char = highest qubit (Qiskit order)
            mat = np.kron(mat, M[ch])
        out += complex(t.coeff) * mat
    return out


def P(letter: str, q: int) -> PauliSum:
    return PauliSum.single(letter, q)


@pytest.mark.parametrize("a, b", list(itertools.product("XYZ", repeat=2)))
def test_products_match_matrices(a: str, b: str) -> None:
    prod = P(a, 0) * P(b, 0)
    assert np.allclose(dense(prod, 1), M[a] @ M[b])


def test_algebra_matches_dense_matrices() -> None:
    op = P("Z", 0) * P("Z", 1) + 0.5 * P("X", 2) - 1.0
    n = 3
    zz = np.kron(np.eye(2), np.kron(M["Z"], M["Z"]))
    x2 = np.kron(M["X"], np.eye(4))
    assert np.allclose(dense(op, n), zz + 0.5 * x2 - np.eye(8))


def test_labels_are_qiskit_order() -> None:
    op = PauliSum.from_labels({"ZZI": -1.0, "IIX": 0.5})
    assert op.to_json() == {"num_qubits": 3, "terms": [["X", [0], 0.5], ["ZZ", [1, 2], -1.0]]}
    assert op.labels() == {"IIX": 0.5, "ZZI": -1.0}


def test_canonical_form_merges_and_drops_zero_terms() -> None:
    a = P("X", 1) + P("Z", 0) - P("X", 1)
    assert a.to_json() == {"num_qubits": 2, "terms": [["Z", [0], 1.0]]}
    b = P("Z", 0) + P("Z", 0)
    assert b.to_json()["terms"] == [["Z", [0], 2.0]]


def test_non_hermitian_is_refused_at_use() -> None:
    with pytest.raises(ValueError, match="not Hermitian"):
        (P("X", 0) * P("Y", 0)).to_json()
    assert (P("X", 0) * P("Y", 0) + P("Y", 0) * P("X", 0)).to_json()["terms"] == []


def test_json_round_trip() -> None:
    op = P("Z", 0) * P("X", 3) + 0.25 * P("Y", 1)
    assert PauliSum.from_json(op.to_json()).to_json() == op.to_json()


@pytest.mark.parametrize("labels", [{"ZA": 1.0}, {"": 1.0}, {"ZZ": 1.0, "Z": 2.0}])
def test_bad_labels(labels: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PauliSum.from_labels(labels)
