"""Loop prechecks: a loop that provably cannot fit is refused at its start, and no other is.

The central property: for random small nested-loop programs (compiled under small limits, so
the full evaluation is quick), the precheck rejects a program only if the full evaluation —
the same compiler with the prechecks switched off — rejects it too, and a program that
compiles with prechecks compiles to the same bytes without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eigen_engine import compile_source
from eigen_engine.compiler import Limits, builtins, containers, statements
from eigen_engine.errors import CompileError, ErrorCode

PRECHECK = "this loop runs"
"""Words only a loop precheck's E503/E504 message has."""


@contextmanager
def no_prechecks() -> Iterator[None]:
    """Switch the prechecks off: the interpreter then runs every loop until a limit hits."""
    with mock.patch.object(statements, "refuse_loop", lambda *a: None), \
            mock.patch.object(containers, "refuse_comprehension", lambda *a: None):
        yield


def _outcome(source: str, limits: Limits) -> bytes | CompileError:
    try:
        return compile_source(source, limits=limits, seed=1).aqo_json
    except CompileError as exc:
        return exc


# ---------------------------------------------------------------------- the property
_HEAD = "from eigen_lang import hybrid_program, h, cx, measure_all\n"
_SHADOWS = (
    "",
    "def range(n):\n    return [0, 1]\n",  # a user function named range: not the builtin
    "def h(q):\n    return q\n",  # a user function named like a gate: emits nothing
    "def helper(k):\n    t = 0\n    for a in range(k):\n        t = t + a\n    return t\n",
)
_BOUNDS = ("0", "1", "2", "3", "5", "8", "n", "n - 1", "m", "2 * n", "n ** 2", "len(xs)",
           "-2", "1, 4", "0, 9, 3", "9, 0, -2")
"""Arguments of ``range(...)``: literals, the inputs ``n``/``m`` (``m`` may be rebound), calls."""
_SIMPLE = ("x = x + 1", "h(0)", "cx(0, 1)", "h(xs)", "h(none)", "xs.append(x)",
           "x = helper(2)", "m = 3", "m = m + 1", "m = 0", "n = n // 2", "pass",
           "t = sum(range(x % 7))", "break", "continue", "return x",
           "y = [i * j for i in range(3) for j in range(m)]",
           "y = [i for i in range(n) if i % 2]", "d = {i: i for i in range(4)}",
           "measure_all()", "x = x * 2 if x < 50 else 0")
_VARS = ("i", "j", "k")


@st.composite
def _block(draw: st.DrawFn, depth: int, indent: str, loops: int) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(("simple", "simple", "for", "if", "rebind")) if depth < 3
                    else st.just("simple"))
        if kind == "rebind":  # a loop bound that changes inside an enclosing loop
            name, value = draw(st.sampled_from((("m", "0"), ("m", "m - 2"), ("n", "n // 2"))))
            lines.append(f"{indent}{name} = {value}")
            kind = "for"
            bound = name
        else:
            bound = draw(st.sampled_from(_BOUNDS))
        if kind == "simple":
            stmt = draw(st.sampled_from(_SIMPLE))
            if stmt in ("break", "continue") and not loops:
                stmt = "pass"
            lines.append(indent + stmt)
        elif kind == "for":
            var = _VARS[min(loops, len(_VARS) - 1)]
            lines.append(f"{indent}for {var} in range({bound}):")
            lines.append(draw(_block(depth + 1, indent + "    ", loops + 1)))
            if draw(st.booleans()) and draw(st.booleans()):
                lines.append(f"{indent}else:")
                lines.append(draw(_block(depth + 1, indent + "    ", loops)))
        else:
            lines.append(f"{indent}if x % {draw(st.integers(2, 4))} == 0:")
            lines.append(draw(_block(depth + 1, indent + "    ", loops)))
            if draw(st.booleans()):
                lines.append(f"{indent}else:")
                lines.append(draw(_block(depth + 1, indent + "    ", loops)))
    return "\n".join(lines)


@st.composite
def loop_programs(draw: st.DrawFn) -> tuple[str, Limits]:
    """A random nested-loop program and small limits to compile it under."""
    body = draw(_block(0, "    ", 0))
    source = (_HEAD + draw(st.sampled_from(_SHADOWS))
              + f"\n@hybrid_program()\ndef main(n: int = {draw(st.integers(0, 12))}, "
              f"m: int = {draw(st.integers(0, 6))}):\n"
              "    x = 1\n    xs = [0]\n    none = []\n" + body + "\n    return x\n")
    limits = Limits(max_fuel=draw(st.integers(20, 4000)),
                    max_operations=draw(st.integers(1, 300)),
                    max_sequence=draw(st.integers(5, 400)))
    return source, limits


