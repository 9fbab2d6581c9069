"""``run_plan``: execute an AQO's hybrid plan on a driver, inside the job's worker.

The nodes run in program order: ``minimize`` optimises (every evaluation logged and
checked for cancellation), ``sample`` and ``sweep`` run as one driver call each;
expectation nodes are evaluated where the optimizer, a binding or the output template
needs them. The output template is then evaluated into the job's ``outputs``.

Example:
    >>> from eigen_engine.compiler.program import compile_source
    >>> from eigen_engine.drivers import get_driver
    >>> prog = compile_source(open("examples/logistics/program.eigen.py").read(), seed=7)
    >>> outcome = run_plan(prog.aqo, get_driver("aer"), RunSettings("aer", shots=1024, seed=7))
    >>> round(outcome.outputs["optimal_cost"], 4)
    -4.4361
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit
from eigen_engine.runtime.estimation import Estimator, Request, SeedStream
from eigen_engine.runtime.expressions import CountsView, evaluate
from eigen_engine.runtime.objective import Objective
from eigen_engine.runtime.optimizers import check_options, run_optimizer
from eigen_engine.runtime.plan import (
    ExpectationNode,
    MinimizeNode,
    Plan,
    SampleNode,
    SweepNode,
    read_plan,
)
from eigen_engine.runtime.progress import EvaluationLog, RunHooks

if TYPE_CHECKING:
    from eigen_engine.drivers.protocol import QDriver

__all__ = ["PlanOutcome", "RunHooks", "RunSettings", "run_plan"]

_MAX_SEED = 2**63 - 1


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How to run a plan.

    Attributes:
        device_id: A device of the driver, e.g. ``"aer"``, ``"aer:density_matrix"``,
            ``"cirq"``.
        shots: The job's shots: used by ``sample`` and counts ``sweep`` nodes that set none.
        seed: The job seed: every sampling seed and SPSA's generator derive from it.
        noise_model: Noise string (``"depolarizing:0.01"``); ``None`` for the device's.
        optimization_level: Transpiler level for sampled circuits (0 runs gates as written).
    """

    device_id: str
    shots: int
    seed: int
    noise_model: str | None = None
    optimization_level: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.device_id, str) or not self.device_id:
            raise InvalidArgument(f"device_id must be a device id, not {self.device_id!r}")
        if isinstance(self.shots, bool) or not isinstance(self.shots, int) or self.shots < 1:
            raise InvalidArgument(f"shots must be a positive integer, not {self.shots!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not (
                0 <= self.seed <= _MAX_SEED):
            raise InvalidArgument(f"seed must be an integer from 0 to 2**63-1, not {self.seed!r}")
        if self.noise_model is not None and not isinstance(self.noise_model, str):
            raise InvalidArgument(f"noise_model must be a noise string, not {self.noise_model!r}")
        if self.optimization_level not in (0, 1, 2, 3) or isinstance(self.optimization_level,
                                                                     bool):
            raise InvalidArgument(
                f"optimization_level must be 0, 1, 2 or 3, not {self.optimization_level!r}"
            )


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """What a plan run produced.

    Attributes:
        outputs: The evaluated output template (JSON-safe).
        counts: Counts of the last ``sample`` node, if any (for the histogram).
        metadata: JSON-safe: ``nodes`` (a summary per node), ``evaluations``,
            ``driver_calls``, ``simulator_seconds``, ``run_seconds``, ``device``, ``seed``.
    """

    outputs: Any
    counts: dict[str, int] | None
    metadata: dict[str, Any]


def run_plan(
    aqo: Mapping[str, Any],
    driver: QDriver,
    settings: RunSettings,
    hooks: RunHooks | None = None,
) -> PlanOutcome:
    """Run the hybrid plan of ``aqo`` on ``driver``.

    Args:
        aqo: A compiled AQO document with ``annotations.hybrid``.
        driver: The driver owning ``settings.device_id``.
        settings: Device, shots, seed, noise, optimization level.
        hooks: Receives one record per objective evaluation and is polled for cancellation
            before every evaluation.

    Raises:
        InvalidArgument: the plan is malformed, or an output cannot be evaluated.
        JobCancelled: ``hooks.cancelled()`` turned true; the records already passed to
            ``hooks.evaluation`` are the partial history.
        EigenError: driver errors, unchanged.
    """
    start = time.perf_counter()
    plan = read_plan(aqo)
    for node in plan.nodes:
        if isinstance(node, MinimizeNode):
            try:
                check_options(node.method, node.options)
            except InvalidArgument as exc:
                raise InvalidArgument(f"plan node {node.id}: {exc.message}") from None
    return _Run(plan, driver, settings, hooks, start).execute()


