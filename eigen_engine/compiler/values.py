"""Compile-time values the interpreter can produce besides plain Python data.

Plain data (int, float, bool, str, None, list, tuple, dict, numpy arrays) is represented by
itself. Everything else a program can touch is one of the classes here, so the interpreter
always knows what a value is and what may be done with it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eigen_engine.ir.params import ParamExpr

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = [
    "AnsatzValue",
    "BuiltinFunction",
    "CallArgs",
    "CircuitRef",
    "ClassicalRegisterValue",
    "Clbit",
    "FunctionValue",
    "ModuleValue",
    "QubitRegisterValue",
    "RuntimeValue",
    "Scope",
    "SymbolicArg",
    "TypeName",
]


@dataclass(frozen=True, slots=True)
class Clbit:
    """A classical bit (an element of a ClassicalRegister)."""

    index: int


@dataclass(frozen=True, slots=True)
class QubitRegisterValue:
    """``QubitRegister(n)``: qubits ``offset .. offset+size-1``; elements are plain ints."""

    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class ClassicalRegisterValue:
    """``ClassicalRegister(n)``: bits ``offset .. offset+size-1``; elements are :class:`Clbit`."""

    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class SymbolicArg:
    """An argument of an ``@ansatz`` / ``@cost_function`` bound to symbolic parameters.

    Used as a number it is the parameter ``name``; indexed, ``name[i]``.
    """

    name: str

    def scalar(self) -> ParamExpr:
        """The scalar parameter named like the argument."""
        return ParamExpr.symbol(self.name)

    def element(self, index: int) -> ParamExpr:
        """The parameter ``name[index]``."""
        return ParamExpr.symbol(f"{self.name}[{index}]")


@dataclass(frozen=True, slots=True)
class CircuitRef:
    """A finished circuit registered in the program (by id in ``annotations.circuits``).

    Attributes:
        id: Circuit id (``main``, ``c1``, ...).
        num_qubits: Width.
        parameters: Symbolic parameter names in binding order.
    """

    id: str
    num_qubits: int
    parameters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnsatzValue:
    """A parameterised circuit: what ``@ansatz`` and ``create_*_ansatz`` produce."""

    circuit: CircuitRef

    @property
    def num_params(self) -> int:
        """Number of free parameters."""
        return len(self.circuit.parameters)


@dataclass(frozen=True, slots=True)
class TypeName:
    """A name usable only in annotations and docs (``Optional``, ``np.ndarray``, ...)."""

    name: str


@dataclass(slots=True)
class Scope:
    """A variable scope: local names plus the enclosing scope (None for module level)."""

    names: dict[str, Any]
    parent: Scope | None = None

    def lookup(self, name: str) -> tuple[bool, Any]:
        """Return ``(found, value)`` searching outwards."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


@dataclass(frozen=True, slots=True)
class FunctionValue:
    """A user ``def`` (never run by Python: the interpreter inlines its body).

    Attributes:
        node: The function's syntax tree.
        scope: The scope it was defined in (closures read from it).
        kind: ``None``, or the decorator: ``hybrid_program``, ``quantum_circuit``,
            ``ansatz``, ``cost_function``.
    """

    node: ast.FunctionDef
    scope: Scope
    kind: str | None = None

    @property
    def name(self) -> str:
        """The function's name."""
        return self.node.name


@dataclass(frozen=True, slots=True)
class CallArgs:
    """Evaluated arguments of a call, with the call's node for diagnostics."""

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    node: ast.Call


@dataclass(frozen=True, slots=True)
class BuiltinFunction:
    """A function implemented by the compiler (gates, factories, builtins, numpy subset).

    Attributes:
        name: The name shown in messages.
        impl: ``impl(interpreter, call_args) -> value``.
        runtime_ok: Whether run-time values may be passed in.
    """

    name: str
    impl: Callable[[Interpreter, CallArgs], Any]
    runtime_ok: bool = False


@dataclass(frozen=True, slots=True)
class ModuleValue:
    """An allow-listed module (``numpy``, ``numpy.random``, ``math``, ``eigen_lang``, ...).

    Attributes:
        name: Dotted module name.
        attrs: Every attribute a program may read.
    """

    name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuntimeValue:
    """A value only the runtime can compute; ``expr`` is its output-template expression.

    Attributes:
        expr: JSON expression (``{"$node": id}``, ``{"$attr": [name, expr]}``, ...).
        kind: What it is: ``expectation``, ``minimize``, ``counts``, ``sweep``, ``number``,
            ``list``, ``bool`` or ``any``.
        node_id: The plan node it is (for ``$node`` values), else ``None``.
    """

    expr: Any
    kind: str
    node_id: str | None = None
