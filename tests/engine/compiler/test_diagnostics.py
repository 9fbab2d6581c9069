"""Diagnostic quality: positions, messages that name the problem and the fix, the error
envelope, and a code table with no untested forbidden construct.

Unlike the other suites, messages are the subject here, so some tests read message text.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from eigen_engine.compiler import CODES, Diagnostic, Severity
from eigen_engine.errors import ErrorCode

ROOT = Path(__file__).parents[3]


def _hostile_module() -> ModuleType:
    # tests run with --import-mode=importlib: load the sibling module by path
    name = "_eigen_hostile_cases"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(
            "test_hostile.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# -- positions ---------------------------------------------------------------------------------

POSITIONS = [
    # (id, body snippet, code, the source text the diagnostic must point at)
    ("while", "while True:\n    pass", "E201", "while True"),
    ("lambda", "f = lambda: 0", "E204", "lambda: 0"),
    ("import_in_function", "v = 1\nimport numpy", "E211", "import numpy"),
    ("dunder_attribute", "v = np.__dict__", "E214", "np.__dict__"),
    ("forbidden_call", "v = 1 + open('f')", "E215", "open('f')"),
    ("set", "v = [1, {2}]", "E217", "{2}"),
    ("syntax", "v = 1 +* 2", "E100", "* 2"),
    ("undefined_name", "v = 2 * thetaa", "E302", "thetaa"),
    ("unknown_attribute", "v = np.sine(0.1)", "E303", "np.sine"),
    ("arity", "ry(0)", "E401", "ry(0)"),
    ("same_qubit_twice", "v = 1\ncx(0, 0)", "E403", "cx(0, 0)"),
    ("index", "v = [1, 2][5]", "E408", "[1, 2][5]"),
    ("runtime_condition", "e = ExpectationValue(observable=Z(0))\nif e > 0:\n    pass",
     "E216", "e > 0"),
    ("integer_limit", "v = 3 + 2**100", "E506", "2**100"),
    ("qubit_limit", "h(10**6)", "E509", "h(10**6)"),
    ("ast_depth", "v = " + "[" * 199 + "]" * 199, "E502", "[]"),
]


@pytest.mark.parametrize(("snippet", "code", "text"), [p[1:] for p in POSITIONS],
                         ids=[p[0] for p in POSITIONS])
def test_diagnostic_points_at_the_offending_code(eigen: Any, snippet: str, code: str,
                                                 text: str) -> None:
    program = eigen.wrap(snippet)
    exc = eigen.fail(program.source)
    d = eigen.first_error(exc)
    assert d.code == code
    assert d.line in program.lines
    line = program.source.splitlines()[d.line - 1]
    assert line[d.col - 1:].startswith(text), (line, d.col)
    if d.end_line is not None and d.end_col is not None:
        assert (d.end_line, d.end_col) >= (d.line, d.col)


@pytest.mark.parametrize(("source", "code", "line", "col"), [
    (b"x = 1\ny = '\xff'\n", "E101", 2, 6),
    (b"x = 1\nyz = 2\x00\n", "E102", 2, 7),
    ("x = 1\n\ny = '\ud800'\n", "E101", 3, 6),
], ids=["invalid_utf8", "nul", "lone_surrogate"])
def test_byte_level_problems_are_placed(eigen: Any, source: str | bytes, code: str,
                                        line: int, col: int) -> None:
    d = eigen.first_error(eigen.fail(source))
    assert (d.code, d.line, d.col) == (code, line, col)


def test_every_hostile_diagnostic_has_a_1_based_position_inside_the_source(
        eigen: Any, canary: Path) -> None:
    hostile = _hostile_module()
    whole_source = {"E501"}  # size: about the whole text, not a place in it
    checked = 0
    for case in hostile.CASES:
        if case.budget != hostile.FAST_BUDGET or case.id == "unary_minus_chain":
            continue  # (the parser gives up on that one without a position)
        source, _ = hostile._source(case, canary, eigen)
        exc = eigen.fail(source)
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        lines = text.splitlines()
        for d in exc.diagnostics:
            if d.code in whole_source:
                assert d.line == 0
                continue
            assert 1 <= d.line <= len(lines), (case.id, d.format())
            assert 1 <= d.col <= len(lines[d.line - 1]) + 1, (case.id, d.format())
            checked += 1
    assert checked > 100


def test_warnings_point_at_the_quirks_of_the_appendix(eigen: Any) -> None:
    source = (ROOT / "examples" / "logistics" / "program.eigen.py").read_text()
    lines = source.splitlines()
    at = {d.code: lines[d.line - 1][d.col - 1:] for d in eigen.compile(source).diagnostics}
    assert at["W301"].startswith("from Eigen_lang import")
    assert at["W302"].startswith("cost_function")
    assert at["W303"].startswith("Optional")
    assert at["W100"].startswith('if __name__ == "__main__":')


# -- messages: what is wrong and how to fix it -------------------------------------------------

def test_while_message_names_the_construct_and_the_fix(eigen: Any) -> None:
    d = eigen.first_error(eigen.fail_body("while True:\n    pass"))
    assert f"{d.message}; {d.hint}" == (
        "`while` loops cannot be compiled: their length is unknown before run time; "
        "use `for i in range(n)` with a known `n`")


@pytest.mark.parametrize(("snippet", "where", "code", "names", "fix"), [
    ("import os", "module", "E301", "`os`", "eigen_lang, numpy, math and typing"),
    ("from os import system", "module", "E301", "`os`", "eigen_lang"),
    ("v = open('f')", "body", "E215", "`open`", "cannot run dynamic code"),
    ("print(1)", "body", "E215", "`print`", "return values"),
    ("v = np.__dict__", "body", "E214", "`__dict__`", "reserved"),
    ("@staticmethod\ndef f():\n    pass", "module", "E213", "@staticmethod",
     "@hybrid_program, @quantum_circuit, @ansatz or @cost_function"),
    ("from eigen_lang import *", "module", "E212", "import *", "import the names you use"),
    ("v = {1, 2}", "body", "E217", "set", "use a list"),
    ("try:\n    pass\nexcept Exception:\n    pass", "body", "E202", "`try`",
     "remove the try/except"),
    ("v = [0] * 10**9", "body", "E505", "1,000,000,000", "smaller"),
    ("v = 'a' * 10**9", "body", "E507", "100,000", None),
    ("h(10**6)", "body", "E509", "1,000,000", None),
    ("for i in range(10**5):\n    for j in range(10**5):\n        pass", "body", "E503",
     "10,000,000", "reduce loop sizes"),
], ids=["import", "from_import", "open", "print", "dunder", "decorator", "star", "set", "try",
        "sequence_limit", "string_limit", "qubit_limit", "fuel"])
def test_message_names_the_problem_and_hint_the_fix(eigen: Any, snippet: str, where: str,
                                                    code: str, names: str,
                                                    fix: str | None) -> None:
    exc = eigen.fail_body(snippet, where=where)
    d = next(d for d in exc.diagnostics if d.code == code)
    assert names in d.message
    if fix is not None:
        assert d.hint is not None and fix in d.hint


def test_every_forbidden_construct_diagnostic_says_how_to_fix_it(eigen: Any,
                                                                canary: Path) -> None:
    hostile = _hostile_module()
    for case in hostile.CASES:
        if not case.code.startswith("E2") or case.raw is not None:
            continue
        source, lines = hostile._source(case, canary, eigen)
        exc = eigen.fail(source)
        d = next(d for d in exc.diagnostics if d.code == case.code and d.line in lines)
        assert d.hint, f"{case.id}: {d.format()} has no hint"
        assert d.message[0].isalpha() or d.message[0] == "`", d.message


@pytest.mark.parametrize(("snippet", "suggestion"), [
    ("theta = 1\nry(0, thetaa)", "did you mean `theta`?"),
    ("cnott(0, 1)", "did you mean `cnot`?"),
    ("v = np.sine(0.1)", "did you mean `numpy.sin`?"),
    ("t = Param('t', 0.1)\nry(0, t)\nr = minimize(ExpectationValue(observable=Z(0)))\n"
     "v = r.optimal_valu", "did you mean `optimal_value`?"),
    ("a = create_hea_ansatz(2, 1)\nv = a.num_param", "did you mean `num_params`?"),
    ("q = QubitRegister(2)\nv = q.sizes", "did you mean `size`?"),
], ids=["local_name", "gate", "numpy", "minimize_field", "ansatz_attribute", "register"])
def test_unknown_names_suggest_the_closest_known_one(eigen: Any, snippet: str,
                                                     suggestion: str) -> None:
    d = eigen.first_error(eigen.fail_body(snippet))
    assert d.code in ("E302", "E303")
    assert d.hint == suggestion


def test_all_static_problems_are_reported_not_just_the_first(eigen: Any) -> None:
    snippet = ("while True:\n"           # +0 E201
               "    pass\n"
               "f = lambda: 0\n"         # +2 E204
               "del f\n"                 # +3 E210
               "v = {1}\n"               # +4 E217
               "open('x')\n"             # +5 E215
               "import os\n"             # +6 E211, E301
               "assert v\n"              # +7 E219
               "v = np.__dict__\n")      # +8 E214
    program = eigen.wrap(snippet, main_guard="")
    exc = eigen.fail(program.source, filename="many.eigen.py")
    first = program.lines.start
    found = [(d.line - first, d.code) for d in exc.diagnostics if d.is_error]
    assert found == [(0, "E201"), (2, "E204"), (3, "E210"), (4, "E217"), (5, "E215"),
                     (6, "E211"), (6, "E301"), (7, "E219"), (8, "E214")]
    assert str(exc).startswith(f"many.eigen.py:{first}:5: E201 ")
    assert str(exc).endswith("(and 8 more)")


def test_static_problems_in_different_functions_are_all_reported(eigen: Any) -> None:
    source = eigen.wrap("def a():\n    while True:\n        pass\n"
                        "def b():\n    return lambda: 1\n"
                        "class C:\n    pass\n", where="module").source
    assert eigen.codes(eigen.fail(source)) == {"E201", "E204", "E205"}


# -- formats and the envelope ------------------------------------------------------------------

def test_format_is_file_line_col_code_message_hint(eigen: Any) -> None:
    program = eigen.wrap("while True:\n    pass")
    d = eigen.first_error(eigen.fail(program.source))
    line = program.lines.start
    assert d.format("prog.eigen.py") == (
        f"prog.eigen.py:{line}:5: E201 {d.message} — {d.hint}")
    assert Diagnostic("E302", "name `x` is not defined", 3, 7).format() == (
        "<program>:3:7: E302 name `x` is not defined")


def test_to_dict_is_json_and_omits_unknown_fields() -> None:
    d = Diagnostic("E201", "m", 2, 3, 2, 9, "h")
    assert d.to_dict() == {"code": "E201", "severity": "error", "message": "m", "line": 2,
                           "col": 3, "end_line": 2, "end_col": 9, "hint": "h"}
    assert Diagnostic("W100", "m", severity=Severity.WARNING).to_dict() == {
        "code": "W100", "severity": "warning", "message": "m", "line": 0, "col": 0}
    json.dumps(d.to_dict())


def test_envelope_of_a_compile_error(eigen: Any) -> None:
    source = eigen.wrap("v = np.__dict__\nopen('x')").source.replace(
        "from eigen_lang import", "from Eigen_lang import")
    exc = eigen.fail(source)
    envelope = exc.to_envelope()
    json.dumps(envelope)
    assert envelope["error"]["code"] == "INVALID_ARGUMENT"
    assert envelope["error"]["message"] == str(exc)
    errors = [d for d in exc.diagnostics if d.is_error]
    assert envelope["error"]["details"] == [  # the message carries the fix too
        {"field": "source", "message": f"{d.message}; {d.hint}", "line": d.line, "col": d.col,
         "code": d.code} for d in errors]
    assert [d["code"] for d in envelope["error"]["details"]] == ["E214", "E215"]


def test_envelope_leaves_warnings_out_of_the_details(eigen: Any) -> None:
    source = eigen.wrap("ry(0)").source.replace("from eigen_lang import",
                                                "from Eigen_lang import")
    exc = eigen.fail(source)
    assert {d.code for d in exc.diagnostics} == {"W301", "E401"}
    assert [d["code"] for d in exc.to_envelope()["error"]["details"]] == ["E401"]


@pytest.mark.parametrize(("snippet", "code"), [
    ("v = [0] * 10**9", ErrorCode.RESOURCE_EXHAUSTED),
    ("h(10**6)", ErrorCode.RESOURCE_EXHAUSTED),
    ("v = undefined", ErrorCode.INVALID_ARGUMENT),
], ids=["E505", "E509", "E302"])
def test_envelope_code_is_resource_exhausted_for_limits(eigen: Any, snippet: str,
                                                        code: ErrorCode) -> None:
    exc = eigen.fail_body(snippet)
    assert exc.code is code
    assert exc.to_envelope()["error"]["code"] == code.value


# -- the code table ----------------------------------------------------------------------------

def test_every_forbidden_construct_and_limit_code_has_a_hostile_example() -> None:
    covered = {case.code for case in _hostile_module().CASES}
    for family in ("E2", "E5"):
        codes = {code for code in CODES if code.startswith(family)}
        assert codes - covered == set(), f"no hostile example for {sorted(codes - covered)}"
    assert covered <= set(CODES)


def test_codes_are_well_formed_and_titled() -> None:
    families = {"E1", "E2", "E3", "E4", "E5", "W1", "W3"}
    for code, title in CODES.items():
        assert len(code) == 4 and code[:2] in families and code[2:].isdigit(), code
        assert title and title == title.strip()
    with pytest.raises(ValueError, match="unknown diagnostic code"):
        Diagnostic("E999", "nope")


def test_warnings_are_warnings_and_errors_are_errors(eigen: Any) -> None:
    source = (ROOT / "examples" / "logistics" / "program.eigen.py").read_text()
    diags = eigen.compile(source).diagnostics
    assert diags and all(d.severity is Severity.WARNING and not d.is_error for d in diags)
    exc = eigen.fail_body("v = undefined")
    assert all(d.is_error for d in exc.diagnostics if d.code.startswith("E"))
