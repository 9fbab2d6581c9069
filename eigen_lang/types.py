"""Eigen-Lang value types: registers, parameters, observables, ansätze, run-time results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eigen_lang._errors import NotCompiledError

__all__ = [
    "Ansatz",
    "ClassicalRegister",
    "ExpectationValue",
    "Observable",
    "OptimizationResult",
    "Param",
    "Params",
    "QubitRegister",
]


@dataclass(frozen=True)
class QubitRegister:
    """``n`` qubits; ``q[i]`` is a qubit index. Registers are laid out one after another."""

    size: int

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError(f"register index {index} out of range for size {self.size}")
        return index

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class ClassicalRegister:
    """``n`` classical bits for ``measure(q, c)``."""

    size: int

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class Param:
    """A symbolic circuit parameter: ``Param("theta", 0.1)``.

    Attributes:
        name: The parameter's name (an identifier).
        default: Its value when nothing else binds it (``None``: must be bound or optimised).
    """

    name: str
    default: float | None = None


def Params(name: str, count: int) -> list[Param]:
    """A vector of parameters ``name[0] .. name[count-1]``."""
    return [Param(f"{name}[{i}]") for i in range(count)]


@dataclass(frozen=True)
class Observable:
    """A Hermitian observable: ``Observable(Z=0, X=1)``, ``Observable({"ZZI": -1.0})``.

    The algebra ``Z(0) * Z(1) + 0.5 * X(2)`` is evaluated by the compiler.
    """

    terms: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, labels: Mapping[str, float] | str | None = None, **terms: Any) -> None:
        data: dict[str, Any] = {}
        if isinstance(labels, str):
            data[labels] = 1.0
        elif labels:
            data.update(labels)
        data.update(terms)
        object.__setattr__(self, "terms", data)

    @property
    def n_qubits(self) -> int:
        """Width of the observable (known exactly to the compiler)."""
        raise NotCompiledError("Observable.n_qubits")


@dataclass(frozen=True)
class Ansatz:
    """A parameterised circuit (from ``@ansatz`` or ``create_hea_ansatz``)."""

    n_qubits: int
    num_params: int
    parameters: Sequence[Param] = ()


class ExpectationValue:
    """``<psi(params)|observable|psi(params)>``, evaluated by the runtime (exact: shots=None)."""

    def __init__(self, circuit_or_ansatz: Any = None, observable: Any = None,
                 shots: int | None = None) -> None:
        raise NotCompiledError("ExpectationValue")


@dataclass(frozen=True)
class OptimizationResult:
    """What ``minimize`` returns at run time.

    Attributes:
        optimal_value: Best objective value (alias ``fun``).
        optimal_parameters: Parameters at the optimum (alias ``x``).
        success: Whether the optimizer reported convergence.
        iterations: Optimizer iterations (alias ``nit``).
        nfev: Objective evaluations.
        history: Objective value per evaluation.
        method: Optimizer name.
    """

    optimal_value: float
    optimal_parameters: Sequence[float]
    success: bool
    iterations: int
    nfev: int
    history: Sequence[float] = ()
    method: str = ""

    @property
    def fun(self) -> float:
        """Alias of ``optimal_value`` (upstream / scipy spelling)."""
        return self.optimal_value

    @property
    def x(self) -> Sequence[float]:
        """Alias of ``optimal_parameters``."""
        return self.optimal_parameters

    @property
    def nit(self) -> int:
        """Alias of ``iterations``."""
        return self.iterations
