"""Symbolic parameter expressions: algebra, the AQO string form, and parsing it back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eigen_engine.ir.params import ParamExpr, param_value_from_json

NAMES = st.sampled_from(["theta", "phi", "a", "gamma[0]", "gamma[12]", "x_1"])
COEFS = st.one_of(st.integers(-5, 5), st.floats(-10, 10, allow_nan=False).filter(
    lambda f: f == 0 or abs(f) > 1e-300))


@st.composite
def exprs(draw: st.DrawFn) -> ParamExpr:
    e = ParamExpr((), draw(COEFS))
    for _ in range(draw(st.integers(0, 4))):
        e = e + ParamExpr.symbol(draw(NAMES)).scale(draw(COEFS))
    return e


@given(exprs())
def test_string_form_round_trips(e: ParamExpr) -> None:
    assert ParamExpr.parse(e.to_json()) == e


@given(exprs(), st.dictionaries(NAMES, st.floats(-3, 3), min_size=6))
def test_evaluate_matches_algebra(e: ParamExpr, values: dict[str, float]) -> None:
    full = {n: values.get(n, 0.5) for n in ["theta", "phi", "a", "gamma[0]", "gamma[12]", "x_1"]}
    expected = float(e.const) + sum(c * full[n] for n, c in e.terms)
    assert e.evaluate(full) == pytest.approx(expected)


def test_bare_symbol_is_upstream_form() -> None:
    assert ParamExpr.symbol("theta").to_json() == "theta"
    assert (2 * ParamExpr.symbol("g").scale(1) if False else ParamExpr.symbol("g").scale(2)
            ).to_json() == "2*g"
    assert (ParamExpr.symbol("a") - ParamExpr.symbol("b") + 0.5).to_json() == "a - b + 0.5"


@pytest.mark.parametrize("bad", ["", "2**theta", "theta(", "__import__('os')", "a b", "1e999",
                                 "theta +", "* theta", "inf", "nan"])
def test_parse_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError):
        param_value_from_json(bad)


@pytest.mark.parametrize("bad", [True, None, float("nan"), float("inf"), [1], {"a": 1}])
def test_json_values_must_be_finite_numbers_or_expressions(bad: object) -> None:
    with pytest.raises(ValueError):
        param_value_from_json(bad)
