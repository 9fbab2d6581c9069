"""Loose caller input (circuits, shots, seeds, bindings, options) coerced once at the boundary."""

from __future__ import annotations

import difflib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eigen_engine.errors import InvalidArgument
from eigen_engine.ir.aqo import Circuit, circuit_from_aqo
from eigen_engine.ir.gates import MEASURE

__all__ = [
    "MAX_SEED",
    "MAX_SHOTS",
    "ExecuteOptions",
    "check_optimization_level",
    "check_seed",
    "check_shots",
    "coerce_circuit",
    "has_measurement",
    "parameter_values",
    "parse_execute_options",
    "suggest",
]

MAX_SHOTS = 10_000_000
MAX_SEED = 2**63 - 1  # Aer takes signed 64-bit seeds
_OPTION_KEYS = ("seed", "noise_model", "bindings", "optimization_level", "provider_profile")


def suggest(word: str, choices: Sequence[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def coerce_circuit(aqo: Mapping[str, Any] | Circuit | str | bytes) -> Circuit:
    """Return the circuit to run: a :class:`Circuit` as is, otherwise an AQO document's main
    circuit (a mapping, or its JSON text/bytes).

    Raises:
        InvalidArgument: the document is not valid AQO.
        TypeError: ``aqo`` is none of the accepted types.
    """
    if isinstance(aqo, Circuit):
        return aqo
    if isinstance(aqo, str | bytes):
        try:
            aqo = json.loads(aqo)
        except ValueError as exc:
            raise InvalidArgument(f"AQO is not valid JSON: {exc}") from exc
    if not isinstance(aqo, Mapping):
        raise TypeError(f"expected an AQO document or a Circuit, not {type(aqo).__name__}")
    return circuit_from_aqo(aqo)


def check_shots(shots: object) -> int:
    """Return ``shots`` as an int in ``[1, MAX_SHOTS]``.

    Raises:
        InvalidArgument: it is not such an integer.
    """
    if isinstance(shots, bool) or not isinstance(shots, int) or not 1 <= shots <= MAX_SHOTS:
        raise InvalidArgument(f"shots must be an integer from 1 to {MAX_SHOTS:,}, not {shots!r}")
    return shots


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int in ``[0, MAX_SEED]``; ``None`` draws a fresh random seed
    (reported back in results, so the run can be repeated).

    Raises:
        InvalidArgument: it is not such an integer.
    """
    if seed is None:
        return secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidArgument(f"seed must be an integer from 0 to {MAX_SEED}, not {seed!r}")
    return seed


def check_optimization_level(level: object) -> int:
    """Return the transpiler optimization level (0-3).

    Raises:
        InvalidArgument: it is not 0, 1, 2 or 3.
    """
    if isinstance(level, bool) or level not in (0, 1, 2, 3):
        raise InvalidArgument(f"optimization_level must be 0, 1, 2 or 3, not {level!r}")
    assert isinstance(level, int)
    return level


@dataclass(frozen=True, slots=True)
class ExecuteOptions:
    """The options of ``execute_circuit``, checked.

    Attributes:
        seed: Sampling seed (``None``: a fresh one is drawn).
        noise_model: Noise string, or ``None`` for the device's configured noise.
        bindings: Parameter values by name.
        optimization_level: Transpiler optimization level; 0 runs the gates as written.
    """

    seed: int | None = None
    noise_model: str | None = None
    bindings: Mapping[str, float] | None = None
    optimization_level: int = 0


def parse_execute_options(options: Mapping[str, Any] | None) -> ExecuteOptions:
    """Check the ``options`` mapping of ``execute_circuit``.

    String values are accepted where RFC 0006 callers send strings (``"seed": "7"``).
    ``provider_profile`` (upstream kernels send ``"simulator"``) is accepted and ignored.

    Raises:
        InvalidArgument: an unknown key or a bad value.
    """
    if not options:
        return ExecuteOptions()
    for key in options:
        if key not in _OPTION_KEYS:
            raise InvalidArgument(
                f"unknown execute option {key!r}{suggest(str(key), _OPTION_KEYS)}; "
                f"options are {', '.join(_OPTION_KEYS)}"
            )
    seed = options.get("seed")
    if isinstance(seed, str) and seed.strip().isdigit():
        seed = int(seed)
    level = options.get("optimization_level", 0)
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level)
    noise = options.get("noise_model")
    if noise is not None and not isinstance(noise, str):
        raise InvalidArgument(f"noise_model must be a noise string, not {noise!r}")
    bindings = options.get("bindings")
    if bindings is not None and not isinstance(bindings, Mapping):
        raise InvalidArgument(f"bindings must map parameter names to numbers, not {bindings!r}")
    return ExecuteOptions(
        seed=None if seed is None else check_seed(seed),
        noise_model=noise,
        bindings=bindings,
        optimization_level=check_optimization_level(level),
    )


def parameter_values(circuit: Circuit, bindings: Mapping[str, float] | None) -> tuple[float, ...]:
    """Values for ``circuit.parameters`` in order: ``bindings`` first, then the circuit's
    defaults. Names the circuit does not use are ignored (a program's bindings may cover
    several circuits).

    Raises:
        InvalidArgument: a parameter has no value, or a value is not a finite number.
    """
    values: list[float] = []
    missing: list[str] = []
    given = bindings or {}
    for name in circuit.parameters:
        raw = given.get(name, circuit.defaults.get(name))
        if raw is None:
            missing.append(name)
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise InvalidArgument(
                f"parameter {name!r} must be bound to a finite number, not {raw!r}"
            )
        values.append(float(raw))
    if missing:
        raise InvalidArgument(
            f"circuit parameter(s) {', '.join(missing)} have no value; pass them in "
            "bindings, e.g. {" + ", ".join(f"{n!r}: 0.0" for n in missing[:3]) + "}"
        )
    return tuple(values)


def has_measurement(circuit: Circuit) -> bool:
    """True if any operation of ``circuit`` is a MEASURE."""
    return any(op.op == MEASURE for op in circuit.operations)
