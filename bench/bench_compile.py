"""Compiler speed: a 1,000-qubit 10,000-gate loop program, and a flat 10,000-line program
against ``ast.parse`` of the same text (side by side, same run)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Suite

from eigen_engine import compile_source

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
    suite.report()


if __name__ == "__main__":
    main()
