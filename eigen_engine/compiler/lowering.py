"""Lowering: the interpreter's circuits, plan and result into one AQO document."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from eigen_engine.compiler.circuits import FinishedCircuit
from eigen_engine.compiler.interpreter import Interpreter
from eigen_engine.compiler.plan import node_refs
from eigen_engine.ir.aqo import AQO_VERSION, MAIN_CIRCUIT, Circuit, Operation
from eigen_engine.ir.gates import MEASURE
from eigen_engine.ir.observable import PauliSum

__all__ = ["Lowered", "lower"]


@dataclass(frozen=True, slots=True)
class Lowered:
    """The AQO document (without metadata) and the circuit it shows at top level."""

    doc: dict[str, Any]
    display: Circuit
    kind: str


def _default_observable(width: int) -> dict[str, Any]:
    total = PauliSum((), width)
    for q in range(width):
        total = total + PauliSum.single("Z", q)
    return total.widened(width).to_json()


def _needs_values(it: Interpreter, names: list[str], node: ast.AST | None, what: str) -> None:
    missing = [n for n in names if not isinstance(it.param_defaults.get(n), int | float)]
    if missing:
        it.fail(node, "E409",
                f"{what} needs values for the parameter(s) {', '.join(missing[:5])}"
                + (" ..." if len(missing) > 5 else ""),
                "give the Params defaults, pass parameters=..., or optimise them with minimize()")


def lower(it: Interpreter, result: Any, entry_node: ast.AST) -> Lowered:
    """Assemble the AQO document from the finished interpretation."""
    table = it.circuits
    positions: Mapping[str, ast.AST] = dict(it.deferred)
    nodes = [dict(n) for n in it.plan.nodes]
    for n in nodes:
        if "circuit" in n:
            n["circuit"] = table.resolve(n["circuit"])
    # widths: an observable may act on more qubits than the circuit touches
    widths: dict[str, int] = {}
    for n in nodes:
        if "circuit" not in n:
            continue
        c = table.circuits[n["circuit"]]
        w = c.num_qubits
        if n.get("observable"):
            w = max(w, n["observable"]["num_qubits"])
        widths[c.id] = max(widths.get(c.id, 0), w)
    for cid, w in widths.items():
        c = table.circuits[cid]
        if w > c.num_qubits:
            table.circuits[cid] = replace(c, num_qubits=w)
    by_id = {n["id"]: n for n in nodes}
    optimised: set[str] = set()
    for n in nodes:
        where = positions.get(n["id"], entry_node)
        if n["kind"] == "expectation":
            c = table.circuits[n["circuit"]]
            if n["observable"] is None:
                n["observable"] = _default_observable(c.num_qubits)
            elif n["observable"]["num_qubits"] < c.num_qubits:
                n["observable"] = {**n["observable"], "num_qubits": c.num_qubits}
        elif n["kind"] == "minimize":
            names: dict[str, None] = {}
            for ref in node_refs(n["objective"]):
                optimised.add(ref)
                for p in table.circuits[by_id[ref]["circuit"]].parameters:
                    names.setdefault(p, None)
            params = list(names)
            n["parameters"] = params
            if not params:
                it.fail(where, "E409", "minimize() has nothing to optimise: the circuits of its "
                                       "objective have no parameters",
                        "use Param(...) or an ansatz in the circuit")
            if n["initial"] is None:
                _needs_values(it, params, where, "minimize() without initial_guess")
                n["initial"] = [float(it.param_defaults[p]) for p in params]
            elif len(n["initial"]) != len(params):
                it.fail(where, "E409",
                        f"initial_guess has {len(n['initial'])} value(s) but the objective has "
                        f"{len(params)} parameter(s): {', '.join(params[:6])}"
                        + (" ..." if len(params) > 6 else ""),
                        f"pass {len(params)} initial values")
        elif n["kind"] == "sample":
            c = table.circuits[n["circuit"]]
            b = n["bindings"]
            if isinstance(b, list) and len(b) != len(c.parameters):
                it.fail(where, "E409", f"sample() got {len(b)} parameter value(s) for a circuit "
                                       f"with {len(c.parameters)} parameter(s)")
            if b is None:
                _needs_values(it, list(c.parameters), where, "sample()")
            elif isinstance(b, dict) and "$dict" in b:
                given = {k for k, _ in b["$dict"]}
                unknown = given - set(c.parameters)
                if unknown:
                    it.fail(where, "E409", f"sample() binds unknown parameter(s) "
                                           f"{', '.join(sorted(unknown))}")
                _needs_values(it, [p for p in c.parameters if p not in given], where,
                              "sample()")
        elif n["kind"] == "sweep":
            c = table.circuits[n["circuit"]]
            unknown = set(n["parameters"]) - set(c.parameters)
            if unknown:
                it.fail(where, "E409", f"sweep() over parameter(s) {', '.join(sorted(unknown))} "
                                       "that the circuit does not use")
            _needs_values(it, [p for p in c.parameters if p not in n["parameters"]], where,
                          "sweep()")
    for n in nodes:
        if n["kind"] == "expectation" and n["id"] not in optimised:
            _needs_values(it, list(table.circuits[n["circuit"]].parameters),
                          positions.get(n["id"], entry_node), "ExpectationValue outside "
                          "minimize()")

    main = table.circuits.get(MAIN_CIRCUIT)
    used = {n["circuit"]: None for n in nodes if "circuit" in n}
    display_src: FinishedCircuit | None = main if main is not None and main.operations else None
    if display_src is None and used:
        display_src = table.circuits[next(iter(used))]
    ops = list(display_src.operations) if display_src else []
    width = display_src.num_qubits if display_src else 1
    if not ops or ops[-1].op != MEASURE:
        q = tuple(range(width))
        ops.append(Operation(MEASURE, q, (), q))
    clbits = max((c for op in ops for c in op.clbits), default=-1) + 1
    display = Circuit(width, tuple(ops), display_src.parameters if display_src else (), clbits)

    doc: dict[str, Any] = {
        "version": AQO_VERSION,
        "qubits": width,
        "operations": [op.to_json() for op in ops],
    }
    parameters: dict[str, Any] = {}
    for name, default in it.param_defaults.items():
        parameters[name] = name if default is None else default
    for name in display.parameters:
        parameters.setdefault(name, name)
    if parameters:
        doc["parameters"] = parameters
    outputs = it.to_expr(result, entry_node)
    kind = "hybrid" if nodes else "sampling"
    annotations: dict[str, Any] = {}
    if any(n["kind"] == "expectation" for n in nodes):
        annotations["expectation"] = {"kind": "ExpectationValue"}
    if any(n["kind"] == "minimize" for n in nodes):
        annotations["hybrid_plan_marker"] = {"expanded_by": "kernel", "kind": "minimize"}
    if nodes:
        annotations["circuits"] = {cid: table.circuits[cid].to_json() for cid in used}
        annotations["hybrid"] = {"nodes": nodes}
    if nodes or outputs is not None:
        annotations["outputs"] = outputs
    if annotations:
        doc["annotations"] = annotations
    return Lowered(doc, display, kind)
