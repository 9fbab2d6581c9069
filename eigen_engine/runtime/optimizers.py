"""Optimizers of ``minimize`` nodes and the result object programs read.

``cobyla``, ``nelder-mead``, ``powell`` and ``l-bfgs-b`` are ``scipy.optimize.minimize``
called exactly as a user would: ``options`` as the plan node gives them (``maxiter`` ...)
and ``tol`` as ``tol``, so ``scipy.optimize.minimize(f, x0, method=..., options=...,
tol=...)`` reproduces a run. ``l-bfgs-b`` gets parameter-shift gradients (``jac=True``:
value and gradient from one batched driver call). ``spsa`` is :mod:`.spsa`, seeded from
the job seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from eigen_engine.errors import InvalidArgument
from eigen_engine.runtime.spsa import SpsaSettings, minimize_spsa

__all__ = [
    "SCIPY_METHODS",
    "OptimizationResult",
    "Problem",
    "check_options",
    "run_optimizer",
]

SCIPY_METHODS: Mapping[str, str] = {
    "cobyla": "COBYLA",
    "nelder-mead": "Nelder-Mead",
    "powell": "Powell",
    "l-bfgs-b": "L-BFGS-B",
}
"""Our method names -> scipy's."""

_SCIPY_OPTIONS: Mapping[str, frozenset[str]] = {
    "cobyla": frozenset({"maxiter", "rhobeg", "catol", "f_target"}),
    "nelder-mead": frozenset({"maxiter", "maxfev", "xatol", "fatol", "adaptive"}),
    "powell": frozenset({"maxiter", "maxfev", "xtol", "ftol"}),
    "l-bfgs-b": frozenset({"maxiter", "maxfun", "maxcor", "ftol", "gtol", "maxls"}),
}


class Problem(Protocol):
    """What an optimizer needs from an objective."""

    iteration: int
    """Iterations completed; the optimizer keeps it current."""

    @property
    def history(self) -> Sequence[float]:
        """Values of every evaluation so far."""
        ...

    def value(self, x: np.ndarray) -> float:
        """The objective at ``x``."""
        ...

    def values(self, xs: np.ndarray) -> np.ndarray:
        """The objective at each row of ``xs``, in one batch."""
        ...

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its gradient at ``x``, in one batch."""
        ...


@dataclass(frozen=True, slots=True)
class OptimizationResult:
    """The result of a ``minimize`` node (LANGUAGE.md's result object).

    Attributes:
        method: The optimizer (our spelling, e.g. ``"cobyla"``).
        x: The optimal parameters, in the node's parameter order.
        fun: The objective at ``x`` as the optimizer reports it.
        success: Whether the optimizer reports convergence.
        nit: Iterations (for COBYLA, whose iterations are evaluations: ``nfev``).
        nfev: Objective evaluations.
        message: The optimizer's message.
        history: The objective value of every evaluation, in order.
    """

    method: str
    x: tuple[float, ...]
    fun: float
    success: bool
    nit: int
    nfev: int
    message: str
    history: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        """The fields a program may read, under both spellings (JSON-safe)."""
        x = list(self.x)
        return {
            "optimal_value": self.fun,
            "fun": self.fun,
            "optimal_parameters": x,
            "x": list(x),
            "success": self.success,
            "iterations": self.nit,
            "nit": self.nit,
            "nfev": self.nfev,
            "history": list(self.history),
            "method": self.method,
            "message": self.message,
        }


def run_optimizer(
    method: str,
    problem: Problem,
    x0: Sequence[float],
    options: Mapping[str, Any],
    *,
    seed: int | Sequence[int],
) -> OptimizationResult:
    """Minimise ``problem`` from ``x0``.

    Args:
        method: One of ``cobyla nelder-mead powell l-bfgs-b spsa``.
        problem: The objective.
        x0: The initial point.
        options: The plan node's options (``maxiter``, ``tol``, method-specific ones).
        seed: Seeds SPSA's perturbations: ``numpy.random.default_rng(seed)``.

    Raises:
        InvalidArgument: an unknown method or option.
    """
    check_options(method, options)
    start = np.array(x0, dtype=np.float64)
    if method == "spsa":
        spsa = minimize_spsa(problem.values, start, options, np.random.default_rng(seed),
                             on_iteration=lambda k: setattr(problem, "iteration", k))
        return OptimizationResult(method, tuple(float(v) for v in spsa.x), spsa.fun,
                                  spsa.success, spsa.nit, spsa.nfev, spsa.message,
                                  tuple(problem.history))
    return _scipy(method, problem, start, options)


def check_options(method: str, options: Mapping[str, Any]) -> None:
    """Check a method name and its options without running anything.

    Raises:
        InvalidArgument: an unknown method, an unknown option or a bad value.
    """
    if method == "spsa":
        SpsaSettings.parse(options)
    elif method in SCIPY_METHODS:
        _scipy_options(method, options)
    else:
        raise InvalidArgument(f"unknown optimizer {method!r}; use one of "
                              f"{', '.join([*SCIPY_METHODS, 'spsa'])}")


def _scipy_options(method: str, options: Mapping[str, Any]
                   ) -> tuple[float | None, dict[str, Any]]:
    """``(tol, options)`` for ``scipy.optimize.minimize``, checked."""
    opts = dict(options)
    tol = opts.pop("tol", None)
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, int | float)
                            or not math.isfinite(tol) or tol <= 0):
        raise InvalidArgument(f"tolerance must be a positive number, not {tol!r}")
    unknown = sorted(set(opts) - _SCIPY_OPTIONS[method])
    if unknown:
        raise InvalidArgument(
            f"unknown {method} option(s) {', '.join(unknown)}; options are tol, "
            f"{', '.join(sorted(_SCIPY_OPTIONS[method]))}"
        )
    for key, value in opts.items():
        if isinstance(value, str):
            raise InvalidArgument(f"{method} option {key} must be a number, not {value!r}")
    return tol, opts


def _scipy(method: str, problem: Problem, x0: np.ndarray,
           options: Mapping[str, Any]) -> OptimizationResult:
    from scipy.optimize import minimize

    tol, opts = _scipy_options(method, options)

    def callback(intermediate_result: Any) -> None:
        problem.iteration += 1

    if method == "l-bfgs-b":
        result = minimize(problem.value_and_gradient, x0, method=SCIPY_METHODS[method],
                          jac=True, tol=tol, options=opts, callback=callback)
    elif method == "cobyla":
        # COBYLA's iterations are its evaluations (its maxiter bounds them).
        def fun(x: np.ndarray) -> float:
            value = problem.value(x)
            problem.iteration += 1
            return value

        result = minimize(fun, x0, method=SCIPY_METHODS[method], tol=tol, options=opts)
    else:
        result = minimize(problem.value, x0, method=SCIPY_METHODS[method], tol=tol,
                          options=opts, callback=callback)
    nfev = int(result.nfev)
    nit = result.get("nit")
    return OptimizationResult(
        method=method,
        x=tuple(float(v) for v in np.atleast_1d(result.x)),
        fun=float(result.fun),
        success=bool(result.success),
        nit=int(nit) if nit is not None else nfev,
        nfev=nfev,
        message=str(result.message),
        history=tuple(problem.history),
    )

