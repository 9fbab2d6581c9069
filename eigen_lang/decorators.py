"""The four Eigen-Lang decorators; applying them only marks the function (no side effects)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

__all__ = ["ansatz", "cost_function", "hybrid_program", "quantum_circuit"]

F = TypeVar("F", bound=Callable[..., Any])


def _mark(func: F, kind: str, options: dict[str, Any]) -> F:
    func.__eigen_lang_kind__ = kind  # type: ignore[attr-defined]
    func.__eigen_lang_options__ = dict(options)  # type: ignore[attr-defined]
    return func


@overload
def hybrid_program(_func: F) -> F: ...
@overload
def hybrid_program(
    _func: None = None,
    *,
    compiler: str | None = None,
    target: str | None = None,
    shots: int | None = None,
    optimization_level: int | None = None,
    seed: int | None = None,
    noise_model: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Callable[[F], F]: ...
def hybrid_program(_func: Any = None, **options: Any) -> Any:
    """Mark the program's entrypoint (exactly one per program).

    Its keyword arguments are the lowest-precedence job options: flags and JobSpec override
    them. Its parameters, with literal defaults, are the program's inputs.

    Example:
        >>> @hybrid_program(target="simulator", shots=1024)
        ... def bell():
        ...     h(0)
        ...     cx(0, 1)
    """
    if _func is not None:
        return _mark(_func, "hybrid_program", {})
    return lambda func: _mark(func, "hybrid_program", options)


def quantum_circuit(func: F) -> F:
    """Mark a function whose gates are inlined where it is called."""
    return _mark(func, "quantum_circuit", {})


def ansatz(func: F) -> F:
    """Mark a parameterised circuit; arguments not passed become symbolic parameters."""
    return _mark(func, "ansatz", {})


def cost_function(func: F) -> F:
    """Mark a function returning an ``ExpectationValue`` (or arithmetic of them) to minimise."""
    return _mark(func, "cost_function", {})
