"""Resource limits of compilation (LANGUAGE.md "Limits"); hitting one is RESOURCE_EXHAUSTED."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits applied while compiling one program.

    Attributes:
        max_source_bytes: Largest accepted source.
        max_ast_depth: Deepest accepted syntax tree.
        max_fuel: Interpreter steps (deterministic, never wall time).
        max_operations: Gate operations over all circuits.
        max_sequence: Elements in any list, tuple, dict, range or array.
        max_int_bits: Bits of the largest integer an operation may produce.
        max_string: Characters in any string.
        max_inline_depth: Nested calls of user functions.
        max_qubit_index: Exclusive upper bound of qubit indices.
    """

    max_source_bytes: int = 256 * 1024
    max_ast_depth: int = 200
    max_fuel: int = 10_000_000
    max_operations: int = 1_000_000
    max_sequence: int = 1_000_000
    max_int_bits: int = 64
    max_string: int = 100_000
    max_inline_depth: int = 64
    max_qubit_index: int = 100_000

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"limit {name} must be a positive integer, got {value!r}")


DEFAULT_LIMITS = Limits()
