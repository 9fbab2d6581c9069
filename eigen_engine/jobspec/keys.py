"""The keys a JobSpec may hold; unknown ones are warned about with a did-you-mean."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from eigen_engine.jobspec.problems import _Problems

# Every key a JobSpec may hold: a dict is a section whose keys are checked, None a leaf (or a
# free-form mapping). Unknown keys are warnings, as upstream ignores them (RFC 0003).
_KNOWN: dict[str, Any] = {
    "apiVersion": None,
    "kind": None,
    "metadata": dict.fromkeys(("name", "namespace", "labels", "annotations")),
    "spec": {
        **dict.fromkeys(
            "target priority entrypoint program_path compiler compiler_options metadata "  # noqa: SIM905
            "parameters dependencies shots seed inputs noise_model".split()
        ),
        "program": dict.fromkeys(("path", "source", "entrypoint", "uri", "sha256")),
        "workload": dict.fromkeys(
            "kind workload_kind execution_profile executionProfile replayable backend_target "  # noqa: SIM905
            "backendTarget topology execution_topology topology_hints artifact_lineage "
            "artifactLineage observability security seed pipeline replay".split()
        ),
    },
    "scheduling": dict.fromkeys(("priority", "policy", "affinity")),
    "security": dict.fromkeys(("sandbox", "filesystem", "network", "artifacts")),
    "observability": dict.fromkeys(("tracing", "metrics", "explainability_level")),
    "runtime": {
        "mode": None,
        "retry": dict.fromkeys(("max_attempts", "backoff")),
        "timeout": dict.fromkeys(("queue_seconds", "execution_seconds", "result_seconds")),
        "replay": dict.fromkeys(("enabled", "deterministic_seed")),
    },
    "resources": dict.fromkeys(("cpu", "memory_mb", "gpu", "quantum")),
    "artifacts": dict.fromkeys(("persist_results", "retention")),
}


def _check_keys(node: Mapping[Any, Any], known: dict[str, Any], path: str, p: _Problems) -> None:
    """Warn about unknown keys, recursively through the known sections."""
    for key, value in node.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in known:
            p.warn(where, "unknown key, ignored" + _suggest(str(key), known, path))
        elif isinstance(known[key], dict) and isinstance(value, Mapping):
            _check_keys(value, known[key], where, p)


def _suggest(key: str, siblings: dict[str, Any], path: str) -> str:
    close = _did_you_mean(key, siblings)
    if close:
        return close
    # A known key in the wrong section (e.g. spec.security instead of security): the
    # shallowest place it is known at.
    places = [p for p in _known_paths(_KNOWN, "") if p.rsplit(".", 1)[-1] == key]
    return f"; did you mean {min(places, key=lambda p: p.count('.'))}?" if places else ""


def _known_paths(known: dict[str, Any], prefix: str) -> list[str]:
    out: list[str] = []
    for key, sub in known.items():
        place = f"{prefix}.{key}" if prefix else key
        out.append(place)
        if isinstance(sub, dict):
            out.extend(_known_paths(sub, place))
    return out


def _did_you_mean(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""
