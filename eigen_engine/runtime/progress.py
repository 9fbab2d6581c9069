"""Progress of a run: one record per objective evaluation, and cancellation checks.

The hooks are the engine's: records go to ``iterations.jsonl`` and the live job state,
``cancelled()`` is polled before every batch of evaluations and between the records of a
batch, so a cancel takes effect within one evaluation and the records already handed over
are exactly the partial history.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from eigen_engine.errors import JobCancelled

__all__ = ["EvaluationLog", "RunHooks"]


class RunHooks(Protocol):
    """What the engine gives a run to follow and stop it."""

    def evaluation(self, record: Mapping[str, Any]) -> None:
        """Called once per objective evaluation, in order, with a JSON-safe record:
        ``index`` (0-based across the job), ``node``, ``iteration`` (iterations the
        optimizer had completed), ``parameters``, ``value``, ``best_value`` (lowest value of
        this node so far), ``time`` (seconds since the run started)."""
        ...

    def cancelled(self) -> bool:
        """True once the job should stop; polled between evaluations."""
        ...


class EvaluationLog:
    """Numbers the evaluations of a run, keeps each node's history, relays them to hooks.

    Attributes:
        count: Evaluations recorded so far (across the run).
        histories: Each node's objective values, in evaluation order.
    """

    def __init__(self, hooks: RunHooks | None, start: float) -> None:
        self.hooks = hooks
        self.start = start
        self.count = 0
        self.histories: dict[str, list[float]] = {}
        self._best: dict[str, float] = {}

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the hooks say the job was cancelled."""
        if self.hooks is not None and self.hooks.cancelled():
            raise JobCancelled(f"the run was cancelled after {self.count} evaluation(s)")

    def record(self, node: str, iteration: int, parameters: Sequence[float],
               value: float) -> None:
        """Log one evaluation of ``node``'s objective."""
        self.histories.setdefault(node, []).append(value)
        best = self._best[node] = min(self._best.get(node, value), value)
        if self.hooks is not None:
            self.hooks.evaluation({
                "index": self.count,
                "node": node,
                "iteration": iteration,
                "parameters": [float(p) for p in parameters],
                "value": value,
                "best_value": best,
                "time": time.perf_counter() - self.start,
            })
        self.count += 1