class _Run:
    """The state of one plan run."""

    def __init__(self, plan: Plan, driver: QDriver, settings: RunSettings,
                 hooks: RunHooks | None, start: float) -> None:
        self.plan = plan
        self.settings = settings
        self.start = start
        self.estimator = Estimator(
            driver, settings.device_id, SeedStream(settings.seed),
            noise_model=settings.noise_model, optimization_level=settings.optimization_level,
        )
        self.log = EvaluationLog(hooks, start)
        self.results: dict[str, Any] = {}
        self.points: dict[str, dict[str, float]] = {}  # expectation node -> optimum found
        self.summaries: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, int] | None = None
        self.minimized = 0

    def execute(self) -> PlanOutcome:
        for node in self.plan.nodes:
            self.log.check()
            if isinstance(node, MinimizeNode):
                self._minimize(node)
            elif isinstance(node, SampleNode):
                self._sample(node)
            elif isinstance(node, SweepNode):
                self._sweep(node)
        outputs = _json_safe(evaluate(self.plan.outputs, self._resolve), "outputs")
        metadata = {
            "device": self.settings.device_id,
            "seed": self.settings.seed,
            "noise_model": self.settings.noise_model,
            "evaluations": self.log.count,
            "driver_calls": self.estimator.calls,
            "simulator_seconds": self.estimator.seconds,
            "run_seconds": time.perf_counter() - self.start,
            "nodes": self.summaries,
        }
        return PlanOutcome(outputs, self.counts, _json_safe(metadata, "metadata"))

    # -- node values ----------------------------------------------------------------------------
    def _resolve(self, node_id: str) -> Any:
        if node_id in self.results:
            return self.results[node_id]
        node = self.plan.node(node_id)
        if not isinstance(node, ExpectationNode):
            raise InvalidArgument(f"plan node {node_id} is used before it has run")
        circuit = self.plan.circuits[node.circuit]
        point = self.points.get(node.id, {})
        row = _row(node.id, circuit, point)
        value = float(self.estimator.estimate(
            [Request(circuit, (node.observable,), row[None, :], node.shots)])[0][0, 0])
        self.results[node_id] = value
        self.summaries[node_id] = {"kind": "expectation", "value": value,
                                   "shots": node.shots, "at_optimum": bool(point)}
        return value

    # -- nodes ----------------------------------------------------------------------------------
    def _minimize(self, node: MinimizeNode) -> None:
        expectations = {n.id: n for n in self.plan.nodes if isinstance(n, ExpectationNode)}
        objective = Objective(node, expectations, self.plan.circuits, self.estimator, self.log)
        result = run_optimizer(node.method, objective, node.initial, node.options,
                               seed=(self.settings.seed, self.minimized))
        self.minimized += 1
        self.results[node.id] = result.to_json()
        optimum = dict(zip(node.parameters, result.x, strict=True))
        for ref in node.expectations:
            self.points[ref] = optimum
        self.summaries[node.id] = {
            "kind": "minimize",
            "method": result.method,
            "optimal_value": result.fun,
            "success": result.success,
            "message": result.message,
            "nit": result.nit,
            "nfev": result.nfev,
            "parameters": list(node.parameters),
            # Shots per estimate of the objective's expectation values (None: exact).
            "shots": max((n for ref in node.expectations
                          if (n := expectations[ref].shots) is not None), default=None),
        }

    def _sample(self, node: SampleNode) -> None:
        circuit = self.plan.circuits[node.circuit]
        binding = self._bindings(node, circuit)
        shots = node.shots or self.settings.shots
        counts = self.estimator.sample([circuit], [binding], shots)[0]
        self.results[node.id] = _counts_view(counts)
        self.counts = dict(sorted(counts.items()))
        self.summaries[node.id] = {"kind": "sample", "shots": shots,
                                  "seed": self.estimator.last_seed}

    def _sweep(self, node: SweepNode) -> None:
        circuit = self.plan.circuits[node.circuit]
        fixed = {p: circuit.defaults.get(p) for p in circuit.parameters
                 if p not in node.parameters}
        rows = np.array([_row(node.id, circuit, {**fixed, **dict(zip(node.parameters, r,
                                                                         strict=True))})
                         for r in node.values]).reshape(len(node.values),
                                                         len(circuit.parameters))
        result: list[Any]
        if node.observable is not None:
            values = self.estimator.estimate(
                [Request(circuit, (node.observable,), rows, node.shots)])[0][:, 0]
            result = [float(v) for v in values]
            shots = node.shots
        else:
            shots = node.shots or self.settings.shots
            bindings = [dict(zip(circuit.parameters, r.tolist(), strict=True)) for r in rows]
            result = [_counts_view(c) for c in
                      self.estimator.sample([circuit] * len(bindings), bindings, shots)]
        self.results[node.id] = result
        self.summaries[node.id] = {"kind": "sweep", "points": len(node.values),
                                   "parameters": list(node.parameters), "shots": shots,
                                   "observable": node.observable is not None}

    def _bindings(self, node: SampleNode, circuit: Circuit) -> dict[str, float] | None:
        raw = node.bindings
        if raw is None:
            return None
        source = _optimum_source(raw)
        if source is not None and isinstance(self.plan.node(source), MinimizeNode):
            minimized = self.plan.node(source)
            assert isinstance(minimized, MinimizeNode)
            x = self._resolve(source)["x"]
            return dict(zip(minimized.parameters, x, strict=True))
        value = evaluate(raw, self._resolve)
        if isinstance(value, Mapping):
            return {str(k): _number(node.id, v) for k, v in value.items()}
        if isinstance(value, list):
            if len(value) != len(circuit.parameters):
                raise InvalidArgument(
                    f"plan node {node.id}: {len(value)} parameter value(s) for a circuit with "
                    f"{len(circuit.parameters)} parameter(s) ({', '.join(circuit.parameters)})"
                )
            return {p: _number(node.id, v) for p, v in zip(circuit.parameters, value,
                                                            strict=True)}
        raise InvalidArgument(
            f"plan node {node.id}: parameters must be a list or a dict of numbers, not "
            f"{type(value).__name__}"
        )


