"""Exact Pauli-sum expectation values of state vectors and density matrices, in numpy.

Basis index bit ``q`` is qubit ``q`` (Qiskit's little-endian order). A Pauli string is
``i**ny * X^x Z^z`` (``Y = iXZ``), so ``P|j> = i**ny (-1)**popcount(j & z) |j ^ x>``; terms
sharing an X mask are summed into one diagonal, so each distinct X mask costs one gather.
"""

from __future__ import annotations

import numpy as np

from eigen_engine.ir.observable import PauliSum

__all__ = ["PauliTable"]


class PauliTable:
    """A Pauli sum compiled for a register of ``num_qubits`` qubits.

    Args:
        observable: The (Hermitian) observable.
        num_qubits: Register width; at least the observable's width.

    Raises:
        ValueError: the observable is wider than the register or not Hermitian.
    """

    def __init__(self, observable: PauliSum, num_qubits: int) -> None:
        terms = observable.widened(num_qubits).hermitian().terms
        self.num_qubits = num_qubits
        groups: dict[int, list[tuple[int, complex]]] = {}
        for term in terms:
            x = z = ny = 0
            for letter, q in zip(term.paulis, term.qubits, strict=True):
                if letter in "XY":
                    x |= 1 << q
                if letter in "ZY":
                    z |= 1 << q
                ny += letter == "Y"
            groups.setdefault(x, []).append((z, (1j**ny) * complex(term.coeff)))
        self._groups = groups
        self._diagonals: dict[int, np.ndarray] | None = None

    def _diagonal_table(self) -> dict[int, np.ndarray]:
        if self._diagonals is None:
            index = np.arange(2**self.num_qubits, dtype=np.int64)
            table: dict[int, np.ndarray] = {}
            for x, zs in self._groups.items():
                diag = np.zeros(index.shape, dtype=np.complex128)
                for z, phase in zs:
                    parity = np.bitwise_count(index & z) & 1
                    diag += phase * (1 - 2 * parity.astype(np.float64))
                table[x] = diag
            self._diagonals = table
        return self._diagonals

    def expectation_statevector(self, state: np.ndarray) -> float:
        """Return ``<psi|H|psi>`` for a normalized state vector of length ``2**num_qubits``."""
        index = np.arange(state.shape[0], dtype=np.int64)
        total = 0j
        for x, diag in self._diagonal_table().items():
            partner = state if x == 0 else state[index ^ x]
            total += np.vdot(partner, diag * state)
        return float(total.real)

    def expectation_density_matrix(self, rho: np.ndarray) -> float:
        """Return ``Tr(rho H)`` for a ``2**n x 2**n`` density matrix."""
        index = np.arange(rho.shape[0], dtype=np.int64)
        total = 0j
        for x, diag in self._diagonal_table().items():
            total += np.sum(rho[index, index ^ x] * diag)
        return float(total.real)
