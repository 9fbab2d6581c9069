"""Optimizers: scipy methods reproducible with plain scipy, SPSA seeded and batched."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import minimize

from eigen_engine.errors import InvalidArgument
from eigen_engine.runtime.optimizers import SCIPY_METHODS, run_optimizer

CENTER = np.array([0.5, -1.0, 2.0])


def rosenish(x: np.ndarray) -> float:
    return float(np.sum((x - CENTER) ** 2) + 0.3 * np.sin(3 * x[0]) * np.cos(x[1]))


def rosenish_grad(x: np.ndarray) -> np.ndarray:
    g = 2 * (x - CENTER)
    g[0] += 0.9 * np.cos(3 * x[0]) * np.cos(x[1])
    g[1] -= 0.3 * np.sin(3 * x[0]) * np.sin(x[1])
    return g


class Quadratic:
    """A Problem without a driver: counts batches, keeps the history."""

    def __init__(self) -> None:
        self.iteration = 0
        self.history: list[float] = []
        self.batches: list[int] = []
        self.iterations_seen: list[int] = []

    def values(self, xs: np.ndarray) -> np.ndarray:
        self.batches.append(len(xs))
        out = np.array([rosenish(x) for x in xs])
        self.history += out.tolist()
        self.iterations_seen += [self.iteration] * len(xs)
        return out

    def value(self, x: np.ndarray) -> float:
        return float(self.values(np.asarray(x)[None, :])[0])

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        return self.value(x), rosenish_grad(np.asarray(x))


X0 = [0.1, 0.2, 0.3]


@pytest.mark.parametrize("method", list(SCIPY_METHODS))
@pytest.mark.parametrize("options", [{}, {"maxiter": 15}, {"maxiter": 40, "tol": 1e-4}],
                         ids=["defaults", "maxiter", "maxiter_tol"])
def test_scipy_methods_reproduce_plain_scipy(method: str, options: dict[str, Any]) -> None:
    problem = Quadratic()
    ours = run_optimizer(method, problem, X0, options, seed=0)
    opts = dict(options)
    tol = opts.pop("tol", None)
    jac = rosenish_grad if method == "l-bfgs-b" else None
    plain = minimize(rosenish, np.array(X0), method=SCIPY_METHODS[method], jac=jac, tol=tol,
                     options=opts)
    assert ours.x == tuple(plain.x.tolist())
    assert ours.fun == plain.fun
    assert ours.nfev == plain.nfev == len(problem.history) == len(ours.history)
    assert ours.success == plain.success
    assert ours.nit == plain.get("nit", plain.nfev)
    assert ours.message == str(plain.message)
    assert problem.iterations_seen == sorted(problem.iterations_seen)


def test_result_object_has_every_field_under_both_spellings() -> None:
    result = run_optimizer("cobyla", Quadratic(), X0, {"maxiter": 30}, seed=0).to_json()
    assert set(result) == {"optimal_value", "fun", "optimal_parameters", "x", "success",
                           "iterations", "nit", "nfev", "history", "method", "message"}
    assert result["fun"] == result["optimal_value"] == min(result["history"])
    assert result["x"] == result["optimal_parameters"]
    assert result["iterations"] == result["nit"] == result["nfev"] == 30
    assert result["method"] == "cobyla"


@pytest.mark.parametrize(("method", "options"), [
    ("cobyla", {"maxiters": 5}),
    ("nelder-mead", {"rhobeg": 1.0}),
    ("powell", {"tol": -1.0}),
    ("l-bfgs-b", {"tol": "small"}),
    ("spsa", {"learning_rte": 0.1}),
    ("spsa", {"maxiter": 0}),
    ("spsa", {"maxiter": 2.5}),
    ("spsa", {"perturbation": -0.1}),
    ("cobyla", {"rhobeg": "big"}),
    ("adam", {}),
])
def test_bad_methods_and_options_are_invalid_arguments(method: str,
                                                       options: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        run_optimizer(method, Quadratic(), X0, options, seed=0)


def test_spsa_is_seeded_batched_and_converges() -> None:
    first, second, other = Quadratic(), Quadratic(), Quadratic()
    a = run_optimizer("spsa", first, X0, {"maxiter": 150}, seed=(7, 0))
    b = run_optimizer("spsa", second, X0, {"maxiter": 150}, seed=(7, 0))
    c = run_optimizer("spsa", other, X0, {"maxiter": 150}, seed=(8, 0))
    assert a == b
    assert a.x != c.x
    assert a.fun < rosenish(np.array(X0)) - 3
    # calibration pairs in one batch, then one pair per iteration, then the final point
    assert first.batches == [2 * 10] + [2] * 150 + [1]
    assert a.nfev == 20 + 2 * 150 + 1 == len(a.history)
    assert a.nit == 150
    assert first.iterations_seen[20:22] == [0, 0]
    assert first.iterations_seen[-1] == 150


def test_spsa_options_learning_rate_and_tol() -> None:
    problem = Quadratic()
    result = run_optimizer("spsa", problem, X0,
                           {"maxiter": 500, "learning_rate": 0.05, "perturbation": 0.1,
                            "tol": 1e-3}, seed=1)
    assert problem.batches[0] == 2  # no calibration
    assert result.nit < 500
    assert "converged" in result.message