PROPERTY = settings(max_examples=400, derandomize=True, database=None,
                    deadline=timedelta(seconds=10),
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.timeout(300)
@PROPERTY
@given(loop_programs())
def test_the_precheck_rejects_only_programs_the_full_run_rejects(
        program: tuple[str, Limits]) -> None:
    source, limits = program
    checked = _outcome(source, limits)
    with no_prechecks():
        full = _outcome(source, limits)
    if isinstance(full, bytes):
        assert checked == full, f"a program that fits was refused:\n{source}\n{checked}"
    else:
        assert isinstance(checked, CompileError), source


GENEROUS = Limits(max_fuel=100_000, max_operations=100_000, max_sequence=100_000)


def _least(source: str, field: str) -> int:
    """The smallest value of one limit (the others generous) the full run fits in."""
    lo, hi = 1, getattr(GENEROUS, field)
    while lo < hi:
        mid = (lo + hi) // 2
        if isinstance(_outcome(source, replace(GENEROUS, **{field: mid})), bytes):
            hi = mid
        else:
            lo = mid + 1
    return lo


@pytest.mark.timeout(300)
@settings(PROPERTY, max_examples=300)
@given(loop_programs())
def test_a_program_that_fits_exactly_is_not_refused(program: tuple[str, Limits]) -> None:
    """The sharpest form: limits set to exactly what the full run needs, not one unit more."""
    source, _ = program
    with no_prechecks():
        full = _outcome(source, GENEROUS)
        if not isinstance(full, bytes):
            return  # too big or wrong: the first property covers it
        tight = Limits(max_fuel=_least(source, "max_fuel"),
                       max_operations=_least(source, "max_operations"),
                       max_sequence=_least(source, "max_sequence"))
        assert _outcome(source, tight) == full
    checked = _outcome(source, tight)
    assert checked == full, f"refused with exactly enough budget:\n{source}\n{tight}\n{checked}"


def test_the_property_exercises_the_precheck() -> None:
    """The generator must produce programs the precheck refuses (or the property is empty)."""
    refused = 0
    strategy = loop_programs()

    @settings(max_examples=400, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def count(program: tuple[str, Limits]) -> None:
        nonlocal refused
        result = _outcome(*program)
        if isinstance(result, CompileError) and any(
                PRECHECK in d.message or "at least" in d.message for d in result.diagnostics):
            refused += 1

    count()
    assert refused >= 20


# ---------------------------------------------------------------------- fixed cases
TRIPLE = "for i in range(1000):\n    for j in range(1000):\n        for k in range(1000):\n" \
         "            v = 1"


def test_three_nested_loops_are_refused_at_the_outer_loop_with_the_fuel_limit(eigen: Any
                                                                              ) -> None:
    program = eigen.wrap(TRIPLE)
    exc = eigen.fail(program.source)
    d = eigen.first_error(exc)
    assert (d.code, d.line, d.col) == ("E503", program.lines[0], 5)
    assert d.end_line == program.lines[-1]  # the span is the whole loop
    assert "10,000,000 evaluation steps" in d.message and PRECHECK in d.message
    assert exc.code is ErrorCode.RESOURCE_EXHAUSTED
    again = eigen.fail(program.source)  # deterministic: the same diagnostics every time
    assert [x.to_dict() for x in again.diagnostics] == [x.to_dict() for x in exc.diagnostics]


@pytest.mark.parametrize(("snippet", "code"), [
    ("for i in range(10**6):\n    h(0)\n    h(1)", "E504"),
    ("for i in range(1000):\n    for j in range(999):\n        v = 1\n        w = 2\n"
     "        cx(0, 1)", "E503"),
    ("for i in range(1000):\n    for j in range(1000):\n        cx(0, 1)\n        cx(1, 2)",
     "E504"),
    ("n = 5000\nfor i in range(n):\n    for j in range(n // 2):\n        pass", "E503"),
    ("x = [0 for i in range(10**6) for j in range(10**6)]", "E505"),
    ("x = [[j for j in range(1000)] for i in range(10**4)]", "E503"),
    ("d = {i: [j for j in range(10**5)] for i in range(10**3)}", "E503"),
    ("for i in range(100):\n    for j in range(10**5):\n        if j % 2:\n"
     "            v = 1\n        else:\n            v = 2\n            w = 3", "E503"),
    ("for i in range(10**5):\n    for j in range(200):\n        continue\n        v = 1",
     "E503"),
], ids=["gates_operations", "nested_gates_fuel", "nested_gates_operations",
        "known_constant_bound", "nested_list_comp",
        "list_comp_of_lists", "dict_comp", "cheaper_branch", "continue"])
def test_over_limit_loops_are_refused_up_front(eigen: Any, snippet: str, code: str) -> None:
    d = eigen.first_error(eigen.fail_body(snippet))
    assert d.code == code
    assert PRECHECK in d.message or "at least" in d.message, d.message


@pytest.mark.parametrize("snippet", [
    # a loop that may stop early is not multiplied out
    "for i in range(10**6):\n    if i == 3:\n        break\n    for j in range(100):\n"
    "        v = 1",
    # the inner bound is rebound in the loop: its value at the start says nothing
    "n = 10**6\nfor i in range(10**5):\n    n = 0\n    for j in range(n):\n        v = 1",
    # the bound of an `if` is the cheaper branch
    "for i in range(10**5):\n    if i < 0:\n        for j in range(10**6):\n            v = 1",
    # an else clause that never runs long
    "for i in range(10):\n    v = i\nelse:\n    w = 1",
], ids=["break", "rebound_bound", "untaken_branch", "for_else"])
def test_loops_that_fit_compile(eigen: Any, snippet: str) -> None:
    eigen.body(snippet)


def test_a_shadowed_range_is_not_counted(eigen: Any) -> None:
    eigen.body("for i in range(10**6):\n    for j in range(10**6):\n        v = 1",
               module="def range(n):\n    return [0]")


def test_a_shadowed_gate_is_not_counted() -> None:
    source = (_HEAD + "def h(q):\n    return q\n\n@hybrid_program()\ndef main():\n"
              "    cx(0, 1)\n    for i in range(100):\n        h(0)\n")
    compile_source(source, limits=Limits(max_operations=10))


def test_a_gate_on_a_list_is_not_counted() -> None:
    source = (_HEAD + "@hybrid_program()\ndef main():\n    cx(0, 1)\n    qs = []\n"
              "    for i in range(100):\n        h(qs)\n")
    compile_source(source, limits=Limits(max_operations=10))


def test_a_loop_inside_a_function_uses_the_bounds_of_each_call(eigen: Any) -> None:
    module = "def f(n):\n    for i in range(n):\n        for j in range(n):\n            v = 1\n" \
             "    return n"
    eigen.body("a = f(10)\nb = f(100)", module=module)
    exc = eigen.fail(eigen.wrap("v = f(10)\nw = f(10**5)").source.replace(
        "@hybrid_program()\n", module + "\n\n@hybrid_program()\n", 1))
    d = eigen.first_error(exc)
    assert d.code == "E503" and PRECHECK in d.message


# ---------------------------------------------------------------------- sum() in C
@contextmanager
def slow_sum() -> Iterator[None]:
    with mock.patch.object(builtins, "_sum_numbers", lambda *a: None):
        yield


_NUMBERS = st.one_of(
    st.integers(-2**64 + 1, 2**64 - 1).map(str),
    st.sampled_from(("2**63", "-2**63", "2**64 - 1", "0.1", "1e16", "-1e16", "1e308",
                     "-1e308", "float('inf')", "float('-inf')", "float('nan')", "True")),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@pytest.mark.timeout(120)
@settings(max_examples=200, derandomize=True, database=None)
@given(st.lists(_NUMBERS, max_size=8), st.sampled_from(("", ", 0", ", 0.5", ", 2**63")))
def test_sum_of_numbers_gives_what_the_step_by_step_loop_gives(values: list[str],
                                                               start: str) -> None:
    source = (_HEAD + "@hybrid_program()\ndef main():\n    h(0)\n"
              f"    return sum([{', '.join(values)}]{start})\n")
    fast = _outcome(source, Limits())
    with slow_sum():
        slow = _outcome(source, Limits())
    if isinstance(slow, bytes):
        assert fast == slow
    else:
        assert isinstance(fast, CompileError)
        assert [d.to_dict() for d in fast.diagnostics] == [d.to_dict() for d in slow.diagnostics]


def test_sum_adds_left_to_right(eigen: Any) -> None:
    prog = eigen.body("return sum([1e16, 1.0, -1e16])")
    assert eigen.outputs(prog) == 0.0  # not 1.0, as a compensated sum would give


def test_sum_that_runs_out_of_fuel_fails_as_the_loop_would(eigen: Any) -> None:
    snippet = "t = 0\nfor i in range(20):\n    t = t + sum(range(10**4))"
    limits = Limits(max_fuel=100_000)
    fast = eigen.fail_body(snippet, limits=limits)
    with slow_sum():
        slow = eigen.fail_body(snippet, limits=limits)
    assert [d.to_dict() for d in fast.diagnostics] == [d.to_dict() for d in slow.diagnostics]
