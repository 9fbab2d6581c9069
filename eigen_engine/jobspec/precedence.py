"""Option precedence: flags > JobSpec > ``@hybrid_program`` defaults > built-in defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eigen_engine.jobspec.model import DEFAULTS, JobOptions, JobSpec, ResolvedOptions


def merge_options(
    spec_options: JobSpec | JobOptions | Mapping[str, Any] | None,
    flags: JobOptions | Mapping[str, Any] | None = None,
    source_defaults: JobOptions | Mapping[str, Any] | None = None,
) -> ResolvedOptions:
    """Resolve job options: flags > JobSpec > ``@hybrid_program`` defaults > :data:`DEFAULTS`.

    Each of target, shots, seed, priority, noise_model and optimization_level comes from the
    highest layer that sets it; ``inputs`` are merged per key with the same precedence.

    Example:
        >>> r = merge_options({"shots": 100}, {"seed": 7}, {"shots": 10, "target": "aer"})
        >>> r.shots, r.seed, r.target, r.origins["target"]
        (100, 7, 'aer', 'source')

    Raises:
        InvalidArgument: a mapping layer holds an unknown key or a bad value.
    """
    layers = [
        ("flags", _as_options(flags, "flags")),
        ("jobspec", _as_options(spec_options, "jobspec")),
        ("source", _as_options(source_defaults, "source")),
    ]
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, default in DEFAULTS.items():
        values[key], origins[key] = default, "default"
        for layer, options in layers:
            value = getattr(options, key)
            if value is not None:
                values[key], origins[key] = value, layer
                break
    inputs: dict[str, Any] = {}
    for layer, options in reversed(layers):
        for name, value in options.inputs.items():
            inputs[name] = value
            origins[f"inputs.{name}"] = layer
    return ResolvedOptions(inputs=inputs, origins=origins, **values)


def _as_options(layer: JobSpec | JobOptions | Mapping[str, Any] | None, name: str) -> JobOptions:
    if layer is None:
        return JobOptions()
    if isinstance(layer, JobSpec):
        return layer.options()
    if isinstance(layer, JobOptions):
        return layer
    return JobOptions.from_mapping(layer, layer=name)
