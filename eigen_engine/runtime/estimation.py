"""Expectation values and counts from a driver, batched: one driver call per batch.

An :class:`Estimator` serves one job. Exact values (``shots=None``) come from
``driver.expectation_values`` (many parameter rows in one call); sampled values from the
counts of basis-rotated circuits (:mod:`.measurement`), every circuit and row of a batch in
one ``driver.sample_batch`` call. Circuits and measurement plans are built once per job;
the driver caches the native circuit, so an evaluation only binds parameters.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.observable import PauliSum
from eigen_engine.runtime.measurement import MeasurementPlan

if TYPE_CHECKING:
    from eigen_engine.drivers.protocol import QDriver

__all__ = ["Estimator", "Request", "SeedStream"]


class SeedStream:
    """Seeds for successive sampling calls, derived from the job seed.

    Call ``n`` gets ``SeedSequence([seed, n])``'s first 32-bit word, so the same job seed and
    the same sequence of calls give the same seeds, and successive calls are independent.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.count = 0

    def next(self) -> int:
        """Return the seed of the next sampling call."""
        state = np.random.SeedSequence([self.seed, self.count]).generate_state(1, np.uint32)
        self.count += 1
        return int(state[0])


@dataclass(frozen=True, slots=True, eq=False)
class Request:
    """Values of ``observables`` of ``circuit`` at each row of ``rows``.

    Attributes:
        circuit: The circuit (final measurements are ignored).
        observables: The observables, each as wide as the circuit.
        rows: ``(k, len(circuit.parameters))`` parameter values, in circuit order.
        shots: ``None`` for exact values, else shots per measurement setting.
    """

    circuit: Circuit
    observables: tuple[PauliSum, ...]
    rows: np.ndarray
    shots: int | None


class Estimator:
    """Runs :class:`Request` batches and sampling jobs on one device for one job.

    Args:
        driver: The driver.
        device_id: The device.
        seeds: Where sampling seeds come from.
        noise_model: Noise string, or ``None`` for the device's.
        optimization_level: Transpiler level for sampled circuits.

    Attributes:
        calls: Driver calls made.
        seconds: Wall time spent inside the driver.
        last_seed: The seed of the latest sampling call.
    """

    def __init__(
        self,
        driver: QDriver,
        device_id: str,
        seeds: SeedStream,
        *,
        noise_model: str | None = None,
        optimization_level: int = 0,
    ) -> None:
        self.driver = driver
        self.device_id = device_id
        self.seeds = seeds
        self.noise_model = noise_model
        self.optimization_level = optimization_level
        self.calls = 0
        self.seconds = 0.0
        self.last_seed: int | None = None
        # id(circuit) -> (circuit, observables, plan): the circuit is kept alive with its plan
        self._plans: dict[tuple[int, tuple[PauliSum, ...]],
                          tuple[Circuit, MeasurementPlan]] = {}

    def measurement_plan(self, circuit: Circuit,
                         observables: tuple[PauliSum, ...]) -> MeasurementPlan:
        """The (cached) measurement settings for sampling ``observables`` of ``circuit``."""
        key = (id(circuit), observables)
        entry = self._plans.get(key)
        if entry is None:
            entry = self._plans[key] = (circuit, MeasurementPlan.build(circuit, observables))
        return entry[1]

    def estimate(self, requests: Sequence[Request]) -> list[np.ndarray]:
        """Values for every request, each ``(len(rows), len(observables))``.

        Each exact request is one ``expectation_values`` call; all sampled requests with
        the same shot count together are one ``sample_batch`` call.
        """
        out: list[np.ndarray] = [np.empty(0)] * len(requests)
        by_shots: dict[int, list[tuple[int, MeasurementPlan]]] = {}
        for i, r in enumerate(requests):
            if r.shots is None:
                out[i] = self._exact(r)
            else:
                plan = self.measurement_plan(r.circuit, r.observables)
                by_shots.setdefault(r.shots, []).append((i, plan))
        for shots, items in by_shots.items():
            circuits: list[Circuit] = []
            bindings: list[Mapping[str, float]] = []
            for i, plan in items:
                names = requests[i].circuit.parameters
                for row in requests[i].rows:
                    binding = dict(zip(names, row.tolist(), strict=True))
                    circuits += [g.circuit for g in plan.groups]
                    bindings += [binding] * len(plan.groups)
            counts = self.sample(circuits, bindings, shots)
            position = 0
            for i, plan in items:
                size = len(plan.groups)
                values = np.empty((len(requests[i].rows), len(requests[i].observables)))
                for k in range(len(requests[i].rows)):
                    values[k] = plan.combine(counts[position:position + size])
                    position += size
                out[i] = values
        return out

    def _exact(self, r: Request) -> np.ndarray:
        start = time.perf_counter()
        try:
            values = self.driver.expectation_values(
                self.device_id, r.circuit, r.observables, r.rows, noise_model=self.noise_model
            )
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - start
        return np.asarray(values, dtype=np.float64)

    def sample(self, circuits: Sequence[Circuit], bindings: Sequence[Mapping[str, float] | None],
               shots: int) -> list[dict[str, int]]:
        """Counts of each circuit under its bindings: one ``sample_batch`` call."""
        if not circuits:
            return []
        seed = self.last_seed = self.seeds.next()
        start = time.perf_counter()
        try:
            results = self.driver.sample_batch(
                self.device_id, circuits, bindings, shots, seed=seed,
                noise_model=self.noise_model, optimization_level=self.optimization_level,
            )
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - start
        return [dict(r.counts) for r in results]
