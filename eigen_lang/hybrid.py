"""Hybrid calls: optimisation, sampling and sweeps, evaluated by the runtime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eigen_lang._errors import NotCompiledError
from eigen_lang.types import OptimizationResult

__all__ = ["minimize", "sample", "sweep"]


def minimize(
    objective: Any,
    initial_guess: Sequence[float] | None = None,
    method: str = "cobyla",
    max_iter: int | None = None,
    tolerance: float | None = None,
    options: Mapping[str, Any] | None = None,
) -> OptimizationResult:
    """Minimise an expectation value over the circuit's parameters (inside the job's worker).

    Methods: ``cobyla``, ``nelder-mead``, ``powell``, ``l-bfgs-b`` (scipy, with
    ``max_iter -> maxiter`` and ``tolerance -> tol``) and ``spsa``. Upstream spellings
    (``max_iters``, ``"COBYLA"``) are accepted. Further optimizer settings go in
    ``options`` (e.g. ``options={"perturbation": 0.1}`` for SPSA), as in
    ``scipy.optimize.minimize``.
    """
    raise NotCompiledError("minimize")


def sample(circuit_or_ansatz: Any = None, parameters: Any = None,
           shots: int | None = None) -> Mapping[str, int]:
    """Measured counts of a circuit; ``parameters`` may be ``result.optimal_parameters``."""
    raise NotCompiledError("sample")


def sweep(circuit: Any, values: Mapping[Any, Sequence[float]], observable: Any = None,
          shots: int | None = None) -> list[Any]:
    """Evaluate a circuit over many parameter values in one batched simulator call."""
    raise NotCompiledError("sweep")
