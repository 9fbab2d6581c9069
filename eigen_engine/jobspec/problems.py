"""How JobSpec violations are collected, worded and raised as :class:`JobSpecError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from eigen_engine.errors import ErrorDetail, JobSpecError


class _Problems:
    """Violations and warnings collected while reading a JobSpec."""

    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []
        self.warnings: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.details.append(ErrorDetail(field=path, message=message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}")

    def summary(self, title: str) -> str:
        count = len(self.details)
        lines = [f"{title} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  {d.field}: {d.message}" for d in self.details]
        return "\n".join(lines)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, Mapping):
        text = "a mapping"
    elif isinstance(value, list):
        text = "a list"
    return text if len(text) <= 60 else text[:57] + "..."


def _too_large(what: str, size: int, limit: int) -> str:
    return f"{what} is {size:,} bytes; the limit is {limit:,} bytes"


def _single_error(field_name: str, message: str) -> JobSpecError:
    return JobSpecError(f"{field_name}: {message}", details=[ErrorDetail(field_name, message)])


def _yaml_error(filename: str, exc: yaml.YAMLError) -> JobSpecError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    where = f" (line {line}, column {col})" if line is not None else ""
    message = f"must be valid YAML: {problem}{where}"
    return JobSpecError(
        f"{filename}: {message}",
        details=[ErrorDetail(field=filename, message=message, line=line, col=col)],
    )
