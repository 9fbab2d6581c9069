"""The static evaluator: our own interpreter over the allow-listed subset of Python.

It walks the syntax tree of a checked program and computes every value itself; nothing of
the program is ever handed to Python's ``exec``/``eval``. Every step costs fuel, every
sequence, string and integer is size-checked *before* it is built, and user functions are
inlined up to a fixed depth. Values it cannot know (expectation values, optimiser results)
become :class:`RuntimeValue` expressions for the runtime.

The :class:`Interpreter` holds the state of one evaluation, its fuel and limit checks and
the dispatch; the handlers live in :mod:`.statements`, :mod:`.expressions`,
:mod:`.operators` and :mod:`.containers`, and take the interpreter as their first argument.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

import numpy as np

from eigen_engine.compiler.bounds import WorkCache
from eigen_engine.compiler.circuits import CircuitBuilder, CircuitTable
from eigen_engine.compiler.data import data_size, describe, hashable_key, key_str, to_python
from eigen_engine.compiler.diagnostics import Diagnostic, diagnostic_at
from eigen_engine.compiler.expressions import EXPRESSIONS
from eigen_engine.compiler.limits import Limits
from eigen_engine.compiler.operators import binop
from eigen_engine.compiler.plan import MINIMIZE_FIELDS, PlanBuilder
from eigen_engine.compiler.signals import EvalError
from eigen_engine.compiler.statements import STATEMENTS
from eigen_engine.compiler.values import (
    AnsatzValue,
    BuiltinFunction,
    ClassicalRegisterValue,
    Clbit,
    FunctionValue,
    ModuleValue,
    QubitRegisterValue,
    RuntimeValue,
    Scope,
    SymbolicArg,
    TypeName,
)
from eigen_engine.ir.aqo import Operation
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr

__all__ = ["EvalError", "Interpreter"]

_DIGITS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\d*)(?:\.(\d*))?")


class Interpreter:
    """Evaluates one program. Create one per compilation; not thread-safe.

    Args:
        limits: Limits in force.
        seed: Seed of ``np.random`` draws.
        builtins: Names visible everywhere (the Python builtins subset).
        implicit: Eigen-Lang names usable without import (with a W302 warning).
        filename: For messages.
    """

    def __init__(
        self,
        limits: Limits,
        seed: int,
        builtins: Mapping[str, Any],
        implicit: Mapping[str, Any],
        filename: str = "<program>",
    ) -> None:
        self.limits = limits
        self.seed = seed
        self.fuel = limits.max_fuel
        self.builtins = builtins
        self.implicit = implicit
        self.filename = filename
        self.warnings: list[Diagnostic] = []
        self.warned_names: set[str] = set()
        self.circuits = CircuitTable()
        self.plan = PlanBuilder()
        self.builders: list[CircuitBuilder] = []
        self.param_defaults: dict[str, Any] = {}
        self.op_count = 0
        self.inline_depth = 0
        self.qubits_allocated = 0
        self.clbits_allocated = 0
        self._rng: np.random.Generator | None = None
        self.current_node: ast.AST | None = None
        self.deferred: list[tuple[str, ast.AST]] = []
        self.bounds: WorkCache = {}  # static lower bounds of loops, by node (see prechecks.py)
        # The handler tables, read through the instance: on the hottest path (every node)
        # that measures faster than reading the module globals (bench/bench_compile.py).
        self._stmt = STATEMENTS
        self._expr = EXPRESSIONS

    # ------------------------------------------------------------------ errors & limits
    def fail(self, node: ast.AST | None, code: str, message: str, hint: str | None = None
             ) -> NoReturn:
        """Stop evaluation with an error diagnostic at ``node``."""
        raise EvalError(diagnostic_at(node or self.current_node, code, message, hint))

    def warn(self, node: ast.AST | None, code: str, message: str, hint: str | None = None
             ) -> None:
        """Record a warning (once per code and place)."""
        d = diagnostic_at(node, code, message, hint)
        if d not in self.warnings:
            self.warnings.append(d)

    def burn(self, amount: int, node: ast.AST | None = None) -> None:
        """Spend fuel; fail with E503 when it runs out."""
        self.fuel -= amount
        if self.fuel < 0:
            self.fail(node, "E503",
                      f"the program needs more than {self.limits.max_fuel:,} evaluation steps",
                      "reduce loop sizes; very large circuits belong in several jobs")

    def charge(self, node: ast.AST | None, *values: Any) -> None:
        """Spend fuel in proportion to the data ``values`` hold (deeply, aliases counted).

        One evaluation step can copy, compare, convert or serialise a whole sequence, so
        counting steps alone does not bound the work; charging one unit per element keeps a
        program's work proportional to its fuel. Aliased and cyclic structures are measured
        without walking every alias (see :func:`~eigen_engine.compiler.data.data_size`).
        """
        size, depth = data_size(values, self.fuel + 1)
        if depth > self.limits.max_ast_depth:  # str(), ==, hash, JSON recurse in C
            self.fail(node, "E502", f"this value nests {depth:,} levels deep; the limit is "
                                    f"{self.limits.max_ast_depth}", "flatten nested lists")
        if size:
            self.burn(size, node)

    def check_format_widths(self, spec: str, node: ast.AST | None, percent: bool = False
                            ) -> None:
        """Fail with E507 if format widths and precisions add up past the string limit.

        Checked before formatting: ``f"{x:>999999999}"`` would allocate the string first.
        ``percent`` reads ``spec`` as a ``%``-format string (only its conversions count).
        """
        runs = (_PERCENT_SPEC.findall(spec) if percent else [(d, "") for d in
                                                             _DIGITS.findall(spec)])
        total = 0
        for width, precision in runs:
            for digits in (width, precision):
                total += int(digits) if 0 < len(digits) <= 9 else (0 if not digits else 10**9)
        if total > self.limits.max_string:
            self.fail(node, "E507", f"format widths add up to {total:,} characters; the limit "
                                    f"is {self.limits.max_string:,}", "use smaller widths")

    def check_printable(self, value: Any, node: ast.AST | None) -> None:
        """Fail unless ``value`` (deeply) is data that has a deterministic text form.

        Functions and modules would print compiler internals and memory addresses, which
        would make the AQO differ from run to run.
        """
        stack = [value]
        seen = 0
        while stack and seen <= self.limits.max_sequence:
            v = stack.pop()
            seen += 1
            if isinstance(v, list | tuple):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.keys())
                stack.extend(v.values())
            elif isinstance(v, RuntimeValue):
                self.fail(node, "E405", "a run-time value cannot be turned into text at "
                                        "compile time", "return the value itself")
            elif isinstance(v, BuiltinFunction | FunctionValue | ModuleValue):
                self.fail(node, "E404", f"{describe(v)} cannot be turned into text",
                          "format numbers, strings and lists")

    def check_key(self, key: Any, node: ast.AST | None) -> None:
        """Fail with E404 unless ``key`` can be a dict key (number, string, tuple of them)."""
        if not hashable_key(key):
            self.fail(node, "E404", f"dict keys must be numbers, strings or tuples of them, "
                                    f"not {describe(key)}")

    def check_len(self, n: int, node: ast.AST | None, what: str = "sequence") -> None:
        """Fail with E505 if a sequence of ``n`` elements would exceed the limit."""
        if n > self.limits.max_sequence:
            self.fail(node, "E505",
                      f"this {what} would have {n:,} elements; the limit is "
                      f"{self.limits.max_sequence:,}",
                      "use smaller sizes")

    def check_int(self, value: int, node: ast.AST | None) -> int:
        """Fail with E506 if ``value`` exceeds the integer limit."""
        if value.bit_length() > self.limits.max_int_bits:
            self.fail(node, "E506",
                      f"integer with {value.bit_length()} bits exceeds the limit of "
                      f"{self.limits.max_int_bits} bits",
                      "use smaller numbers (or floats)")
        return value

    def check_str(self, value: str, node: ast.AST | None) -> str:
        """Fail with E507 if ``value`` is too long."""
        if len(value) > self.limits.max_string:
            self.fail(node, "E507",
                      f"string of {len(value):,} characters exceeds the limit of "
                      f"{self.limits.max_string:,}", "use shorter strings")
        return value

    @property
    def rng(self) -> np.random.Generator:
        """The program's ``np.random`` generator, seeded by the job seed."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    # ------------------------------------------------------------------ circuits
    @property
    def builder(self) -> CircuitBuilder:
        """The circuit that gate calls currently append to."""
        if not self.builders:
            self.fail(None, "E112", "gates can only be applied inside a function",
                      "call gates inside the @hybrid_program function or a @quantum_circuit")
        return self.builders[-1]

    def emit(self, op: Operation, node: ast.AST | None) -> None:
        """Append an operation to the current circuit, counting it against the limit."""
        self.op_count += 1
        if self.op_count > self.limits.max_operations:
            self.fail(node, "E504",
                      f"the program builds more than {self.limits.max_operations:,} operations",
                      "split the work into several jobs")
        self.builder.append(op)

    # ------------------------------------------------------------------ dispatch
    def exec_block(self, body: Iterable[ast.stmt], scope: Scope) -> None:
        """Execute statements in order."""
        handlers = self._stmt
        for stmt in body:
            self.fuel -= 1
            if self.fuel < 0:
                self.burn(0, stmt)
            self.current_node = stmt
            handler = handlers.get(type(stmt))
            if handler is None:
                self.fail(stmt, "E112", f"`{type(stmt).__name__}` statement is not allowed here")
            handler(self, stmt, scope)

    def evaluate(self, node: ast.expr, scope: Scope) -> Any:
        """Evaluate an expression node."""
        self.fuel -= 1
        if self.fuel < 0:
            self.burn(0, node)
        handler = self._expr.get(type(node))
        if handler is None:
            self.fail(node, "E222", f"`{type(node).__name__}` expressions are not supported "
                                    "here")
        return handler(self, node, scope)

    # ------------------------------------------------------------------ names
    def lookup_name(self, name: str, scope: Scope) -> tuple[bool, Any]:
        """Find a name in scope, then in the builtins."""
        found, value = scope.lookup(name)
        if found:
            return True, value
        if name in self.builtins:
            return True, self.builtins[name]
        return False, None

    def warn_unimported(self, name: str, node: ast.AST) -> Any:
        """Resolve an Eigen-Lang or typing name the program forgot to import (W302/W303)."""
        if name in self.implicit:
            value = self.implicit[name]
            if name not in self.warned_names:
                self.warned_names.add(name)
                if isinstance(value, TypeName) and value.name.startswith("typing."):
                    self.warn(node, "W303", f"`{name}` is used but not imported",
                              f"add `from typing import {name}`")
                else:
                    self.warn(node, "W302", f"`{name}` is used but not imported",
                              f"add `{name}` to your `from eigen_lang import ...` line")
            return value
        return None

    def note_annotation(self, node: ast.expr | None, scope: Scope) -> None:
        """Annotations are ignored, but names in them should be imported (W302/W303)."""
        if node is None:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and not self.lookup_name(sub.id, scope)[0]:
                self.warn_unimported(sub.id, sub)

    # ------------------------------------------------------------------ values
    def iterate(self, value: Any, node: ast.AST) -> list[Any]:
        """Return the items of a compile-time iterable (for loops, unpacking, list())."""
        if isinstance(value, list | tuple | dict | str):
            self.burn(len(value), node)  # the copy is proportional work
            return list(value)
        if isinstance(value, range):
            self.check_len(len(value), node, "range")
            self.burn(len(value), node)
            return list(value)
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                self.fail(node, "E404", "cannot iterate over a 0-d array")
            self.burn(len(value), node)
            return [to_python(v) for v in value]
        if isinstance(value, QubitRegisterValue):
            return list(range(value.offset, value.offset + value.size))
        if isinstance(value, ClassicalRegisterValue):
            return [Clbit(i) for i in range(value.offset, value.offset + value.size)]
        if isinstance(value, RuntimeValue):
            self.fail(node, "E216",
                      "cannot loop over a value that is known only at run time",
                      "loops are unrolled at compile time; loop over range(n) with a known n")
        if isinstance(value, SymbolicArg):
            self.fail(node, "E404", f"the length of the symbolic argument `{value.name}` is "
                                    "unknown at compile time",
                      "index it explicitly (params[0], params[1], ...)")
        self.fail(node, "E404", f"cannot iterate over {describe(value)}")

    def truth(self, value: Any, node: ast.AST) -> bool:
        """Truth value of a compile-time value; run-time values fail with E216."""
        if isinstance(value, RuntimeValue):
            self.fail(node, "E216",
                      "this condition depends on a value known only at run time "
                      f"({value.kind}); conditions must be decidable at compile time",
                      "return the value (or a comparison of it) and decide after the job")
        if isinstance(value, ParamExpr | SymbolicArg):
            self.fail(node, "E216", "this condition depends on a symbolic parameter",
                      "conditions must not depend on circuit parameters")
        if isinstance(value, np.ndarray) and value.size != 1:
            self.fail(node, "E404", "the truth value of an array with several elements is "
                                    "ambiguous", "use np.any(...) or np.all(...)")
        if isinstance(value, bool | int | float | str | list | tuple | dict | range
                      | np.ndarray | np.number | np.bool_) or value is None:
            return bool(value)
        return True

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        """Apply a binary operator with every guard (see :func:`.operators.binop`)."""
        return binop(self, op, a, b, node)

    # ------------------------------------------------------------------ run-time values
    def to_expr(self, value: Any, node: ast.AST | None) -> Any:
        """Turn a value into an output-template expression (see ``plan.py``)."""
        value = to_python(value)
        if isinstance(value, RuntimeValue):
            return value.expr
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail(node, "E407", f"cannot return the non-finite number {value}")
            return value
        if isinstance(value, list | tuple):
            return [self.to_expr(v, node) for v in value]
        if isinstance(value, dict):
            return {"$dict": [[key_str(k), self.to_expr(v, node)] for k, v in value.items()]}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                self.fail(node, "E404", "cannot return an array of symbolic values")
            return self.to_expr(value.tolist(), node)
        if isinstance(value, PauliSum):
            return self.to_expr(value.to_json(), node)
        if isinstance(value, ParamExpr):
            return value.to_json()
        if isinstance(value, AnsatzValue):
            c = value.circuit
            return self.to_expr({"circuit": c.id, "num_qubits": c.num_qubits,
                                 "num_params": len(c.parameters)}, node)
        self.fail(node, "E404", f"{describe(value)} cannot be part of a program's result",
                  "return numbers, strings, lists, dicts or run-time results")

    def minimize_field(self, value: RuntimeValue, name: str, node: ast.AST) -> RuntimeValue:
        """Read a field of a minimize result (``.fun``, ``.x``, ...)."""
        kind = MINIMIZE_FIELDS.get(name)
        if kind is None:
            close = difflib.get_close_matches(name, MINIMIZE_FIELDS, n=1)
            self.fail(node, "E303", f"a minimize result has no field `{name}`",
                      f"did you mean `{close[0]}`?" if close else
                      "fields: " + ", ".join(MINIMIZE_FIELDS))
        return RuntimeValue({"$attr": [name, value.expr]}, kind)

