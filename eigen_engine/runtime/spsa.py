"""SPSA (Spall's simultaneous perturbation stochastic approximation), seeded.

Each iteration perturbs every parameter at once by ``±c_k`` (a random sign vector) and
evaluates the pair ``f(x + c_k Δ)``, ``f(x - c_k Δ)`` in one batch; the step is
``a_k (f+ - f-) / (2 c_k) Δ``, with the gains ``a_k = a / (k + 1 + A)^alpha`` and
``c_k = c / (k + 1)^gamma``. Without an explicit ``a``, it is calibrated first (as Qiskit's
SPSA does) so the first step has magnitude ``2π/10``; the calibration pairs are one batch.
The final point is evaluated once more; that value is the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from eigen_engine.errors import InvalidArgument

__all__ = ["SPSA_OPTIONS", "SpsaResult", "SpsaSettings", "minimize_spsa"]

SPSA_OPTIONS: Mapping[str, str] = {
    "maxiter": "iterations (default 100)",
    "tol": "stop when a step moves the parameters less than this (default: never)",
    "learning_rate": "a; calibrated when absent",
    "perturbation": "c (default 0.2)",
    "alpha": "learning-rate decay exponent (default 0.602)",
    "gamma": "perturbation decay exponent (default 0.101)",
    "stability": "A (default 10% of maxiter)",
    "calibration_steps": "perturbation pairs used to calibrate a (default 10)",
}
"""Options of the ``spsa`` method and their meaning."""

_TARGET_MAGNITUDE = 2 * math.pi / 10
_INTEGERS = frozenset({"maxiter", "calibration_steps"})


@dataclass(frozen=True, slots=True)
class SpsaSettings:
    """Checked SPSA options (see :data:`SPSA_OPTIONS`); ``learning_rate`` None: calibrate."""

    maxiter: int = 100
    tol: float | None = None
    learning_rate: float | None = None
    perturbation: float = 0.2
    alpha: float = 0.602
    gamma: float = 0.101
    stability: float | None = None
    calibration_steps: int = 10

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> SpsaSettings:
        """Check a plan node's options.

        Raises:
            InvalidArgument: an unknown option or a bad value.
        """
        unknown = sorted(set(options) - set(SPSA_OPTIONS))
        if unknown:
            raise InvalidArgument(
                f"unknown spsa option(s) {', '.join(unknown)}; options are "
                f"{', '.join(SPSA_OPTIONS)}"
            )
        values: dict[str, Any] = {}
        for key, raw in options.items():
            integer = key in _INTEGERS
            ok = (not isinstance(raw, bool) and isinstance(raw, int | float)
                  and math.isfinite(raw) and (raw >= 0 if key == "stability" else raw > 0)
                  and (not integer or float(raw).is_integer()))
            if not ok:
                kind = ("a positive integer" if integer else
                        "a non-negative number" if key == "stability" else "a positive number")
                raise InvalidArgument(f"spsa option {key} must be {kind}, not {raw!r}")
            values[key] = int(raw) if integer else float(raw)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class SpsaResult:
    """Where SPSA ended."""

    x: np.ndarray
    fun: float
    nit: int
    nfev: int
    success: bool
    message: str


def minimize_spsa(
    values: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    options: Mapping[str, Any],
    rng: np.random.Generator,
    on_iteration: Callable[[int], None] | None = None,
) -> SpsaResult:
    """Minimise with SPSA.

    Args:
        values: The objective at each row of a matrix (one batch per call).
        x0: The initial point.
        options: See :data:`SPSA_OPTIONS`.
        rng: Draws the perturbation signs (calibration first, then one vector per
            iteration).
        on_iteration: Called with the number of completed iterations after each one.

    Raises:
        InvalidArgument: an unknown option or a bad option value.
    """
    s = SpsaSettings.parse(options)
    c, alpha, gamma, steps = s.perturbation, s.alpha, s.gamma, s.calibration_steps
    stability = 0.1 * s.maxiter if s.stability is None else s.stability
    x = np.array(x0, dtype=np.float64)
    n = x.shape[0]
    nfev = 0

    def signs() -> np.ndarray:
        return np.asarray(rng.choice((-1.0, 1.0), size=n), dtype=np.float64)

    if s.learning_rate is not None:
        a = s.learning_rate
    else:
        deltas = np.array([signs() for _ in range(steps)])
        pairs = values(np.vstack([x + c * deltas, x - c * deltas]))
        nfev += 2 * steps
        magnitude = float(np.mean(np.abs(pairs[:steps] - pairs[steps:]) / (2 * c)))
        a = _TARGET_MAGNITUDE * (stability + 1) ** alpha / (magnitude if magnitude > 0 else 1.0)

    message = f"SPSA ran its {s.maxiter} iterations"
    nit = 0
    for k in range(s.maxiter):
        ak = a / (k + 1 + stability) ** alpha
        ck = c / (k + 1) ** gamma
        delta = signs()
        plus, minus = values(np.vstack([x + ck * delta, x - ck * delta]))
        nfev += 2
        step = ak * (plus - minus) / (2 * ck) * delta
        x = x - step
        nit = k + 1
        if on_iteration is not None:
            on_iteration(nit)
        if s.tol is not None and float(np.linalg.norm(step)) < s.tol:
            message = f"SPSA converged: a step moved the parameters less than tol={s.tol:g}"
            break
    fun = float(values(x[None, :])[0])
    nfev += 1
    return SpsaResult(x, fun, nit, nfev, True, message)
