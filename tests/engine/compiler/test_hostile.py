"""Hostile programs: each is rejected with its own diagnostic code, quickly, executing nothing.

Every program carries canaries: code that would create the file ``CANARY`` if any of it ran —
inside the hostile construct where the construct has a body, and always in an
``if __name__ == "__main__":`` block, which the checker skips, so it is the canary a compiler
that ``exec``-ed the module would trip. After compiling, the file must not exist.

The expected code must be reported *on the hostile snippet's lines* (or on no line, for
whole-source limits), so a canary's own diagnostic can never satisfy a case. ``CASES`` is
imported by ``test_diagnostics.py`` to prove every E2xx code has a hostile example here.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eigen_engine import compile_source
from eigen_engine.errors import CompileError, ErrorCode

FUEL_BUDGET = 10.0
"""Seconds a program that runs into a work limit may take to be rejected (a safety bound)."""
FAST_BUDGET = 2.0
"""Seconds any other hostile program may take to be rejected."""

OPEN = 'open(CANARY, "w").write("pwned")'
MAIN_GUARD = OPEN  # in `if __name__ == "__main__":`, which is never checked nor evaluated
EXPECT = "ExpectationValue(observable=Z(0))"


@dataclass(frozen=True, slots=True)
class Hostile:
    """One hostile program.

    Attributes:
        id: Test id.
        code: The diagnostic code it must be rejected with (on its own lines).
        snippet: Statements; ``CANARY`` is replaced by the canary file's path.
        where: ``body`` (inside the entrypoint) or ``module`` (module level).
        budget: Seconds the rejection is expected to take on a quiet machine (documentation
            for people reading a slow case; tests make no timing assertions — the bound
            comes from deterministic fuel, and pytest-timeout guards against hangs).
        raw: Builds the whole source from the canary path instead (source-level cases).
    """

    id: str
    code: str
    snippet: str = ""
    where: str = "body"
    budget: float = FAST_BUDGET
    raw: Callable[[str], str | bytes] | None = None


def _entry(body: str, canary: str) -> str:
    """A minimal program with ``body`` in its entrypoint and a main-guard canary."""
    return ("from eigen_lang import hybrid_program, h\n"
            "@hybrid_program()\ndef main():\n    h(0)\n"
            + "".join(f"    {line}\n" for line in body.splitlines())
            + f'if __name__ == "__main__":\n    open({canary}, "w").write("pwned")\n')


CASES: tuple[Hostile, ...] = (
    # -- E1xx: the source itself ---------------------------------------------------------------
    Hostile("syntax_error", "E100", f"def broken(:\n    {OPEN}"),
    Hostile("invalid_utf8", "E101", raw=lambda c: _entry(f"x = 1\n{OPEN}".replace(
        "CANARY", c), c).encode() + b"# \xff\xfe\n"),
    Hostile("lone_surrogate", "E101", raw=lambda c: _entry(f"x = '\ud800'\n{OPEN}".replace(
        "CANARY", c), c)),
    Hostile("nul_byte", "E102", raw=lambda c: _entry("x = 1\x00", c)),
    Hostile("nul_byte_as_bytes", "E102", raw=lambda c: _entry("x = 1", c).encode() + b"\0"),
    # -- E2xx: forbidden constructs, one code each ------------------------------------------
    Hostile("while", "E201", f"while True:\n    {OPEN}"),
    Hostile("while_else", "E201", f"while False:\n    pass\nelse:\n    {OPEN}"),
    Hostile("try", "E202", f"try:\n    {OPEN}\nexcept Exception:\n    pass"),
    Hostile("try_finally", "E202", f"try:\n    pass\nfinally:\n    {OPEN}"),
    Hostile("try_star", "E202", f"try:\n    pass\nexcept* ValueError:\n    {OPEN}"),
    Hostile("with", "E203", 'with open(CANARY, "w") as f:\n    f.write("pwned")'),
    Hostile("lambda", "E204", f"f = lambda: {OPEN}\nf()"),
    Hostile("lambda_default", "E204", "def g(f=lambda: 0):\n    return f\ng()"),
    Hostile("class", "E205", f"class Evil:\n    def __init__(self):\n        {OPEN}",
            where="module"),
    Hostile("class_in_body", "E205", f"class Evil:\n    x = {OPEN}"),
    Hostile("global", "E206", f"global evil\nevil = {OPEN}"),
    Hostile("nonlocal", "E207", f"v = 1\ndef inner():\n    nonlocal v\n    v = {OPEN}\ninner()"),
    Hostile("async_def", "E208", f"async def evil():\n    {OPEN}", where="module"),
    Hostile("await", "E208", "async def evil():\n    await evil()", where="module"),
    Hostile("async_for", "E208", f"async def evil():\n    async for i in g():\n        {OPEN}",
            where="module"),
    Hostile("async_with", "E208", 'async def evil():\n    async with open(CANARY, "w"):\n'
            "        pass", where="module"),
    Hostile("async_entrypoint", "E208", f"@hybrid_program()\nasync def evil():\n    {OPEN}",
            where="module"),
    Hostile("yield", "E209", f"yield {OPEN}"),
    Hostile("yield_from", "E209", f"def gen():\n    yield from [{OPEN}]\ngen()"),
    Hostile("del", "E210", "v = 1\ndel v"),
    Hostile("del_item", "E210", "v = [1]\ndel v[0]"),
    Hostile("import_in_function", "E211", "import numpy"),
    Hostile("import_os_in_function", "E211", "import os\nos.system('touch ' + CANARY)"),
    Hostile("from_import_in_helper", "E211", "def helper():\n    from math import pi\n"
            "    return pi\nhelper()"),
    Hostile("star_import", "E212", "from eigen_lang import *", where="module"),
    Hostile("star_import_numpy", "E212", "from numpy import *", where="module"),
    Hostile("decorator_lambda", "E213", f"@(lambda f: f)\ndef evil():\n    {OPEN}",
            where="module"),
    Hostile("decorator_getattr", "E213", "@getattr(np, 'vectorize')\ndef evil():\n    pass",
            where="module"),
    Hostile("decorator_attribute_chain", "E213", "@some.attr.chain\ndef evil():\n    pass",
            where="module"),
    Hostile("decorator_staticmethod", "E213", "@staticmethod\ndef evil():\n    pass",
            where="module"),
    Hostile("decorator_call_chain", "E213", "@np.vectorize(otypes=[float])\ndef evil(v):\n"
            "    return v", where="module"),
    Hostile("decorator_on_helper_in_body", "E213", "@print\ndef inner():\n    pass"),
    Hostile("decorator_spoofs_ansatz", "E213", "@np.random.ansatz\ndef evil():\n    h(0)",
            where="module"),
    Hostile("decorator_spoofs_entrypoint", "E213", raw=lambda c: (
        "import numpy as np\nfrom eigen_lang import h, hybrid_program\n"
        "@np.hybrid_program()\ndef main():\n    h(0)\n"
        f"if __name__ == '__main__':\n    {OPEN.replace('CANARY', c)}\n")),
    Hostile("subclasses_escape", "E214", "x = ().__class__.__bases__[0].__subclasses__()[140]"
            ".__init__.__globals__['system']('touch ' + CANARY)"),
    Hostile("numpy_dict", "E214", "x = np.__dict__['load'](CANARY)"),
    Hostile("function_globals", "E214", "def helper():\n    pass\n"
            "x = helper.__globals__['__builtins__']['open'](CANARY, 'w')"),
    Hostile("function_code", "E214", "def helper():\n    pass\nx = helper.__code__"),
    Hostile("random_builtins", "E214", "x = np.random.__builtins__['open'](CANARY, 'w')"),
    Hostile("builtins_name", "E214", "x = __builtins__"),
    Hostile("dunder_import", "E214", "__import__('os').system('touch ' + CANARY)"),
    Hostile("dunder_def", "E214", "def __init__():\n    pass"),
    Hostile("dunder_in_fstring", "E214", 'v = 1\nx = f"{v.__class__}"'),
    Hostile("private_numpy_core", "E214", "x = np._core"),
    Hostile("private_attribute_of_list", "E214", "x = [1]._private"),
    Hostile("call_open", "E215", OPEN),
    Hostile("call_exec", "E215", f"exec('''{OPEN}''')"),
    Hostile("call_eval", "E215", f"eval('''{OPEN}''')"),
    Hostile("call_compile", "E215", f"compile('''{OPEN}''', 'x', 'exec')"),
    Hostile("call_getattr", "E215", "getattr(np, 'load')(CANARY)"),
    Hostile("call_setattr", "E215", "setattr(np, 'pi', 3)"),
    Hostile("call_globals", "E215", "globals()['open'](CANARY, 'w')"),
    Hostile("call_locals", "E215", "x = locals()"),
    Hostile("call_vars", "E215", "x = vars()"),
    Hostile("call_dir", "E215", "x = dir(np)"),
    Hostile("call_print", "E215", "print('hello')"),
    Hostile("call_input", "E215", "x = input()"),
    Hostile("call_breakpoint", "E215", "breakpoint()"),
    Hostile("call_type", "E215", "x = type(1)"),
    Hostile("call_np_load", "E215", "x = np.load(CANARY)"),
    Hostile("call_np_save", "E215", "np.save(CANARY, np.zeros(3))"),
    Hostile("call_np_fromfile", "E215", "x = np.fromfile(CANARY)"),
    Hostile("condition_on_expectation", "E216", f"e = {EXPECT}\nif e > 0:\n    h(0)"),
    Hostile("ternary_on_expectation", "E216", f"e = {EXPECT}\nv = 1 if e else 0"),
    Hostile("loop_over_run_time_value", "E216",
            f"r = minimize({EXPECT}, [0.1])\nfor v in r.x:\n    h(0)"),
    Hostile("condition_on_param", "E216", "t = Param('t', 0.1)\nif t:\n    h(0)"),
    Hostile("set_literal", "E217", "x = {1, 2}"),
    Hostile("set_comprehension", "E217", "x = {i for i in range(3)}"),
    Hostile("match", "E218", f"match 1:\n    case 1:\n        {OPEN}"),
    Hostile("assert", "E219", f"assert {OPEN}"),
    Hostile("walrus", "E220", f"if (v := {OPEN}):\n    pass"),
    Hostile("raise", "E221", "raise SystemExit(1)"),
    Hostile("starred_target", "E222", "a, *b = [1, 2, 3]"),
    Hostile("bytes_literal", "E222", "x = b'\\x00\\x01'"),
    Hostile("complex_literal", "E222", "x = 1j"),
    # -- E3xx: imports and names -------------------------------------------------------------
    Hostile("import_os", "E301", "import os", where="module"),
    Hostile("import_sys", "E301", "import sys", where="module"),
    Hostile("import_subprocess", "E301", "import subprocess", where="module"),
    Hostile("import_socket", "E301", "import socket", where="module"),
    Hostile("import_importlib", "E301", "import importlib", where="module"),
    Hostile("import_builtins", "E301", "import builtins", where="module"),
    Hostile("import_pickle", "E301", "import pickle", where="module"),
    Hostile("import_os_path_as_numpy", "E301", "import os.path as numpy", where="module"),
    Hostile("from_os_import_system", "E301", "from os import system", where="module"),
    Hostile("relative_import", "E301", "from . import evil", where="module"),
    Hostile("relative_import_parent", "E301", "from .. import evil", where="module"),
    Hostile("undefined_decorator_base", "E302", "@missing_module.quantum_circuit\n"
            "def evil():\n    h(0)", where="module"),
    Hostile("format_method_escape", "E303", "v = 1\nx = '{0.__class__}'.format(v)"),
    Hostile("builtin_function_internals", "E303", "x = h.impl"),
    Hostile("user_function_internals", "E303", "def helper():\n    pass\nx = helper.node"),
    Hostile("numpy_outside_subset", "E303", "x = np.ctypeslib"),
    Hostile("numpy_import_outside_subset", "E303", "from numpy import ctypeslib",
            where="module"),
    # -- E4xx: values that would leak internals -----------------------------------------------
    Hostile("function_to_text", "E404", "x = str(h)"),
    Hostile("module_in_fstring", "E404", 'x = f"{np}"'),
    Hostile("helper_in_percent_format", "E404", "def helper():\n    pass\nx = '%s' % (helper,)"),
    Hostile("unhashable_key_into_dict", "E404", "x = dict([([1], 2)])"),
    Hostile("deep_tuple_key", "E404", "k = ()\nfor i in range(19000):\n    k = (k,)\nd = {k: 1}"),
    Hostile("max_of_arrays", "E404", "x = max([np.zeros(2), 1])"),
    Hostile("compare_unbroadcastable_arrays", "E404", "x = [[1, 2], [3, 4]] < np.zeros(3)"),
    Hostile("array_op_with_ragged_list", "E404", "x = np.zeros(0) - [([1], 2)]"),
    Hostile("long_string_into_numpy", "E406", "x = np.full(10**4, 'a' * 10**5)"),
    Hostile("huge_round_digits", "E406", "x = round(5, -10**9)"),
    Hostile("huge_numpy_round_decimals", "E406", "x = np.round(5, -10**9)"),
    # -- E5xx: limits ---------------------------------------------------------------------------
    Hostile("source_300_kib", "E501", raw=lambda c: _entry("x = 1\n" * 52_000, c)),
    Hostile("nested_parentheses", "E502", "x = " + "(" * 1000 + "1" + ")" * 1000),
    Hostile("unary_minus_chain", "E502", "x = " + "-" * 100_000 + "1"),
    Hostile("addition_chain_50k", "E502", "x = " + "+".join(["1"] * 50_000)),
    Hostile("nested_lists", "E502", "x = " + "[" * 250 + "]" * 250),
    Hostile("deeply_nested_value", "E502", "x = []\nfor i in range(19000):\n    x = [x]\n"
            "y = str(x)"),
    Hostile("deeply_nested_result", "E502", "x = []\nfor i in range(19000):\n    x = [x]\n"
            "return x"),
    Hostile("nested_parentheses_module", "E502",
            raw=lambda c: "(" * 1000 + "1" + ")" * 1000 + "\n"),
    Hostile("nested_loops_10_12", "E503",
            "for i in range(10**6):\n    for j in range(10**6):\n        v = 1",
            budget=FUEL_BUDGET),
    Hostile("list_copy_loop", "E503", "v = [0] * 10**6\nfor i in range(10**6):\n"
            "    w = v + []", budget=FUEL_BUDGET),
    Hostile("list_slice_loop", "E503", "v = [0] * 10**6\nfor i in range(10**6):\n"
            "    w = v[:]", budget=FUEL_BUDGET),
    Hostile("list_membership_loop", "E503", "v = [0] * 10**6\nfor i in range(10**6):\n"
            "    w = 5 in v", budget=FUEL_BUDGET),
    Hostile("list_method_loop", "E503", "v = [0] * 500000\nfor i in range(500000):\n"
            "    v.insert(0, 1)", budget=FUEL_BUDGET),
    Hostile("sorted_loop", "E503", "v = [0] * 10**6\nfor i in range(10**6):\n"
            "    w = sorted(v)", budget=FUEL_BUDGET),
    Hostile("dict_unpack_loop", "E503", "d = {i: i for i in range(10**5)}\n"
            "for i in range(10**6):\n    e = {**d}", budget=FUEL_BUDGET),
    Hostile("string_method_loop", "E503", "v = 'a' * 100000\nfor i in range(10**6):\n"
            "    w = v.upper()", budget=FUEL_BUDGET),
    Hostile("array_op_loop", "E503", "a = np.zeros(10**6)\nfor i in range(10**6):\n"
            "    a = a + 1", budget=FUEL_BUDGET),
    Hostile("array_slice_assign_loop", "E503", "a = np.zeros(10**6)\nfor i in range(10**6):\n"
            "    a[:] = 1.0", budget=FUEL_BUDGET),
    Hostile("matmul_loop", "E503", "a = np.ones((1000, 1000))\nfor i in range(1000):\n"
            "    b = a @ a", budget=FUEL_BUDGET),
    Hostile("aliased_nested_list", "E503", "v = [[0] * 10**5] * 10**5\nw = v == v",
            budget=FUEL_BUDGET),
    Hostile("aliased_list_to_text", "E503", "v = [0.5] * 10**5\nw = []\n"
            "for i in range(10**5):\n    w.append(v)\nx = str(w)", budget=FUEL_BUDGET),
    Hostile("aliased_result", "E503", "v = [0.0] * 10**6\nw = []\nfor i in range(10**6):\n"
            "    w.append(v)\nreturn w", budget=FUEL_BUDGET),
    Hostile("list_doubling", "E503", "v = [1]\nfor i in range(64):\n    v = [v, v]\nreturn v",
            budget=FUEL_BUDGET),
    Hostile("cyclic_list", "E503", "v = []\nv.append(v)\nreturn v", budget=FUEL_BUDGET),
    Hostile("run_time_expression_doubling", "E503", f"t = Param('t', 0.1)\nry(0, t)\n"
            f"e = {EXPECT}\nfor i in range(64):\n    e = e + e\nreturn e", budget=FUEL_BUDGET),
    Hostile("too_many_operations", "E504", "q = QubitRegister(1000)\nfor i in range(1001):\n"
            "    h(q)", budget=FUEL_BUDGET),
    Hostile("huge_list_repetition", "E505", "x = [0] * 10**9"),
    Hostile("loop_10_12", "E505", "for i in range(10**12):\n    v = 1"),
    Hostile("range_longer_than_maxsize", "E505", "x = len(range(-2**63, 2**63 - 1))"),
    Hostile("huge_numpy_array", "E505", "x = np.zeros((10**5, 10**5))"),
    Hostile("huge_random_size_positional", "E505", "x = np.random.uniform(0, 1, 10**9)"),
    Hostile("huge_outer_product_by_dot", "E505", "a = np.ones((40000, 1))\nb = np.dot(a, a.T)"),
    Hostile("huge_diag", "E505", "a = np.diag(np.ones(40000))"),
    Hostile("huge_eye", "E505", "a = np.eye(1, 10**9)"),
    Hostile("huge_broadcast_compare", "E505", "a = np.ones(40000)\nb = a[:, None] > a"),
    Hostile("huge_observable_product", "E505",
            "o = sum([Z(i) for i in range(400)])\np = o * o * o"),
    Hostile("huge_pauli_label_table", "E505",
            "o = create_ising_model_hamiltonian(20000, 1.0, 0.5)\nt = o.terms"),
    Hostile("huge_full_entanglement", "E505", "a = create_hea_ansatz(99999, 1, 'full')"),
    Hostile("power_tower", "E506", "x = 10**10**10"),
    Hostile("big_power", "E506", "x = 2**100000"),
    Hostile("big_shift", "E506", "x = 1 << 100"),
    Hostile("big_int_text", "E506", "x = int('9' * 30)"),
    Hostile("huge_string_repetition", "E507", "x = 'a' * 10**9"),
    Hostile("huge_format_width", "E507", "x = f'{1:>1000000000}'"),
    Hostile("huge_percent_width", "E507", "x = '%01000000000d' % 1"),
    Hostile("huge_ljust", "E507", "x = 'a'.ljust(10**9)"),
    Hostile("mutual_recursion", "E508", "def ping(n):\n    return pong(n)\n"
            "def pong(n):\n    return ping(n)\nx = ping(1)"),
    Hostile("self_recursion", "E508", "def f(n):\n    return f(n + 1)\nf(0)"),
    Hostile("recursive_ansatz", "E508", "@ansatz\ndef f(t):\n    f(t)\na = f()"),
    Hostile("huge_qubit_index", "E509", "h(10**6)"),
    Hostile("huge_register", "E509", "q = QubitRegister(10**6)"),
    Hostile("huge_ising_model", "E509", "o = create_ising_model_hamiltonian(10**9, 1.0)"),
    Hostile("huge_hea_ansatz", "E509", "a = create_hea_ansatz(10**9, 0)"),
)


def _source(case: Hostile, canary: Path, eigen: Any) -> tuple[str | bytes, range]:
    """The case's program and the lines its hostile part occupies."""
    path = repr(str(canary))
    if case.raw is not None:
        return case.raw(path), range(0, 1_000_000)
    program = eigen.wrap(case.snippet.replace("CANARY", path), where=case.where,
                         main_guard=MAIN_GUARD.replace("CANARY", path))
    return program.source, program.lines


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_program_is_rejected_with_its_own_code(case: Hostile, canary: Path,
                                                       eigen: Any) -> None:
    source, lines = _source(case, canary, eigen)
    with pytest.raises(CompileError) as info:  # any other exception fails the test
        compile_source(source, filename="hostile.eigen.py")
    exc = info.value
    on_snippet = {d.code for d in exc.diagnostics
                  if d.is_error and (d.line == 0 or d.line in lines)}
    assert case.code in on_snippet, [d.format() for d in exc.diagnostics]
    assert not canary.exists()
    if case.code.startswith("E5"):  # a limit: the envelope says so
        assert exc.code is ErrorCode.RESOURCE_EXHAUSTED


