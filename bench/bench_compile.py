"""Compiler speed: a 1,000-qubit 10,000-gate loop program, a flat 10,000-line program against
``ast.parse`` of the same text (side by side, same run), the example programs, a nested-loop
program that does a lot of legitimate work, and how fast programs over a limit are refused
(LANGUAGE.md: "a program that hits a limit is rejected quickly with the limit named")."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Suite

from eigen_engine import compile_source
from eigen_engine.errors import CompileError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

LOOP_PROGRAM = '''
from eigen_lang import hybrid_program, h, cx, rz, QubitRegister

@hybrid_program()
def big():
    q = QubitRegister(1000)
    for layer in range(4):
        for i in range(1000):
            h(q[i])
        for i in range(999):
            cx(q[i], q[i + 1])
        for i in range(500):
            rz(q[2 * i], 0.01 * layer + 0.001 * i)
'''


NESTED_PROGRAM = '''
from eigen_lang import hybrid_program, h, cx, rz, QubitRegister

@hybrid_program()
def nested(n: int = 40, layers: int = 50):
    q = QubitRegister(n)
    angles = []
    for layer in range(layers):
        for i in range(n):
            if i % 2 == 0:
                h(q[i])
            else:
                rz(q[i], 0.01 * layer + 0.001 * i)
        for i in range(n - 1):
            cx(q[i], q[i + 1])
        angles.append(sum([0.5 * k for k in range(n)]))
    return angles
'''

OVER_LIMIT = {
    "three nested range(1000) loops (fuel)": (
        "for i in range(1000):\n    for j in range(1000):\n        for k in range(1000):\n"
        "            v = 1"),
    "range(10**6) loop of 2 gates (operations)": (
        "for i in range(10**6):\n    h(0)\n    h(1)"),
    "nested list comprehension (elements)": (
        "x = [0 for i in range(10**6) for j in range(10**6)]"),
    "sum(range(10**6)) in a loop (fuel)": (
        "t = 0\nfor i in range(20):\n    t = t + sum(range(10**6))"),
}
"""Entrypoint bodies that exceed a limit, each refused with an E5xx diagnostic."""


def over_limit_program(body: str) -> str:
    return ("from eigen_lang import hybrid_program, h\n\n@hybrid_program()\ndef main():\n"
            + "".join(f"    {line}\n" for line in body.splitlines()))


def refused(source: str) -> None:
    try:
        compile_source(source)
    except CompileError as exc:
        assert exc.diagnostics[-1].code.startswith("E5"), exc
        return
    raise AssertionError("the program compiled")


def flat_program(lines: int) -> str:
    body = []
    for i in range(lines):
        k = i % 3
        if k == 0:
            body.append(f"    rz({i % 50}, {0.001 * i!r})")
        elif k == 1:
            body.append(f"    h({i % 50})")
        else:
            body.append(f"    cx({i % 50}, {(i + 1) % 50})")
    return "from eigen_lang import hybrid_program, h, cx, rz\n\n@hybrid_program()\ndef flat():\n" \
        + "\n".join(body) + "\n"


def main() -> None:
    suite = Suite("compile")
    prog = compile_source(LOOP_PROGRAM)
    n_ops = len(prog.aqo["operations"])
    suite.note(f"loop program: {prog.aqo['qubits']} qubits, {n_ops} operations "
               "(incl. the final measurement)")
    suite.measure("compile 1000-qubit 10k-gate loop program",
                  lambda: compile_source(LOOP_PROGRAM), repeat=10)
    flat = flat_program(10_000)
    parse = suite.measure("ast.parse flat 10k-line program", lambda: ast.parse(flat), repeat=10)
    ours = suite.measure("compile_source flat 10k-line program", lambda: compile_source(flat),
                         repeat=10)
    suite.ratio("flat compile / ast.parse", ours, parse, target="<= 2.5")
    suite.measure("compile nested-loop program (40 x 50 layers)",
                  lambda: compile_source(NESTED_PROGRAM), repeat=10)
    for name in ("logistics", "qaoa_maxcut"):
        source = (EXAMPLES / name / "program.eigen.py").read_bytes()
        suite.measure(f"compile examples/{name}", lambda src=source: compile_source(src),
                      repeat=20)
    for name, body in OVER_LIMIT.items():
        source = over_limit_program(body)
        suite.measure(f"refuse {name}", lambda src=source: refused(src), repeat=3, warmup=1)
    suite.report()


if __name__ == "__main__":
    main()
