"""Observable algebra and factories for common Hamiltonians and ansätze."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eigen_lang._errors import NotCompiledError
from eigen_lang.types import Ansatz, Observable

__all__ = [
    "I", "X", "Y", "Z", "create_hea_ansatz", "create_ising_model_hamiltonian",
    "create_maxcut_hamiltonian", "create_qaoa_ansatz",
]


def I(qubit: int) -> Observable:  # noqa: E743 - the Pauli's name
    """Identity on ``qubit`` (for the algebra ``Z(0) * Z(1) + 0.5 * X(2)``)."""
    raise NotCompiledError("I")


def X(qubit: int) -> Observable:
    """Pauli X on ``qubit``."""
    raise NotCompiledError("X")


def Y(qubit: int) -> Observable:
    """Pauli Y on ``qubit``."""
    raise NotCompiledError("Y")


def Z(qubit: int) -> Observable:
    """Pauli Z on ``qubit``."""
    raise NotCompiledError("Z")


def create_ising_model_hamiltonian(n_spins: int, J: Any = 1.0, h: Any = 0.0,
                                   periodic: bool = False) -> Observable:
    """``sum J_ij Z_i Z_j + h sum X_i``: a number J couples nearest neighbours (plus the
    ``(n-1, 0)`` bond when periodic and n > 2); a matrix J couples every ``i < j``."""
    raise NotCompiledError("create_ising_model_hamiltonian")


def create_maxcut_hamiltonian(edges: Sequence[Sequence[int]],
                              weights: Sequence[float] | None = None) -> Observable:
    """``sum w_ij (Z_i Z_j - 1) / 2``, whose ground energy is minus the maximum cut."""
    raise NotCompiledError("create_maxcut_hamiltonian")


def create_hea_ansatz(n_qubits: int, depth: int = 1, entanglement: str = "linear",
                      rotations: str = "ry", name: str = "theta") -> Ansatz:
    """Hardware-efficient ansatz with the structure of Qiskit's
    ``n_local(n, "ry", "cx", entanglement="linear", reps=depth)``: a rotation layer, then
    ``depth`` times (CX layer, rotation layer); ``n * (depth + 1)`` parameters per rotation."""
    raise NotCompiledError("create_hea_ansatz")


def create_qaoa_ansatz(cost_hamiltonian: Observable, reps: int = 1) -> Ansatz:
    """QAOA: H on all qubits, then ``reps`` x (exp(-i gamma H_C), RX(2 beta) mixer)."""
    raise NotCompiledError("create_qaoa_ansatz")