def test_a_hostile_program_inside_a_helper_that_is_never_called_is_still_rejected(
        canary: Path, eigen: Any) -> None:
    source = eigen.wrap(
        f"def never_called():\n    {OPEN}".replace("CANARY", repr(str(canary))),
        where="module").source
    with pytest.raises(CompileError) as info:
        compile_source(source)
    assert [d.code for d in info.value.diagnostics if d.is_error] == ["E215"]
    assert not canary.exists()


DEEP_IN_A_THREAD = '''
import threading
from eigen_engine import compile_source
from eigen_engine.errors import CompileError
SOURCE = """from eigen_lang import hybrid_program, h
@hybrid_program()
def main():
    h(0)
    x = []
    for i in range(19000):
        x = [x]
    y = x == x
    return str(x)
"""
def work():
    try:
        compile_source(SOURCE)
    except CompileError as exc:
        print(sorted({d.code for d in exc.diagnostics}))
threading.stack_size(256 * 1024)  # what some servers and platforms give their threads
thread = threading.Thread(target=work)
thread.start()
thread.join()
'''


def test_deeply_nested_data_cannot_crash_a_thread_with_a_small_stack() -> None:
    # str(), == and JSON recurse in C: 19,000 levels used to overflow a 256 KiB stack
    # (a segfault that takes the whole host process down); now E502 stops it first
    done = subprocess.run([sys.executable, "-c", DEEP_IN_A_THREAD], capture_output=True,
                          text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "['E502']"), done.stderr[-2000:]


def test_rejecting_hostile_programs_prints_nothing(capfd: pytest.CaptureFixture[str],
                                                   canary: Path, eigen: Any) -> None:
    for case in CASES:
        if case.budget == FAST_BUDGET:
            source, _ = _source(case, canary, eigen)
            with pytest.raises(CompileError):
                compile_source(source)
    assert capfd.readouterr() == ("", "")
    assert not canary.exists()
