"""Property tests: whatever text comes in, the compiler answers with a program or diagnostics.

The only outcomes allowed are a :class:`CompiledProgram` or a :class:`CompileError` whose
diagnostics are well formed — never another exception, never a hang. Inputs are random text
and bytes, token soup, valid programs broken by random edits (lines deleted, duplicated,
swapped, re-indented, truncated; keywords, operators, dunders and huge numbers inserted), and
syntactically valid programs built from a small grammar of Eigen-Lang values, operators,
builtins, methods and library calls, which reach deep into the evaluator. Runs are
derandomized so CI sees the same examples every time.
"""

from __future__ import annotations

import json
import time
import warnings
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eigen_engine import compile_source
from eigen_engine.compiler import CODES, CompiledProgram
from eigen_engine.errors import CompileError, ErrorCode

PER_EXAMPLE = 10.0
"""Seconds one example may take (programs that hit the fuel limit take ~2 s)."""

FUZZ = settings(max_examples=200, derandomize=True, database=None,
                deadline=timedelta(seconds=PER_EXAMPLE),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASES = (
    # Bell pair, sampling
    "from eigen_lang import hybrid_program, h, cx\n"
    "\n"
    "@hybrid_program(shots=100)\n"
    "def bell():\n"
    "    h(0)\n"
    "    cx(0, 1)\n",
    # registers, loops, measurement
    "from eigen_lang import hybrid_program, QubitRegister, ClassicalRegister, h, cx, measure\n"
    "\n"
    "@hybrid_program()\n"
    "def ghz(n: int = 4):\n"
    "    q = QubitRegister(n)\n"
    "    c = ClassicalRegister(n)\n"
    "    h(q[0])\n"
    "    for i in range(n - 1):\n"
    "        cx(q[i], q[i + 1])\n"
    "    for i in range(n):\n"
    "        measure(q[i], c[i])\n",
    # upstream-style VQE
    "import numpy as np\n"
    "from eigen_lang import hybrid_program, Param, Observable, ExpectationValue, minimize\n"
    "from eigen_lang import ry, cnot\n"
    "\n"
    "@hybrid_program(seed=3)\n"
    "def vqe():\n"
    '    theta = Param("theta", 0.1)\n'
    '    phi = Param("phi", -0.2)\n'
    "    ry(0, theta=theta)\n"
    "    ry(1, theta=phi)\n"
    "    cnot(0, 1)\n"
    "    obs = Observable(Z=0, X=1)\n"
    '    energy = ExpectationValue("e", observable=obs)\n'
    '    optimum = minimize(energy, [0.1, -0.2], method="COBYLA", max_iters=60)\n'
    "    return {\"energy\": optimum.fun, \"x\": optimum.x}\n",
    # ansatz, helpers, comprehensions, f-strings, observables algebra
    "import math\n"
    "import numpy as np\n"
    "from eigen_lang import hybrid_program, ansatz, quantum_circuit, ry, rz, cx, h\n"
    "from eigen_lang import Z, X, ExpectationValue, minimize, sample\n"
    "\n"
    "N = 3\n"
    "\n"
    "def angles(n):\n"
    "    return [math.pi / (k + 1) for k in range(n)]\n"
    "\n"
    "@quantum_circuit\n"
    "def entangle(n):\n"
    "    for i in range(n - 1):\n"
    "        cx(i, i + 1)\n"
    "\n"
    "@ansatz\n"
    "def layer(params):\n"
    "    for i in range(N):\n"
    "        ry(i, params[i])\n"
    "    entangle(N)\n"
    "\n"
    "@hybrid_program()\n"
    "def main(depth: int = 2):\n"
    "    a = layer()\n"
    "    obs = Z(0) * Z(1) + 0.5 * X(2)\n"
    "    e = ExpectationValue(a, observable=obs)\n"
    "    init = np.random.randn(a.num_params) * 0.1\n"
    '    r = minimize(e, init, method="nelder-mead", max_iter=20)\n'
    "    counts = sample(a, parameters=r.optimal_parameters, shots=64)\n"
    "    label = f\"{N} qubits, depth {depth}, first {angles(N)[0]:.3f}\"\n"
    "    table = {k: v for k, v in enumerate(angles(N)) if v > 0.5}\n"
    "    return {\"label\": label, \"table\": table, \"counts\": counts, \"best\": r.fun}\n",
)

TOKENS = (
    # keywords and forbidden statements
    "while", "try:", "except:", "with", "lambda", "class", "global", "nonlocal", "async",
    "await", "yield", "del", "import os", "from os import *", "raise", "assert", "match",
    "return", "pass", "for", "in", "if", "else:", "elif", "def", "not", "and", "or", "is",
    "None", "True", "False", "break", "continue", "@", "@staticmethod",
    # operators and punctuation
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "~", ":=", "==", "!=",
    "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=", "+=", "*=", "**=",
    "\\", "#", '"""', "'", "\t", "\n", "\x00", "...",
    # dunders and escapes
    "__class__", "__import__", "__builtins__", ".__globals__", ".__subclasses__()",
    ".__dict__", "._private", "__name__",
    # huge and odd numbers
    "10**10**10", "2**100000", "10**9", "99999999999999999999999", "1e308", "-1", "0",
    "1j", "b'x'", "float('nan')", "float('inf')", "[0] * 10**9", "'a' * 10**9",
    # names
    "np", "h", "cx", "open", "exec", "eval", "getattr", "range", "len", "QubitRegister",
    "minimize", "ExpectationValue", "Param", "Observable", "sample", "sweep", "Z(0)",
    "range(10**6)", "np.random.randn", "np.zeros", "str", "f'{x}'",
)


def _check(source: str | bytes) -> CompiledProgram | CompileError:
    """Compile; only a program or a well-formed CompileError may come out, and no warning
    may reach the host (a warning prints on its stderr, or raises under ``-W error``)."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prog = compile_source(source)
        assert [str(w.message) for w in caught] == []
    except CompileError as exc:
        assert [str(w.message) for w in caught] == []
        assert exc.diagnostics, "a CompileError without diagnostics"
        assert any(d.is_error for d in exc.diagnostics)
        for d in exc.diagnostics:
            assert d.code in CODES
            assert isinstance(d.message, str) and d.message
            assert d.line >= 0 and d.col >= 0
        envelope = exc.to_envelope()
        json.dumps(envelope)
        expected = (ErrorCode.RESOURCE_EXHAUSTED
                    if any(d.code.startswith("E5") for d in exc.diagnostics if d.is_error)
                    else ErrorCode.INVALID_ARGUMENT)
        assert envelope["error"]["code"] == expected.value
        result: CompiledProgram | CompileError = exc
    else:
        assert json.loads(prog.aqo_json)["version"]
        assert all(not d.is_error for d in prog.diagnostics)
        result = prog
    assert time.perf_counter() - start < PER_EXAMPLE
    return result


@st.composite
def mutated_programs(draw: st.DrawFn) -> str:
    """A valid program with one to four random edits."""
    lines = draw(st.sampled_from(BASES)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(("delete", "duplicate", "swap", "insert", "indent",
                                     "dedent", "truncate", "replace_number")))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            pos = draw(st.integers(0, len(lines[i])))
            token = draw(st.sampled_from(TOKENS))
            lines[i] = lines[i][:pos] + f" {token} " + lines[i][pos:]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from((" ", "    ", "\t"))) + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif kind == "truncate":
            text = "".join(lines)
            cut = draw(st.integers(0, len(text)))
            lines = text[:cut].splitlines(keepends=True)
        else:
            big = draw(st.sampled_from(("10**9", "10**18", "2**63", "-5", "0", "1000000")))
            lines[i] = "".join(big if ch.isdigit() else ch for ch in lines[i])
    return "".join(lines)


@pytest.mark.timeout(120)
@FUZZ
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=400))
def test_random_text_gives_a_program_or_diagnostics(source: str) -> None:
    _check(source)


@pytest.mark.timeout(120)
@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_give_a_program_or_diagnostics(source: bytes) -> None:
    _check(source)


@pytest.mark.timeout(120)
@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_gives_a_program_or_diagnostics(source: str) -> None:
    _check(source)


@pytest.mark.timeout(120)
@FUZZ
@given(mutated_programs())
def test_mutated_programs_give_a_program_or_diagnostics(source: str) -> None:
    result = _check(source)
    if isinstance(result, CompiledProgram):  # what compiles, compiles the same way twice
        assert compile_source(source).aqo_json == result.aqo_json


# -- well-formed programs from a grammar of values, operators and calls -----------------------

ATOMS = (
    "0", "1", "-1", "2", "0.5", "-2.5", "1e308", "10**18", "True", "False", "None", "'ab'", "''",
    "'ZZ'", "'%s %d'", "[1, 2, 3]", "[]", "(1, 2)", "{'a': 1}", "{(1, 2): 3}", "[[1, 2], [3, 4]]",
    "[[1], [2, 3]]", "[([1], 2)]", "[0.1, 0.2]", "np.zeros(3)", "np.zeros(0)", "np.ones((2, 2))",
    "[np.zeros(2), 1]", "np.pi", "(-8) ** 0.5", "float('nan')", "range(3)", "...",
    "q", "c", "q[0]", "c[1]", "t", "ps", "ps[0]", "obs", "Z(0)", "a", "e", "r", "r.x", "r.fun",
    "h", "np", "lst", "d", "text",
)
CALLS = (
    "len", "list", "tuple", "dict", "sorted", "reversed", "sum", "min", "max", "abs", "round",
    "int", "float", "str", "bool", "enumerate", "zip", "range", "any", "all", "pow", "divmod",
    "np.sum", "np.array", "np.sin", "np.dot", "np.zeros", "np.full", "np.eye", "np.linspace",
    "np.arange", "np.tile", "np.outer", "np.diag", "np.where", "np.mean", "np.round",
    "np.concatenate", "np.random.randn", "np.random.uniform", "np.random.randint",
    "math.sqrt", "math.factorial", "math.floor", "h", "rx", "u", "cx", "ccx", "barrier",
    "measure", "QubitRegister", "Param", "Params", "Observable", "Z", "X",
    "create_ising_model_hamiltonian", "create_maxcut_hamiltonian", "create_hea_ansatz",
    "create_qaoa_ansatz", "ExpectationValue", "minimize", "sample", "sweep", "helper", "layer",
)
METHODS = (
    "append", "extend", "insert", "pop", "index", "count", "copy", "sort", "keys", "items",
    "get", "update", "join", "split", "replace", "upper", "zfill", "tolist", "reshape", "sum",
    "mean", "T", "shape", "n_qubits", "terms", "num_params", "parameters", "optimal_value",
    "success",
)
KEYWORDS = ("theta", "shots", "size", "axis", "observable", "parameters", "method", "max_iter",
            "c", "dtype", "k", "start", "default", "n_spins", "J", "depth", "reps", "basis")
OPERATORS = ("+", "-", "*", "/", "//", "%", "**", "@", "<<", "|", "&", "==", "<", "in",
             "is", "and", "or")
PRELUDE = (
    "import math\n"
    "import numpy as np\n"
    "from eigen_lang import *\n".replace("*", ", ".join((
        "hybrid_program", "ansatz", "h", "rx", "ry", "u", "cx", "ccx", "barrier", "measure",
        "QubitRegister", "ClassicalRegister", "Param", "Params", "Observable", "Z", "X",
        "create_ising_model_hamiltonian", "create_maxcut_hamiltonian", "create_hea_ansatz",
        "create_qaoa_ansatz", "ExpectationValue", "minimize", "sample", "sweep")))
    + "\ndef helper(k=1):\n    return k\n"
    "\n@ansatz\ndef layer(params):\n    ry(0, params[0])\n    cx(0, 1)\n"
    "\n@hybrid_program()\ndef main():\n"
    "    q = QubitRegister(2)\n    c = ClassicalRegister(2)\n    t = Param('t', 0.1)\n"
    "    ps = Params('ps', 2)\n    lst = [1, 2]\n    d = {'k': 1}\n    text = 'xyz'\n"
    "    obs = Z(0) * Z(1)\n    ry(0, t)\n    a = layer()\n"
    "    e = ExpectationValue(a, observable=obs)\n    r = minimize(e, [0.1])\n"
)


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        keyword = st.tuples(st.sampled_from(KEYWORDS), inner).map("=".join)
        return st.one_of(
            st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(CALLS), st.lists(inner, max_size=3),
                      st.lists(keyword, max_size=2)).map(
                lambda t: f"{t[0]}({', '.join(t[1] + t[2])})"),
            st.tuples(inner, st.sampled_from(METHODS), st.lists(inner, max_size=2)).map(
                lambda t: f"{t[0]}.{t[1]}({', '.join(t[2])})"),
            st.tuples(inner, st.sampled_from(METHODS)).map(lambda t: f"{t[0]}.{t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(st.sampled_from(("-", "not ", "~")), inner).map("".join),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]} for v in {t[1]}]"),
            inner.map(lambda x: f"f'{{{x}}}'"),
        )
    return st.recursive(st.sampled_from(ATOMS), extend, max_leaves=8)


@st.composite
def grammar_programs(draw: st.DrawFn) -> str:
    """A syntactically valid program assigning, using and returning random expressions."""
    exprs = draw(st.lists(_expressions(), min_size=1, max_size=3))
    body = "".join(f"    v{i} = {x}\n" for i, x in enumerate(exprs))
    ending = draw(st.sampled_from(("", "    return v0\n", f"    {exprs[-1]}\n")))
    return PRELUDE + body + ending


@pytest.mark.timeout(120)
@FUZZ
@given(grammar_programs())
def test_grammar_programs_give_a_program_or_diagnostics(source: str) -> None:
    _check(source)


def test_the_grammar_prelude_compiles() -> None:
    assert isinstance(_check(PRELUDE + "    return [v for v in lst]\n"), CompiledProgram)


@pytest.mark.parametrize("index", range(len(BASES)))
def test_the_fuzzed_programs_compile_before_mutation(index: int) -> None:
    # the mutation fuzzer is only interesting if it starts from valid programs
    assert isinstance(_check(BASES[index]), CompiledProgram)
