"""AQO documents: operations, circuits, and reading a document back with validation.

An AQO document (upstream 1.0.0 plus our additions under ``annotations``)::

    {"version": "1.0.0", "qubits": 2,
     "operations": [{"op": "H", "q": [0]}, {"op": "CX", "q": [0, 1]},
                    {"op": "MEASURE", "q": [0, 1], "c": [0, 1]}],
     "parameters": {"theta": 0.1},            # symbolic parameters and their defaults
     "metadata": {...}, "checksums": {...},
     "annotations": {"circuits": {...}, "hybrid": {...}, ...}}

``operations`` is the program's main (sampling) circuit. Every circuit the hybrid plan uses
is in ``annotations.circuits`` under an id, in the same operation format, without
measurements. Readers that only know upstream AQO ignore ``annotations``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eigen_engine.errors import ErrorDetail, InvalidArgument
from eigen_engine.ir.gates import GATES, MEASURE
from eigen_engine.ir.params import ParamExpr, ParamValue, param_value_from_json

__all__ = [
    "AQO_VERSION",
    "MAIN_CIRCUIT",
    "Circuit",
    "Operation",
    "circuit_from_aqo",
    "validate_aqo",
]

AQO_VERSION = "1.0.0"
MAIN_CIRCUIT = "main"
_PARAM_NAMES = {op: g.params for op, g in GATES.items()}
_TOP_LEVEL = frozenset(
    {"version", "qubits", "operations", "parameters", "metadata", "checksums", "topology",
     "annotations"}
)


@dataclass(frozen=True, slots=True)
class Operation:
    """One AQO operation.

    Attributes:
        op: Opcode from the gate table.
        qubits: Qubit indices.
        params: Parameter values in the gate's parameter order.
        clbits: Classical bits (MEASURE only).
    """

    op: str
    qubits: tuple[int, ...]
    params: tuple[ParamValue, ...] = ()
    clbits: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the AQO JSON object for this operation."""
        out: dict[str, Any] = {"op": self.op, "q": list(self.qubits)}
        if self.params:
            names = _PARAM_NAMES[self.op]
            out["params"] = {
                n: (v.to_json() if isinstance(v, ParamExpr) else v)
                for n, v in zip(names, self.params, strict=True)
            }
        if self.op == MEASURE:
            out["c"] = list(self.clbits)
        return out

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the symbolic parameters this operation uses, in order."""
        names: list[str] = []
        for v in self.params:
            if isinstance(v, ParamExpr):
                names.extend(v.names)
        return tuple(names)


@dataclass(frozen=True, slots=True)
class Circuit:
    """A decoded circuit, ready for a driver.

    Attributes:
        num_qubits: Register width.
        operations: The operations in order.
        parameters: Symbolic parameter names in binding order.
        num_clbits: Classical register width (1 + highest measured bit, 0 without MEASURE).
        defaults: Default values of parameters that have one.
    """

    num_qubits: int
    operations: tuple[Operation, ...]
    parameters: tuple[str, ...] = ()
    num_clbits: int = 0
    defaults: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_parameterized(self) -> bool:
        """True if any operation has a symbolic parameter."""
        return bool(self.parameters)

    def without_final_measurements(self) -> Circuit:
        """Drop trailing MEASURE/BARRIER operations (for exact expectation values)."""
        ops = list(self.operations)
        while ops and ops[-1].op in (MEASURE, "BARRIER"):
            ops.pop()
        return Circuit(self.num_qubits, tuple(ops), self.parameters, 0, self.defaults)

    def with_measure_all(self) -> Circuit:
        """Append a measurement of every qubit into the same-numbered bit."""
        q = tuple(range(self.num_qubits))
        ops = (*self.without_final_measurements().operations, Operation(MEASURE, q, (), q))
        return Circuit(self.num_qubits, ops, self.parameters, self.num_qubits, self.defaults)


def _operation_from_json(raw: Any, where: str, qubits: int, problems: list[ErrorDetail]) -> (
    Operation | None
):
    if not isinstance(raw, Mapping):
        problems.append(ErrorDetail(where, "operation must be an object"))
        return None
    op = raw.get("op")
    gdef = GATES.get(op) if isinstance(op, str) else None
    if gdef is None:
        problems.append(ErrorDetail(f"{where}.op", f"unknown opcode {op!r}"))
        return None
    q = raw.get("q")
    if not isinstance(q, list) or not all(type(i) is int and 0 <= i < qubits for i in q):
        problems.append(
            ErrorDetail(f"{where}.q", f"qubits must be a list of integers in [0, {qubits})")
        )
        return None
    if gdef.num_qubits and len(q) != gdef.num_qubits:
        problems.append(
            ErrorDetail(f"{where}.q", f"{op} expects {gdef.num_qubits} qubit argument(s)")
        )
        return None
    if len(set(q)) != len(q):
        problems.append(ErrorDetail(f"{where}.q", f"{op} uses a qubit twice: {q}"))
        return None
    params: list[ParamValue] = []
    raw_params = raw.get("params") or {}
    if not isinstance(raw_params, Mapping) or set(raw_params) != set(gdef.params):
        problems.append(
            ErrorDetail(
                f"{where}.params",
                f"{op} takes parameters {list(gdef.params)}, got {raw_params!r}",
            )
        )
        return None
    for name in gdef.params:
        try:
            params.append(param_value_from_json(raw_params[name]))
        except ValueError as exc:
            problems.append(ErrorDetail(f"{where}.params.{name}", str(exc)))
            return None
    clbits: tuple[int, ...] = ()
    if op == MEASURE:
        c = raw.get("c")
        if (
            not isinstance(c, list)
            or len(c) != len(q)
            or not all(type(i) is int and i >= 0 for i in c)
        ):
            problems.append(
                ErrorDetail(f"{where}.c", "MEASURE needs 'c': one classical bit per qubit")
            )
            return None
        clbits = tuple(c)
    elif "c" in raw:
        problems.append(ErrorDetail(f"{where}.c", f"only MEASURE takes 'c', not {op}"))
        return None
    return Operation(gdef.op, tuple(q), tuple(params), clbits)


def _decode_ops(raw_ops: Any, where: str, qubits: int) -> tuple[Operation, ...]:
    problems: list[ErrorDetail] = []
    if not isinstance(raw_ops, list):
        raise InvalidArgument(
            "AQO is invalid", details=[ErrorDetail(where, "operations must be a list")]
        )
    ops = []
    for i, raw in enumerate(raw_ops):
        op = _operation_from_json(raw, f"{where}[{i}]", qubits, problems)
        if op is not None:
            ops.append(op)
        if len(problems) >= 20:
            break
    if problems:
        raise InvalidArgument(f"AQO is invalid: {problems[0].message}", details=problems)
    return tuple(ops)


def _parameter_order(ops: Sequence[Operation]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for op in ops:
        for name in op.parameter_names:
            seen.setdefault(name, None)
    return tuple(seen)


def circuit_from_aqo(doc: Mapping[str, Any], circuit_id: str = MAIN_CIRCUIT) -> Circuit:
    """Decode one circuit of an AQO document.

    Args:
        doc: The AQO document (a parsed JSON object).
        circuit_id: ``"main"`` for the top-level ``operations``, otherwise an id under
            ``annotations.circuits``.

    Raises:
        InvalidArgument: the document or the circuit is malformed, or the id is unknown.
    """
    validate_aqo(doc, deep=False)
    defaults_raw = doc.get("parameters") or {}
    defaults = {
        k: float(v) for k, v in defaults_raw.items() if isinstance(v, int | float)
        and not isinstance(v, bool)
    }
    if circuit_id == MAIN_CIRCUIT:
        qubits = int(doc["qubits"])
        ops = _decode_ops(doc["operations"], "operations", qubits)
        order: tuple[str, ...] = _parameter_order(ops)
    else:
        circuits = (doc.get("annotations") or {}).get("circuits") or {}
        entry = circuits.get(circuit_id)
        if not isinstance(entry, Mapping):
            raise InvalidArgument(
                f"AQO has no circuit {circuit_id!r}; known circuits: "
                f"{', '.join(['main', *sorted(circuits)])}"
            )
        qubits = int(entry["qubits"])
        ops = _decode_ops(entry["operations"], f"annotations.circuits.{circuit_id}", qubits)
        order = tuple(entry.get("parameters") or _parameter_order(ops))
    clbits = max((c for op in ops for c in op.clbits), default=-1) + 1
    return Circuit(qubits, ops, order, clbits, defaults)


def validate_aqo(doc: Any, *, deep: bool = True) -> None:
    """Check an AQO document's structure (and with ``deep``, every operation).

    Raises:
        InvalidArgument: with one detail per problem found.
    """
    problems: list[ErrorDetail] = []
    if not isinstance(doc, Mapping):
        raise InvalidArgument("AQO must be a JSON object")
    for key in doc:
        if key not in _TOP_LEVEL:
            problems.append(ErrorDetail(str(key), f"unknown AQO top-level field {key!r}"))
    if doc.get("version") != AQO_VERSION:
        problems.append(
            ErrorDetail("version", f"unsupported AQO version {doc.get('version')!r}; "
                        f"this engine reads {AQO_VERSION}")
        )
    qubits = doc.get("qubits")
    if type(qubits) is not int or qubits < 1:
        problems.append(ErrorDetail("qubits", "qubits must be an integer >= 1"))
    if not isinstance(doc.get("operations"), list) or not doc.get("operations"):
        problems.append(ErrorDetail("operations", "operations must be a non-empty list"))
    params = doc.get("parameters", {})
    if not isinstance(params, Mapping) or not all(
        isinstance(v, int | float | str) and not isinstance(v, bool)
        and (not isinstance(v, float) or math.isfinite(v))
        for v in params.values()
    ):
        problems.append(
            ErrorDetail("parameters", "parameters must map names to numbers or strings")
        )
    if problems:
        raise InvalidArgument(f"AQO is invalid: {problems[0].message}", details=problems)
    if deep:
        _decode_ops(doc["operations"], "operations", int(doc["qubits"]))
