"""The objective of a ``minimize`` node: parameters in, one number out, batched and logged.

Expectation nodes of the objective that share a circuit (by content) and a shot count are
estimated together (one driver call per circuit for exact values, one call for everything sampled).
Each evaluation is recorded in the :class:`~.progress.EvaluationLog`, which also stops the
run when the job is cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.observable import PauliSum
from eigen_engine.runtime.dual import Dual
from eigen_engine.runtime.estimation import Estimator, Request
from eigen_engine.runtime.expressions import evaluate
from eigen_engine.runtime.gradients import ShiftRule
from eigen_engine.runtime.plan import ExpectationNode, MinimizeNode, parameter_columns
from eigen_engine.runtime.progress import EvaluationLog

__all__ = ["Objective"]


@dataclass(frozen=True, slots=True, eq=False)
class _Group:
    """Expectation nodes on one circuit with one shot count."""

    circuit: Circuit
    shots: int | None
    nodes: tuple[str, ...]
    observables: tuple[PauliSum, ...]
    columns: np.ndarray  # circuit parameter k is objective parameter columns[k]


class Objective:
    """Evaluates one ``minimize`` node's objective.

    Args:
        node: The minimize node.
        expectations: Its expectation nodes by id.
        circuits: Decoded circuits by id.
        estimator: Runs the driver calls.
        log: Records every evaluation and checks for cancellation.

    Attributes:
        iteration: Iterations the optimizer has completed (set by the optimizer); it goes
            into each evaluation's record.
    """

    def __init__(
        self,
        node: MinimizeNode,
        expectations: Mapping[str, ExpectationNode],
        circuits: Mapping[str, Circuit],
        estimator: Estimator,
        log: EvaluationLog,
    ) -> None:
        self.node = node
        self.estimator = estimator
        self.log = log
        self.iteration = 0
        grouped: dict[tuple[int, int | None], list[ExpectationNode]] = {}
        for ref in node.expectations:
            e = expectations[ref]
            grouped.setdefault((id(circuits[e.circuit]), e.shots), []).append(e)
        self.groups = tuple(
            _Group(circuits[es[0].circuit], shots, tuple(e.id for e in es),
                   tuple(e.observable for e in es),
                   np.array(parameter_columns(circuits[es[0].circuit], node.parameters),
                            dtype=np.intp))
            for (_, shots), es in grouped.items()
        )
        self._rules: dict[int, ShiftRule] = {}

    @property
    def num_parameters(self) -> int:
        """Number of parameters the optimizer varies."""
        return len(self.node.parameters)

    @property
    def history(self) -> list[float]:
        """Objective values of every evaluation so far."""
        return self.log.histories.get(self.node.id, [])

    # -- values -------------------------------------------------------------------------------
    def value(self, x: np.ndarray) -> float:
        """The objective at ``x`` (one evaluation)."""
        return float(self.values(np.asarray(x, dtype=np.float64)[None, :])[0])

    def values(self, xs: np.ndarray) -> np.ndarray:
        """The objective at each row of ``xs`` (one batch, one evaluation per row)."""
        xs = np.asarray(xs, dtype=np.float64)
        self.log.check()
        requests = [Request(g.circuit, g.observables, xs[:, g.columns], g.shots)
                    for g in self.groups]
        results = self.estimator.estimate(requests)
        node_values: dict[str, np.ndarray] = {}
        for g, r in zip(self.groups, results, strict=True):
            for j, nid in enumerate(g.nodes):
                node_values[nid] = r[:, j]
        out = np.empty(xs.shape[0])
        for i in range(xs.shape[0]):
            if i:
                self.log.check()
            out[i] = self._combine({nid: float(v[i]) for nid, v in node_values.items()})
            self.log.record(self.node.id, self.iteration, xs[i].tolist(), float(out[i]))
        return out

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective at ``x`` and its parameter-shift gradient (one evaluation, one
        batch: the unshifted and every shifted row of every circuit go together)."""
        x = np.asarray(x, dtype=np.float64)
        self.log.check()
        rules = [self._rule(g) for g in self.groups]
        requests = [Request(rule.circuit, g.observables, rule.rows(x[g.columns]), g.shots)
                    for g, rule in zip(self.groups, rules, strict=True)]
        results = self.estimator.estimate(requests)
        duals: dict[str, Dual] = {}
        for g, rule, r in zip(self.groups, rules, results, strict=True):
            values, grads = rule.gradient(r)
            for j, nid in enumerate(g.nodes):
                full = np.zeros(self.num_parameters)
                np.add.at(full, g.columns, grads[j])
                duals[nid] = Dual(float(values[j]), full)
        total = self._combine(duals)
        if not isinstance(total, Dual):  # an objective that does not depend on the values
            total = Dual(float(total), np.zeros(self.num_parameters))
        self.log.record(self.node.id, self.iteration, x.tolist(), total.value)
        return total.value, np.asarray(total.grad, dtype=np.float64)

    def _rule(self, group: _Group) -> ShiftRule:
        rule = self._rules.get(id(group.circuit))
        if rule is None:
            try:
                rule = self._rules[id(group.circuit)] = ShiftRule.build(group.circuit)
            except ValueError as exc:
                raise InvalidArgument(f"plan node {self.node.id}: {exc}; use another "
                                      "method than l-bfgs-b") from exc
        return rule

    def _combine(self, values: Mapping[str, float | Dual]) -> float | Dual:
        result = evaluate(self.node.objective, values.__getitem__)
        if isinstance(result, Dual):
            return result
        if isinstance(result, bool) or not isinstance(result, int | float):
            raise InvalidArgument(
                f"plan node {self.node.id}: the objective evaluates to "
                f"{type(result).__name__}, not a number"
            )
        return float(result)
