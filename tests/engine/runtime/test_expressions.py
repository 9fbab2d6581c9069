"""The plan-expression evaluator and dual numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eigen_engine.errors import InvalidArgument
from eigen_engine.runtime.dual import Dual
from eigen_engine.runtime.expressions import CountsView, evaluate

RESULT = {"fun": -1.5, "optimal_value": -1.5, "x": [0.25, -0.5], "success": True, "nit": 7}
NODES: dict[str, Any] = {"m0": RESULT, "e0": 2.0, "s0": CountsView({"01": 30, "10": 70}, 2)}
M0 = {"$node": "m0"}


@pytest.mark.parametrize(("expr", "expected"), [
    (3, 3),
    ("text", "text"),
    (None, None),
    ([1, {"$node": "e0"}], [1, 2.0]),
    ({"$attr": ["fun", M0]}, -1.5),
    ({"$call": ["tolist", {"$attr": ["x", M0]}]}, [0.25, -0.5]),
    ({"$index": [{"$attr": ["x", M0]}, -1]}, -0.5),
    ({"$op": ["+", {"$op": ["*", 2, {"$attr": ["optimal_value", M0]}]}, 1]}, -2.0),
    ({"$neg": {"$attr": ["fun", M0]}}, 1.5),
    ({"$call": ["round", {"$op": ["/", 1, 3]}, 3]}, 0.333),
    ({"$call": ["abs", {"$attr": ["fun", M0]}]}, 1.5),
    ({"$call": ["int", {"$op": ["**", {"$node": "e0"}, 3]}]}, 8),
    ({"$call": ["float", {"$attr": ["nit", M0]}]}, 7.0),
    ({"$op": ["//", 7, 2]}, 3),
    ({"$op": ["%", 7, 4]}, 3),
    ({"$op": ["<", {"$attr": ["fun", M0]}, 0]}, True),
    ({"$op": ["==", {"$attr": ["success", M0]}, True]}, True),
    ({"$index": [{"$node": "s0"}, "10"]}, 70),
    ({"$index": [{"$node": "s0"}, "11"]}, 0),
    ({"$dict": [["a", 1], ["b", {"$attr": ["nit", M0]}]]}, {"a": 1, "b": 7}),
], ids=lambda v: str(v)[:40])
def test_expressions_evaluate(expr: Any, expected: Any) -> None:
    assert evaluate(expr, NODES.__getitem__) == expected


@pytest.mark.parametrize("expr", [
    {"$eval": "__import__('os')"},
    {"$call": ["open", "/etc/passwd"]},
    {"$call": ["__import__", "os"]},
    {"$attr": ["__class__", M0]},
    {"$attr": ["missing", M0]},
    {"$op": ["/", 1, 0]},
    {"$op": ["%", 1, 0]},
    {"$op": ["<<", 1, 2]},
    {"$op": ["+", [1], 2]},
    {"$op": ["**", 10.0, 400]},
    {"$op": ["**", -8.0, 0.5]},
    {"$index": [{"$attr": ["x", M0]}, 5]},
    {"$index": [{"$node": "s0"}, "111"]},
    {"$attr": ["fun", {"$node": "s0"}]},
    {"$neg": "text"},
    {"$node": 3},
    {"a": 1, "b": 2},
    float("nan"),
], ids=lambda v: str(v)[:40])
def test_bad_expressions_are_invalid_arguments(expr: Any) -> None:
    with pytest.raises(InvalidArgument):
        evaluate(expr, NODES.__getitem__)


def test_huge_integer_powers_are_refused_quickly() -> None:
    with pytest.raises(InvalidArgument):
        evaluate({"$op": ["**", 99_999_999, 99_999_999]}, NODES.__getitem__)


def test_deep_nesting_is_an_invalid_argument() -> None:
    expr: Any = 1.0
    for _ in range(20_000):
        expr = {"$neg": expr}
    with pytest.raises(InvalidArgument, match="nested"):
        evaluate(expr, NODES.__getitem__)


def _grad(f: Any, x: float, y: float) -> tuple[float, np.ndarray]:
    d = f(Dual(x, np.array([1.0, 0.0])), Dual(y, np.array([0.0, 1.0])))
    return d.value, d.grad


@pytest.mark.parametrize("f", [
    lambda a, b: a + 2 * b - 1,
    lambda a, b: a * b / (b + 3),
    lambda a, b: 1 - a / b,
    lambda a, b: a**2 + b**3,
    lambda a, b: 2.0**a * (b + 3) ** a,
    lambda a, b: -abs(a) + abs(b),
    lambda a, b: (a % 0.7) + (5 % (b + 3)),
], ids=["linear", "quotient", "rtruediv", "powers", "exponentials", "abs", "mod"])
def test_dual_numbers_differentiate(f: Any) -> None:
    x, y = 0.8, -1.3
    value, grad = _grad(f, x, y)
    h = 1e-6
    assert value == pytest.approx(f(x, y))
    fd = [(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)]
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


def test_an_objective_expression_over_duals_gives_value_and_gradient() -> None:
    objective = {"$op": ["+", {"$node": "e0"}, {"$op": ["*", 0.5, {"$node": "e1"}]}]}
    values = {"e0": Dual(1.0, np.array([1.0, 2.0])), "e1": Dual(-2.0, np.array([4.0, 0.0]))}
    total = evaluate(objective, values.__getitem__)
    assert total.value == 0.0
    assert total.grad.tolist() == [3.0, 2.0]
    assert evaluate({"$call": ["float", {"$node": "e0"}]}, values.__getitem__) is values["e0"]
