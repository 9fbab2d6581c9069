"""A tiny benchmark harness: warm-up, repeated runs, median/min/max, side-by-side ratios.

Benchmarks are scripts, not tests: they print a human table and one JSON line per run, and
never assert on time. Usage::

    from harness import Suite
    suite = Suite("compile")
    ref = suite.measure("ast.parse", lambda: ast.parse(src), repeat=20)
    ours = suite.measure("compile_source", lambda: compile_source(src), repeat=20)
    suite.ratio("compile / parse", ours, ref, target="<= 2.5")
    suite.report()
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Measurement", "Suite"]


@dataclass(frozen=True)
class Measurement:
    """Timings of one measured callable, in seconds."""

    name: str
    runs: int
    median: float
    minimum: float
    maximum: float
    p95: float

    def line(self) -> str:
        """One human-readable row."""
        return (f"  {self.name:<44} median {self.median * 1e3:9.3f} ms   min "
                f"{self.minimum * 1e3:9.3f}   max {self.maximum * 1e3:9.3f}   p95 "
                f"{self.p95 * 1e3:9.3f}   (n={self.runs})")


@dataclass
class Suite:
    """A group of measurements printed together."""

    title: str
    measurements: list[Measurement] = field(default_factory=list)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def measure(self, name: str, fn: Callable[[], Any], *, repeat: int = 10, warmup: int = 2,
                setup: Callable[[], Any] | None = None) -> Measurement:
        """Time ``fn`` ``repeat`` times after ``warmup`` untimed calls (``setup`` untimed)."""
        for _ in range(warmup):
            if setup:
                setup()
            fn()
        times = []
        for _ in range(repeat):
            if setup:
                setup()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        times.sort()
        m = Measurement(name, repeat, statistics.median(times), times[0], times[-1],
                        times[min(len(times) - 1, int(0.95 * len(times)))])
        self.measurements.append(m)
        print(m.line(), flush=True)
        return m

    def record(self, name: str, samples: list[float]) -> Measurement:
        """Add externally collected samples (seconds)."""
        samples = sorted(samples)
        m = Measurement(name, len(samples), statistics.median(samples), samples[0], samples[-1],
                        samples[min(len(samples) - 1, int(0.95 * len(samples)))])
        self.measurements.append(m)
        print(m.line(), flush=True)
        return m

    def ratio(self, name: str, ours: Measurement, reference: Measurement,
              target: str = "") -> float:
        """Record ``ours.median / reference.median`` (lower is better)."""
        r = ours.median / reference.median if reference.median else float("inf")
        self.ratios.append({"name": name, "ratio": r, "target": target,
                            "ours": ours.name, "reference": reference.name})
        print(f"  ratio {name:<38} {r:8.3f}x   {('target ' + target) if target else ''}",
              flush=True)
        return r

    def note(self, text: str) -> None:
        """Print and keep a free-form line."""
        self.notes.append(text)
        print(f"  {text}", flush=True)

    def report(self) -> None:
        """Print the machine-readable JSON line."""
        print("BENCH-JSON " + json.dumps({
            "suite": self.title,
            "python": sys.version.split()[0],
            "measurements": [asdict(m) for m in self.measurements],
            "ratios": self.ratios,
            "notes": self.notes,
        }), flush=True)
