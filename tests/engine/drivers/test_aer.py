"""Aer-specific behaviour: native-circuit cache, optimization levels, the binding workaround."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from eigen_engine.drivers import aer as aer_module
from eigen_engine.drivers.aer import AerDriver
from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit
from eigen_engine.ir.observable import PauliSum

Build = Callable[..., Circuit]


def test_native_circuit_is_built_once(circuit: Build) -> None:
    driver = AerDriver()
    bell = circuit(2, [("H", 0), ("CX", 0, 1)])
    first = driver.execute_circuit("aer", bell, 10, {"seed": 1})
    second = driver.execute_circuit("aer", bell, 10, {"seed": 2})
    noisy = driver.execute_circuit("aer", bell, 10, {"seed": 2, "noise_model": "depolarizing:0.1"})
    readout = driver.execute_circuit("aer", bell, 10, {"seed": 2, "noise_model": "readout:0.1"})
    assert not first.metadata["transpile_cached"]
    assert second.metadata["transpile_cached"]
    assert not noisy.metadata["transpile_cached"]  # noise channels change the circuit
    assert readout.metadata["transpile_cached"]  # readout noise does not
    driver.initialize({})
    assert not driver.execute_circuit("aer", bell, 10, {"seed": 1}).metadata["transpile_cached"]


@pytest.mark.parametrize("level", [1, 2, 3], ids=["O1", "O2", "O3"])
def test_optimization_levels_keep_the_distribution(circuit: Build, level: int) -> None:
    driver = AerDriver()
    qc = circuit(3, [("H", 0), ("CX", 0, 1), ("CX", 0, 1), ("CRY", 0, 2, {"theta": "t"}),
                     ("H", 1), ("H", 1)])
    shots = 4000
    result = driver.execute_circuit(
        "aer", qc, shots, {"seed": 5, "optimization_level": level, "bindings": {"t": 1.0}}
    )
    assert result.metadata["optimization_level"] == level
    assert set(result.counts) <= {"000", "001", "101"}
    p_101 = 0.5 * np.sin(0.5) ** 2
    assert abs(result.counts.get("101", 0) / shots - p_101) < 0.03


def test_bind_by_copy_fallback_is_exact(
    circuit: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the decomposition switched off, symbolic controlled rotations reach Aer and the
    driver must bind them by copying (qiskit-aer #2323/#2391/#2403)."""
    monkeypatch.setattr(aer_module, "_DECOMPOSED", frozenset())
    qc = circuit(2, [("H", 0), ("CRX", 0, 1, {"theta": "a"}), ("CP", 0, 1, {"theta": "2*a"})])
    obs = [PauliSum.single("Z", 1), PauliSum.single("X", 0)]
    rows = np.array([[0.4], [2.5]])
    driver = AerDriver()
    fallback = driver.expectation_values("aer", qc, obs, rows)
    counts = driver.execute_circuit("aer", qc, 200, {"seed": 1, "bindings": {"a": np.pi}}).counts
    assert set(counts) == {"00", "11"}  # CRX(pi) flips the target whenever the control is 1
    monkeypatch.undo()
    decomposed = AerDriver().expectation_values("aer", qc, obs, rows)
    np.testing.assert_allclose(fallback, decomposed, atol=1e-12)
    np.testing.assert_allclose(fallback[:, 0], 0.5 + 0.5 * np.cos(rows[:, 0]), atol=1e-12)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"max_parallel_threads": -1}, "max_parallel_threads"),
        ({"noise": "readout:0.1"}, "did you mean 'noise_model'"),
        ({"noise_model": "readout:2"}, r"\[0, 1\]"),
        ({"cache_size": 0}, "cache_size"),
    ],
    ids=["threads", "typo", "bad-noise", "cache-size"],
)
def test_bad_config_is_rejected(config: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        AerDriver(config)


def test_batch_survives_a_pass_removing_a_parameter(circuit: Build) -> None:
    """Level 3 drops RZ(a) before a measurement; every binding must still get its own run."""
    qc = circuit(1, [("H", 0), ("RZ", 0, {"theta": "a"}), ("MEASURE", [0], [0])])
    bindings: list[dict[str, float] | None] = [{"a": 0.1}, {"a": 0.2}, {"a": 0.3}]
    results = AerDriver().sample_batch("aer", [qc] * 3, bindings, 100, seed=1, optimization_level=3)
    plain = AerDriver().sample_batch("aer", [qc] * 3, bindings, 100, seed=1)
    assert [r.counts for r in results] == [r.counts for r in plain]
