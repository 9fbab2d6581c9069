"""The hybrid plan of an AQO document, read once and checked: typed nodes, decoded circuits.

The compiler writes the plan (see :mod:`eigen_engine.compiler.plan` for the format); this
module turns it into frozen values the runtime can trust, so a malformed document fails
before the first simulation with a message naming the node and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit, circuit_from_aqo
from eigen_engine.ir.observable import PauliSum
from eigen_engine.runtime.expressions import check

__all__ = [
    "METHODS",
    "ExpectationNode",
    "MinimizeNode",
    "Node",
    "Plan",
    "SampleNode",
    "SweepNode",
    "node_refs",
    "parameter_columns",
    "read_plan",
]

METHODS = ("cobyla", "nelder-mead", "powell", "l-bfgs-b", "spsa")
"""Optimizer names a ``minimize`` node may use."""

_MAX_SHOTS = 100_000_000


@dataclass(frozen=True, slots=True)
class ExpectationNode:
    """``<observable>`` of a circuit: exact when ``shots`` is None, else sampled."""

    id: str
    circuit: str
    observable: PauliSum
    shots: int | None


@dataclass(frozen=True, slots=True)
class MinimizeNode:
    """Minimise ``objective`` (an expression over expectation nodes) over ``parameters``."""

    id: str
    objective: Any
    parameters: tuple[str, ...]
    initial: tuple[float, ...]
    method: str
    options: Mapping[str, Any] = field(default_factory=dict)
    expectations: tuple[str, ...] = ()
    """Ids of the expectation nodes the objective refers to, in order of first use."""


@dataclass(frozen=True, slots=True)
class SampleNode:
    """Counts of a circuit; ``bindings`` is None (defaults) or an expression."""

    id: str
    circuit: str
    bindings: Any
    shots: int | None


@dataclass(frozen=True, slots=True)
class SweepNode:
    """One value per row of ``values``: an expectation value, or counts without observable."""

    id: str
    circuit: str
    parameters: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    observable: PauliSum | None
    shots: int | None


Node = ExpectationNode | MinimizeNode | SampleNode | SweepNode


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked hybrid plan.

    Attributes:
        nodes: The nodes in program order.
        circuits: Every circuit a node uses, decoded, by id (identical circuits under
            different ids are one object).
        outputs: The output template (an expression, see :mod:`.expressions`).
    """

    nodes: tuple[Node, ...]
    circuits: Mapping[str, Circuit]
    outputs: Any

    def node(self, node_id: str) -> Node:
        """Return the node with id ``node_id``.

        Raises:
            InvalidArgument: no such node.
        """
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise InvalidArgument(f"the hybrid plan refers to node {node_id!r}, which it lacks")


def node_refs(expr: Any) -> list[str]:
    """Ids of every ``$node`` an expression refers to, in order of first appearance."""
    out: dict[str, None] = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, dict):
            ref = e.get("$node")
            if isinstance(ref, str) and len(e) == 1:
                out.setdefault(ref, None)
            else:
                stack.extend(reversed(list(e.values())))
        elif isinstance(e, list):
            stack.extend(reversed(e))
    return list(out)


def read_plan(aqo: Mapping[str, Any]) -> Plan:
    """Read and check the hybrid plan of an AQO document.

    Raises:
        InvalidArgument: the document has no plan, or a node, circuit or observable is
            malformed; the message names the node and field.
    """
    annotations = aqo.get("annotations") if isinstance(aqo, Mapping) else None
    hybrid = annotations.get("hybrid") if isinstance(annotations, Mapping) else None
    raw_nodes = hybrid.get("nodes") if isinstance(hybrid, Mapping) else None
    if not isinstance(raw_nodes, list):
        raise InvalidArgument(
            "the AQO has no hybrid plan (annotations.hybrid.nodes); compile a program that "
            "uses ExpectationValue, minimize, sample or sweep, or run its main circuit instead"
        )
    assert isinstance(annotations, Mapping)
    reader = _Reader(aqo, annotations)
    nodes = tuple(reader.node(raw, i) for i, raw in enumerate(raw_nodes))
    ids = [n.id for n in nodes]
    if len(set(ids)) != len(ids):
        raise InvalidArgument(f"the hybrid plan has duplicate node ids: {ids}")
    kinds = {n.id: n for n in nodes}
    checked: list[Node] = []
    for position, n in enumerate(nodes):
        earlier = set(ids[:position])
        if isinstance(n, MinimizeNode):
            n = reader.finish_minimize(n, kinds, earlier)
        elif isinstance(n, SampleNode) and n.bindings is not None:
            _check_refs(n.id, "bindings", n.bindings, earlier)
        checked.append(n)
    outputs = annotations.get("outputs")
    _check_refs("outputs", "template", outputs, set(ids))
    return Plan(tuple(checked), dict(reader.circuits), outputs)


