"""Names reserved for later Eigen-Lang versions (the compiler rejects them with E305)."""

from __future__ import annotations

from typing import Any

from eigen_lang._errors import NotCompiledError

__all__ = ["QuantumModel", "SupervisedTask", "load_dataset"]


class QuantumModel:
    """Reserved for a later version: quantum machine-learning models."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotCompiledError("QuantumModel (not yet supported)")


class SupervisedTask:
    """Reserved for a later version: supervised learning tasks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotCompiledError("SupervisedTask (not yet supported)")


def load_dataset(source: str, **options: Any) -> Any:
    """Reserved for a later version: dataset references."""
    raise NotCompiledError("load_dataset (not yet supported)")
