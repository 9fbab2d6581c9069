"""Circuit building during compilation: one builder per circuit, a table of finished ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eigen_engine.compiler.values import CircuitRef
from eigen_engine.ir.aqo import Operation

__all__ = ["CircuitBuilder", "CircuitTable", "FinishedCircuit"]

_VECTOR_RE = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass(slots=True)
class CircuitBuilder:
    """Collects operations of one circuit while the program is interpreted.

    Attributes:
        id: The circuit's id (``main`` for the entrypoint's own gates).
        ops: Operations so far.
        width: 1 + the highest qubit used (or more, from registers).
        param_order: Symbolic parameter names in order of first use.
    """

    id: str
    ops: list[Operation] = field(default_factory=list)
    width: int = 0
    param_order: dict[str, None] = field(default_factory=dict)

    def append(self, op: Operation) -> None:
        """Add an operation, widening the circuit and noting new parameters."""
        self.ops.append(op)
        top = max(op.qubits) + 1 if op.qubits else 0
        if top > self.width:
            self.width = top
        if op.params:
            for name in op.parameter_names:
                if name not in self.param_order:
                    self.param_order[name] = None

    def parameters(self) -> tuple[str, ...]:
        """Parameter binding order: vectors grouped and ordered by index, else first use.

        ``theta[10]`` sorts after ``theta[2]``; a vector's place is where its first
        element was first used.
        """
        first: dict[str, int] = {}
        keys: list[tuple[int, int, str]] = []
        for pos, name in enumerate(self.param_order):
            m = _VECTOR_RE.match(name)
            base, idx = (m.group(1), int(m.group(2))) if m else (name, -1)
            rank = first.setdefault(base, pos)
            keys.append((rank, idx, name))
        keys.sort()
        return tuple(k[2] for k in keys)


@dataclass(frozen=True, slots=True)
class FinishedCircuit:
    """A circuit ready for lowering.

    Attributes:
        id: Its id.
        num_qubits: Width (at least 1).
        operations: The operations.
        parameters: Binding order of its symbolic parameters.
    """

    id: str
    num_qubits: int
    operations: tuple[Operation, ...]
    parameters: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the ``annotations.circuits`` entry."""
        return {
            "qubits": self.num_qubits,
            "operations": [op.to_json() for op in self.operations],
            "parameters": list(self.parameters),
        }


@dataclass(slots=True)
class CircuitTable:
    """All circuits of a program, by id, plus aliases for empty builders."""

    circuits: dict[str, FinishedCircuit] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    _next: int = 1

    def new_id(self) -> str:
        """A fresh circuit id (``c1``, ``c2``, ...)."""
        cid = f"c{self._next}"
        self._next += 1
        return cid

    def finish(self, builder: CircuitBuilder, min_width: int = 0) -> CircuitRef:
        """Freeze ``builder`` into the table and return a reference to it."""
        width = max(builder.width, min_width, 1)
        done = FinishedCircuit(builder.id, width, tuple(builder.ops), builder.parameters())
        self.circuits[builder.id] = done
        return CircuitRef(done.id, done.num_qubits, done.parameters)

    def alias(self, cid: str, target: str) -> None:
        """Make ``cid`` (an empty builder) mean ``target``."""
        self.aliases[cid] = target

    def resolve(self, cid: str) -> str:
        """Follow aliases to the circuit that really holds the operations."""
        seen = set()
        while cid in self.aliases and cid not in seen:
            seen.add(cid)
            cid = self.aliases[cid]
        return cid

    def get(self, cid: str) -> FinishedCircuit:
        """Return the finished circuit for an id (after alias resolution)."""
        return self.circuits[self.resolve(cid)]

    def used(self, ids: Mapping[str, None]) -> dict[str, FinishedCircuit]:
        """The finished circuits for ``ids`` (resolved, in order, without duplicates)."""
        out: dict[str, FinishedCircuit] = {}
        for cid in ids:
            real = self.resolve(cid)
            if real in self.circuits:
                out[real] = self.circuits[real]
        return out

