"""The gate table: every AQO opcode with its arity, parameters and OpenQASM 3 spelling.

One table serves the compiler (Eigen-Lang names -> opcodes), the QASM exporter and the
drivers, so a gate is added in exactly one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["GATES", "LANG_GATES", "MEASURE", "GateDef", "gate"]


@dataclass(frozen=True, slots=True)
class GateDef:
    """One AQO opcode.

    Attributes:
        op: The AQO opcode, e.g. ``"RY"``.
        num_qubits: How many qubits it acts on (0 means any number, as for BARRIER).
        params: Parameter names in order, as they appear in ``operation["params"]``.
        qasm: The OpenQASM 3 gate name (from ``stdgates.inc`` or defined in our preamble).
        unitary: False for non-unitary instructions (MEASURE, RESET, BARRIER).
    """

    op: str
    num_qubits: int
    params: tuple[str, ...] = ()
    qasm: str = ""
    unitary: bool = True


MEASURE = "MEASURE"

_DEFS = (
    GateDef("I", 1, qasm="id"),
    GateDef("H", 1, qasm="h"),
    GateDef("X", 1, qasm="x"),
    GateDef("Y", 1, qasm="y"),
    GateDef("Z", 1, qasm="z"),
    GateDef("S", 1, qasm="s"),
    GateDef("SDG", 1, qasm="sdg"),
    GateDef("T", 1, qasm="t"),
    GateDef("TDG", 1, qasm="tdg"),
    GateDef("SX", 1, qasm="sx"),
    GateDef("RX", 1, ("theta",), qasm="rx"),
    GateDef("RY", 1, ("theta",), qasm="ry"),
    GateDef("RZ", 1, ("theta",), qasm="rz"),
    GateDef("P", 1, ("theta",), qasm="p"),
    GateDef("U", 1, ("theta", "phi", "lambda"), qasm="U"),
    GateDef("CX", 2, qasm="cx"),
    GateDef("CY", 2, qasm="cy"),
    GateDef("CZ", 2, qasm="cz"),
    GateDef("CH", 2, qasm="ch"),
    GateDef("SWAP", 2, qasm="swap"),
    GateDef("CRX", 2, ("theta",), qasm="crx"),
    GateDef("CRY", 2, ("theta",), qasm="cry"),
    GateDef("CRZ", 2, ("theta",), qasm="crz"),
    GateDef("CP", 2, ("theta",), qasm="cp"),
    GateDef("RXX", 2, ("theta",), qasm="rxx"),
    GateDef("RYY", 2, ("theta",), qasm="ryy"),
    GateDef("RZZ", 2, ("theta",), qasm="rzz"),
    GateDef("CCX", 3, qasm="ccx"),
    GateDef("CCZ", 3, qasm="ccz"),
    GateDef("CSWAP", 3, qasm="cswap"),
    GateDef("RESET", 1, qasm="reset", unitary=False),
    GateDef("BARRIER", 0, qasm="barrier", unitary=False),
    GateDef(MEASURE, 0, qasm="measure", unitary=False),
)

GATES: Mapping[str, GateDef] = MappingProxyType({g.op: g for g in _DEFS})
"""Every AQO opcode we read or write, by opcode."""

LANG_GATES: Mapping[str, str] = MappingProxyType(
    {
        "h": "H",
        "x": "X",
        "y": "Y",
        "z": "Z",
        "s": "S",
        "sdg": "SDG",
        "t": "T",
        "tdg": "TDG",
        "sx": "SX",
        "rx": "RX",
        "ry": "RY",
        "rz": "RZ",
        "p": "P",
        "u": "U",
        "cx": "CX",
        "cnot": "CX",
        "cy": "CY",
        "cz": "CZ",
        "ch": "CH",
        "swap": "SWAP",
        "crx": "CRX",
        "cry": "CRY",
        "crz": "CRZ",
        "cp": "CP",
        "rxx": "RXX",
        "ryy": "RYY",
        "rzz": "RZZ",
        "ccx": "CCX",
        "ccz": "CCZ",
        "cswap": "CSWAP",
        "reset": "RESET",
        "barrier": "BARRIER",
    }
)
"""Eigen-Lang gate function names -> AQO opcodes (``measure`` is handled separately)."""


def gate(op: str) -> GateDef:
    """Return the definition of ``op``.

    Raises:
        KeyError: ``op`` is not an AQO opcode we know.
    """
    return GATES[op]
