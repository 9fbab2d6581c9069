"""Noise strings: parsing, canonical form, and the messages for bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eigen_engine.drivers.noise import NoiseSpec, ThermalRelaxation, parse_noise
from eigen_engine.errors import InvalidArgument


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("depolarizing:0.001", NoiseSpec(depolarizing=0.001)),
        ("readout:0.02", NoiseSpec(readout=0.02)),
        ("thermal:50e-6,70e-6,50e-9", NoiseSpec(thermal=ThermalRelaxation(50e-6, 70e-6, 50e-9))),
        (
            " Readout:0.02 + depolarizing:1e-3 ",
            NoiseSpec(depolarizing=0.001, readout=0.02),
        ),
        ("depolarizing:0", NoiseSpec(depolarizing=0.0)),
        ("none", NoiseSpec()),
        ("", NoiseSpec()),
        (None, NoiseSpec()),
    ],
    ids=["depolarizing", "readout", "thermal", "combined-spaced", "zero", "none", "empty",
         "missing"],
)
def test_good_noise_strings(text: str | None, expected: NoiseSpec) -> None:
    assert parse_noise(text) == expected


def test_canonical_string_orders_parts() -> None:
    spec = parse_noise("thermal:5e-05,7e-05,5e-08+readout:0.02+depolarizing:0.001")
    assert str(spec) == "depolarizing:0.001+readout:0.02+thermal:5e-05,7e-05,5e-08"
    assert str(NoiseSpec()) == "none"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("depolarising:0.1", r"unknown noise kind 'depolarising'.*did you mean 'depolarizing'"),
        ("amplitude:0.1", r"unknown noise kind 'amplitude'.*known kinds: depolarizing"),
        ("depolarizing:1.5", r"depolarizing noise: probability must be in \[0, 1\], not 1.5"),
        ("readout:-0.1", r"readout noise: probability must be in \[0, 1\]"),
        ("readout:abc", r"readout noise: probability 'abc' is not a finite number"),
        ("readout:nan", r"not a finite number"),
        ("readout", r"readout noise needs parameters: write readout:P"),
        ("thermal:50e-6,70e-6", r"thermal noise takes three values, got 2"),
        ("thermal:50e-6,200e-6,50e-9", r"exceeds 2\*T1.*use T2 <= 2\*T1"),
        ("thermal:0,1e-6,1e-9", r"T1 must be a positive time"),
        ("thermal:1e-5,1e-5,-1", r"gate time must be >= 0"),
        ("readout:0.1+readout:0.2", r"readout noise is given twice"),
        ("readout:0.1+", r"empty part"),
    ],
    ids=["typo", "unknown", "p-above-1", "p-negative", "not-a-number", "nan", "no-args",
         "thermal-two-values", "t2-too-long", "t1-zero", "negative-gate-time", "duplicate",
         "trailing-plus"],
)
def test_bad_noise_strings_name_the_part_and_the_fix(text: str, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        parse_noise(text)


def test_spec_flags() -> None:
    assert NoiseSpec().is_ideal
    assert parse_noise("depolarizing:0").is_ideal
    assert not parse_noise("readout:0.1").has_quantum_channels
    assert parse_noise("thermal:1e-5,1e-5,1e-8").has_quantum_channels
    assert not parse_noise("thermal:1e-5,1e-5,0").has_quantum_channels


def test_thermal_parameters_combine_to_t2() -> None:
    t = ThermalRelaxation(50e-6, 70e-6, 1e-6)
    coherence = math.sqrt(1 - t.excited_decay) * math.sqrt(1 - t.pure_dephasing)
    assert coherence == pytest.approx(math.exp(-1e-6 / 70e-6))
    assert 1 - t.excited_decay == pytest.approx(math.exp(-1e-6 / 50e-6))


@given(
    depolarizing=st.none() | st.floats(0, 1),
    readout=st.none() | st.floats(0, 1),
    t1=st.floats(1e-7, 1e-3),
    ratio=st.floats(0.01, 2.0),
    gate_time=st.floats(0, 1e-6),
    thermal=st.booleans(),
)
def test_canonical_string_round_trips(
    depolarizing: float | None, readout: float | None, t1: float, ratio: float,
    gate_time: float, thermal: bool,
) -> None:
    relax = ThermalRelaxation(t1, min(t1 * ratio, 2 * t1), gate_time) if thermal else None
    spec = NoiseSpec(depolarizing, readout, relax)
    assert parse_noise(str(spec)) == spec