def _optimum_source(expr: Any) -> str | None:
    """The minimize node whose optimal parameters ``expr`` is (possibly ``.tolist()``-ed)."""
    if isinstance(expr, dict) and list(expr) == ["$call"]:
        call = expr["$call"]
        if isinstance(call, list) and len(call) == 2 and call[0] == "tolist":
            expr = call[1]
    if isinstance(expr, dict) and list(expr) == ["$attr"]:
        attr = expr["$attr"]
        if (isinstance(attr, list) and len(attr) == 2 and attr[0] in ("optimal_parameters", "x")
                and isinstance(attr[1], dict) and list(attr[1]) == ["$node"]):
            ref = attr[1]["$node"]
            return ref if isinstance(ref, str) else None
    return None


def _number(node_id: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"plan node {node_id}: parameter values must be finite numbers, "
                              f"not {value!r}")
    return float(value)


def _row(node_id: str, circuit: Circuit, values: Mapping[str, float | None]) -> np.ndarray:
    """Values of ``circuit.parameters`` from ``values``, then the circuit's defaults."""
    row: list[float] = []
    missing: list[str] = []
    for p in circuit.parameters:
        v = values.get(p)
        if v is None:
            v = circuit.defaults.get(p)
        if v is None:
            missing.append(p)
        else:
            row.append(float(v))
    if missing:
        raise InvalidArgument(
            f"plan node {node_id}: parameter(s) {', '.join(missing)} have no value; give them "
            "defaults (Param(name, default)) or optimise them with minimize()"
        )
    return np.array(row, dtype=np.float64)


def static_outputs(doc: Mapping[str, Any]) -> Any:
    """The outputs of a program without a hybrid plan: its output template, which can only
    hold compile-time values (``None`` when the program returns nothing).

    Raises:
        InvalidArgument: the template refers to a plan node (it has none) or is malformed.
    """
    template = (doc.get("annotations") or {}).get("outputs")
    if template is None:
        return None

    def no_nodes(node_id: str) -> Any:
        raise InvalidArgument(f"the outputs refer to plan node {node_id}, but the program "
                              "has no hybrid plan")

    return _json_safe(evaluate(template, no_nodes), "outputs")


def _counts_view(counts: Mapping[str, int]) -> CountsView:
    width = len(next(iter(counts))) if counts else 0
    return CountsView(dict(sorted(counts.items())), width)


def _json_safe(value: Any, path: str) -> Any:
    """A JSON-safe copy of ``value``: plain dicts, lists, finite floats, ints, str, bool, None.

    Raises:
        InvalidArgument: a non-finite number or a value JSON cannot hold.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"{path} is {value}, not a finite number")
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_json_safe(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise InvalidArgument(f"{path} is a {type(value).__name__}, which a result cannot hold")