def _check_refs(where: str, what: str, expr: Any, known: set[str]) -> None:
    try:
        check(expr)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}: its {what} is malformed: {exc.message}") from None
    for ref in node_refs(expr):
        if ref not in known:
            raise InvalidArgument(
                f"{where}: its {what} refers to node {ref!r}, which is not an earlier node of "
                "the hybrid plan"
            )


class _Reader:
    """Decodes nodes, and each circuit once."""

    def __init__(self, aqo: Mapping[str, Any], annotations: Mapping[str, Any]) -> None:
        self.aqo = aqo
        raw = annotations.get("circuits") or {}
        if not isinstance(raw, Mapping):
            raise InvalidArgument("annotations.circuits must map circuit ids to circuits")
        self.raw_circuits = raw
        self.circuits: dict[str, Circuit] = {}
        self._distinct: dict[tuple[object, ...], Circuit] = {}

    # -- fields -------------------------------------------------------------------------------
    def circuit(self, node_id: str, raw: Any) -> str:
        if not isinstance(raw, str):
            raise InvalidArgument(f"plan node {node_id}: circuit must be a circuit id")
        if raw not in self.circuits:
            if raw in self.raw_circuits:
                # Decode through the IR reader; an alias id keeps "main" from meaning the
                # top-level operations (which carry the display measurements).
                doc = {k: v for k, v in self.aqo.items() if k != "annotations"}
                doc["annotations"] = {"circuits": {"plan": self.raw_circuits[raw]}}
                circuit = circuit_from_aqo(doc, "plan")
            else:
                circuit = circuit_from_aqo(self.aqo, raw)
            # Identical circuits under different ids (an @ansatz used twice) become one
            # object, so their expectation values share driver calls.
            key = (circuit.num_qubits, circuit.num_clbits, circuit.parameters,
                   circuit.operations)
            self.circuits[raw] = self._distinct.setdefault(key, circuit)
        return raw

    @staticmethod
    def observable(node_id: str, raw: Any, width: int) -> PauliSum:
        try:
            if not isinstance(raw, Mapping):
                raise ValueError("not an object")
            obs = PauliSum.from_json(raw).hermitian()
        except ValueError as exc:
            raise InvalidArgument(f"plan node {node_id}: bad observable: {exc}") from exc
        if obs.num_qubits > width:
            raise InvalidArgument(
                f"plan node {node_id}: the observable acts on {obs.num_qubits} qubits but the "
                f"circuit has {width}"
            )
        return obs.widened(width)

    @staticmethod
    def shots(node_id: str, raw: Any) -> int | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= _MAX_SHOTS:
            raise InvalidArgument(
                f"plan node {node_id}: shots must be null or an integer from 1 to "
                f"{_MAX_SHOTS:,}, not {raw!r}"
            )
        return raw

    @staticmethod
    def numbers(node_id: str, what: str, raw: Any) -> tuple[float, ...]:
        if not isinstance(raw, list):
            raise InvalidArgument(f"plan node {node_id}: {what} must be a list of numbers")
        for v in raw:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InvalidArgument(
                    f"plan node {node_id}: {what} must hold finite numbers, not {v!r}"
                )
        return tuple(float(v) for v in raw)

    @staticmethod
    def names(node_id: str, what: str, raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise InvalidArgument(f"plan node {node_id}: {what} must be a list of names")
        if len(set(raw)) != len(raw):
            raise InvalidArgument(f"plan node {node_id}: {what} names a parameter twice")
        return tuple(raw)

    # -- nodes --------------------------------------------------------------------------------
    def node(self, raw: Any, index: int) -> Node:
        if not isinstance(raw, Mapping):
            raise InvalidArgument(f"hybrid plan node #{index} must be an object")
        node_id, kind = raw.get("id"), raw.get("kind")
        if not isinstance(node_id, str) or not node_id:
            raise InvalidArgument(f"hybrid plan node #{index} has no id")
        if kind == "expectation":
            cid = self.circuit(node_id, raw.get("circuit"))
            width = self.circuits[cid].num_qubits
            return ExpectationNode(node_id, cid, self.observable(node_id, raw.get("observable"),
                                                                 width),
                                   self.shots(node_id, raw.get("shots")))
        if kind == "minimize":
            method = raw.get("method")
            if method not in METHODS:
                raise InvalidArgument(
                    f"plan node {node_id}: unknown optimizer {method!r}; use one of "
                    f"{', '.join(METHODS)}"
                )
            options = raw.get("options") or {}
            if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
                raise InvalidArgument(f"plan node {node_id}: options must be an object")
            parameters = self.names(node_id, "parameters", raw.get("parameters"))
            initial = self.numbers(node_id, "initial", raw.get("initial"))
            if not parameters or len(initial) != len(parameters):
                raise InvalidArgument(
                    f"plan node {node_id}: {len(initial)} initial value(s) for "
                    f"{len(parameters)} parameter(s); give one initial value per parameter"
                )
            return MinimizeNode(node_id, raw.get("objective"), parameters, initial, str(method),
                                dict(options))
        if kind == "sample":
            cid = self.circuit(node_id, raw.get("circuit"))
            return SampleNode(node_id, cid, raw.get("bindings"),
                              self.shots(node_id, raw.get("shots")))
        if kind == "sweep":
            cid = self.circuit(node_id, raw.get("circuit"))
            circuit = self.circuits[cid]
            names = self.names(node_id, "parameters", raw.get("parameters"))
            unknown = [n for n in names if n not in circuit.parameters]
            if unknown or not names:
                raise InvalidArgument(
                    f"plan node {node_id}: sweep over {', '.join(unknown) or 'no parameters'}, "
                    f"not parameters of its circuit ({', '.join(circuit.parameters) or 'none'})"
                )
            rows = raw.get("values")
            if not isinstance(rows, list):
                raise InvalidArgument(f"plan node {node_id}: values must be a list of rows")
            values = tuple(self.numbers(node_id, "values", r) for r in rows)
            if any(len(r) != len(names) for r in values):
                raise InvalidArgument(
                    f"plan node {node_id}: every row of values needs {len(names)} number(s)"
                )
            obs_raw = raw.get("observable")
            observable = (None if obs_raw is None
                          else self.observable(node_id, obs_raw, circuit.num_qubits))
            return SweepNode(node_id, cid, names, values, observable,
                             self.shots(node_id, raw.get("shots")))
        raise InvalidArgument(
            f"plan node {node_id}: unknown kind {kind!r}; kinds are expectation, minimize, "
            "sample, sweep"
        )

    def finish_minimize(
        self, node: MinimizeNode, nodes: Mapping[str, Node], earlier: set[str]
    ) -> MinimizeNode:
        """Check the objective refers to earlier expectation nodes whose parameters are all
        optimised, and record those nodes."""
        refs = node_refs(node.objective)
        if not refs:
            raise InvalidArgument(
                f"plan node {node.id}: the objective refers to no ExpectationValue node"
            )
        _check_refs(node.id, "objective", node.objective, earlier)
        varied = set(node.parameters)
        for ref in refs:
            target = nodes[ref]
            if not isinstance(target, ExpectationNode):
                raise InvalidArgument(
                    f"plan node {node.id}: the objective uses {ref}, a {type(target).__name__}; "
                    "objectives are built from expectation nodes"
                )
            missing = [p for p in self.circuits[target.circuit].parameters if p not in varied]
            if missing:
                raise InvalidArgument(
                    f"plan node {node.id}: parameter(s) {', '.join(missing)} of {ref}'s circuit "
                    "are not among the parameters it optimises"
                )
        return MinimizeNode(node.id, node.objective, node.parameters, node.initial, node.method,
                            node.options, tuple(refs))


def parameter_columns(circuit: Circuit, names: Sequence[str]) -> list[int]:
    """Indices into ``names`` of each of ``circuit.parameters``, in circuit order."""
    index = {n: i for i, n in enumerate(names)}
    return [index[p] for p in circuit.parameters]
