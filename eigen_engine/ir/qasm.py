"""OpenQASM 3 export of an AQO circuit.

Symbolic parameters become ``input float[64]`` declarations (``theta[3]`` is spelled
``theta_3``), so ``qiskit.qasm3.loads`` returns a parameterised circuit. Gates outside
``stdgates.inc`` (RXX, RYY, RZZ, CCZ) are defined in a short preamble.
"""

from __future__ import annotations

import re

from eigen_engine.ir.aqo import Circuit, Operation
from eigen_engine.ir.gates import GATES, MEASURE
from eigen_engine.ir.params import ParamExpr, ParamValue, format_number

__all__ = ["qasm_identifier", "to_qasm3"]

_PREAMBLE = {
    "rzz": "gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }",
    "rxx": "gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }",
    "ryy": (
        "gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; "
        "rx(-pi/2) a; rx(-pi/2) b; }"
    ),
    "ccz": "gate ccz a, b, c { h c; ccx a, b, c; h c; }",
}
_RESERVED = frozenset(
    {"q", "c", "pi", "tau", "euler", "input", "output", "gate", "qubit", "bit", "float",
     "measure", "reset", "barrier", "U", "gphase", "include", "def", "let", "const"}
    | {g.qasm for g in GATES.values()}
)
_SAFE_RE = re.compile(r"[^0-9A-Za-z_]")


def qasm_identifier(name: str) -> str:
    """Spell a parameter name as an OpenQASM identifier (``theta[3]`` -> ``theta_3``)."""
    ident = _SAFE_RE.sub("_", name.replace("[", "_").replace("]", ""))
    if not ident or ident[0].isdigit() or ident in _RESERVED:
        ident = f"p_{ident}"
    return ident


def _value(v: ParamValue, idents: dict[str, str]) -> str:
    if not isinstance(v, ParamExpr):
        return format_number(v)
    parts: list[str] = []
    for name, coef in v.terms:
        ident = idents[name]
        term = ident if coef == 1 else f"{format_number(coef)}*{ident}"
        parts.append(term)
    if v.const != 0 or not parts:
        parts.append(format_number(v.const))
    return " + ".join(parts).replace("+ -", "- ")


def _statement(op: Operation, idents: dict[str, str]) -> str:
    qs = ", ".join(f"q[{i}]" for i in op.qubits)
    if op.op == MEASURE:
        return "\n".join(
            f"c[{c}] = measure q[{q}];" for q, c in zip(op.qubits, op.clbits, strict=True)
        )
    name = GATES[op.op].qasm
    if op.params:
        return f"{name}({', '.join(_value(v, idents) for v in op.params)}) {qs};"
    return f"{name} {qs};"


def to_qasm3(circuit: Circuit) -> str:
    """Return OpenQASM 3 source for ``circuit``.

    Raises:
        ValueError: two parameter names map to the same OpenQASM identifier.
    """
    idents: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in circuit.parameters:
        ident = qasm_identifier(name)
        if ident in taken and taken[ident] != name:
            raise ValueError(
                f"parameters {taken[ident]!r} and {name!r} both become {ident!r} in OpenQASM; "
                "rename one of them"
            )
        taken[ident] = name
        idents[name] = ident
    lines = ["OPENQASM 3.0;", 'include "stdgates.inc";']
    used = {GATES[op.op].qasm for op in circuit.operations}
    lines.extend(_PREAMBLE[g] for g in sorted(used & _PREAMBLE.keys()))
    lines.extend(f"input float[64] {idents[n]};" for n in circuit.parameters)
    lines.append(f"qubit[{circuit.num_qubits}] q;")
    if circuit.num_clbits:
        lines.append(f"bit[{circuit.num_clbits}] c;")
    lines.extend(_statement(op, idents) for op in circuit.operations)
    return "\n".join(lines) + "\n"
