"""The hybrid plan: what the runtime must evaluate, recorded as data while compiling.

Plan nodes (``annotations.hybrid.nodes`` in the AQO), each with an ``id`` and a ``kind``:

- ``expectation``: ``circuit`` (id), ``observable`` (PauliSum JSON), ``shots`` (None = exact).
- ``minimize``: ``objective`` (an expression over expectation nodes), ``parameters`` (names
  the optimiser varies, in order), ``initial`` (numbers), ``method``, ``options``
  (``maxiter``, ``tol``).
- ``sample``: ``circuit``, ``bindings`` (None = defaults; an expression giving a list in the
  circuit's parameter order, or a dict by name), ``shots``.
- ``sweep``: ``circuit``, ``parameters`` (names), ``values`` (rows, one per point),
  ``observable`` (or None for counts), ``shots``.

Expressions (objectives and the output template) are JSON: numbers, strings, booleans,
null and arrays stand for themselves; every object is a tag with one ``$`` key:
``{"$node": id}``, ``{"$attr": [name, e]}``, ``{"$index": [e, key]}``,
``{"$call": [fn, e, ...]}`` (``float``, ``round``, ``tolist``, ``abs``, ``int``),
``{"$op": [op, a, b]}`` (``+ - * / // % **`` and comparisons), ``{"$neg": e}``,
``{"$dict": [[key, e], ...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eigen_engine.compiler.values import RuntimeValue

__all__ = ["MINIMIZE_FIELDS", "PlanBuilder", "node_refs"]

MINIMIZE_FIELDS: dict[str, str] = {
    "optimal_value": "number",
    "fun": "number",
    "optimal_parameters": "list",
    "x": "list",
    "success": "bool",
    "iterations": "number",
    "nit": "number",
    "nfev": "number",
    "history": "list",
    "method": "any",
    "message": "any",
}
"""Fields of a minimize result a program may read, with the kind of value each is."""


@dataclass(slots=True)
class PlanBuilder:
    """Accumulates plan nodes in program order."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, result_kind: str, **fields: Any) -> RuntimeValue:
        """Append a node and return the run-time value that stands for its result."""
        prefix = {"expectation": "e", "minimize": "m", "sample": "s", "sweep": "w"}[kind]
        n = self._counts.get(prefix, 0)
        self._counts[prefix] = n + 1
        node_id = f"{prefix}{n}"
        self.nodes.append({"id": node_id, "kind": kind, **fields})
        return RuntimeValue({"$node": node_id}, result_kind, node_id)

    def node(self, node_id: str) -> dict[str, Any]:
        """Return the node with ``node_id``."""
        for n in self.nodes:
            if n["id"] == node_id:
                return n
        raise KeyError(node_id)


def node_refs(expr: Any) -> list[str]:
    """Ids of every ``$node`` an expression refers to, in order of appearance."""
    out: list[str] = []
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, dict):
            if "$node" in e:
                out.append(e["$node"])
            else:
                stack.extend(reversed(list(e.values())))
        elif isinstance(e, list):
            stack.extend(reversed(e))
    return out
