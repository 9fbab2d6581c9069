"""Checks for option values (priority, shots, seed, optimization level, names, inputs)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from eigen_engine.jobspec.problems import _Problems, _show

MAX_SHOTS = 100_000_000


def _option(key: str, value: Any, path: str, problems: _Problems) -> Any:
    """Validate one option value; record a problem and return ``None`` when it is bad."""
    if key == "priority":
        return _int(value, path, problems, 0, 100, "must be an integer from 0 to 100")
    if key == "shots":
        return _int(
            value, path, problems, 1, MAX_SHOTS, f"must be a positive integer (1 to {MAX_SHOTS:,})"
        )
    if key == "seed":
        return _int(value, path, problems, 0, 2**63 - 1, "must be an integer >= 0")
    if key == "optimization_level":
        return _int(value, path, problems, 0, 3, "must be 0, 1, 2 or 3")
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.error(path, f"must be a non-empty string, got {_show(value)}")
    return None


def _int(value: Any, path: str, problems: _Problems, low: int, high: int, rule: str) -> int | None:
    """An integer in ``[low, high]``; numeric strings (``"8192"``) are accepted, booleans not."""
    number: Any = value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        problems.error(path, f"{rule}, got {_show(value)}")
        return None
    return number


def _inputs(value: Any, path: str, problems: _Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.error(path, f"must be a mapping of input name to value, got {_show(value)}")
        return None
    out: dict[str, Any] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not name.isidentifier():
            problems.error(f"{path}.{name}", "input names must be Python identifiers")
        elif not _is_json(item):
            problems.error(f"{path}.{name}", f"must be plain data, got {_show(item)}")
        else:
            out[name] = item
    return out


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True
