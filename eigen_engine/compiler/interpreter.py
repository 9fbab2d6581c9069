"""The static evaluator: our own interpreter over the allow-listed subset of Python.

It walks the syntax tree of a checked program and computes every value itself; nothing of
the program is ever handed to Python's ``exec``/``eval``. Every step costs fuel, every
sequence, string and integer is size-checked *before* it is built, and user functions are
inlined up to a fixed depth. Values it cannot know (expectation values, optimiser results)
become :class:`RuntimeValue` expressions for the runtime.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import numpy as np

from eigen_engine.compiler.bounds import WorkCache
from eigen_engine.compiler.circuits import CircuitBuilder, CircuitTable
from eigen_engine.compiler.diagnostics import Diagnostic, diagnostic_at
from eigen_engine.compiler.limits import Limits
from eigen_engine.compiler.plan import MINIMIZE_FIELDS, PlanBuilder
from eigen_engine.compiler.prechecks import refuse_comprehension, refuse_loop
from eigen_engine.compiler.values import (
    AnsatzValue,
    BuiltinFunction,
    CallArgs,
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


class EvalError(Exception):
    """Evaluation stopped at a problem; ``diagnostic`` says which."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_BINOPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
    ast.LShift: ("<<", operator.lshift),
    ast.RShift: (">>", operator.rshift),
    ast.BitOr: ("|", operator.or_),
    ast.BitXor: ("^", operator.xor),
    ast.BitAnd: ("&", operator.and_),
}
_CMPOPS: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.In: ("in", lambda a, b: a in b),
    ast.NotIn: ("not in", lambda a, b: a not in b),
    ast.Is: ("is", operator.is_),
    ast.IsNot: ("is not", operator.is_not),
}
_RUNTIME_BINOPS = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_SYMBOLIC = (ParamExpr, SymbolicArg)
# Values whose size an operation may be proportional to (see Interpreter.charge).
_SIZED = (list, tuple, dict, str, np.ndarray, PauliSum, RuntimeValue)
_MAX_KEY_DEPTH = 16
_DIGITS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\d*)(?:\.(\d*))?")


def _describe(value: Any) -> str:
    if isinstance(value, RuntimeValue):
        return f"a run-time {value.kind} value"
    if isinstance(value, ParamExpr | SymbolicArg):
        return "a symbolic parameter"
    if isinstance(value, FunctionValue):
        return f"function `{value.name}`"
    if isinstance(value, BuiltinFunction):
        return f"function `{value.name}`"
    if isinstance(value, PauliSum):
        return "an observable"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a value of type {type(value).__name__}"


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
        self._stmt: dict[type[ast.AST], Callable[[Any, Scope], None]] = {
            ast.Expr: self._stmt_expr,
            ast.Assign: self._stmt_assign,
            ast.AugAssign: self._stmt_augassign,
            ast.AnnAssign: self._stmt_annassign,
            ast.Return: self._stmt_return,
            ast.Pass: self._stmt_pass,
            ast.Break: self._stmt_break,
            ast.Continue: self._stmt_continue,
            ast.For: self._stmt_for,
            ast.If: self._stmt_if,
            ast.FunctionDef: self._stmt_def,
        }
        self._expr: dict[type[ast.AST], Callable[[Any, Scope], Any]] = {
            ast.Constant: self._expr_constant,
            ast.Name: self._expr_name,
            ast.Call: self._expr_call,
            ast.BinOp: self._expr_binop,
            ast.UnaryOp: self._expr_unaryop,
            ast.BoolOp: self._expr_boolop,
            ast.Compare: self._expr_compare,
            ast.IfExp: self._expr_ifexp,
            ast.Attribute: self._expr_attribute,
            ast.Subscript: self._expr_subscript,
            ast.List: self._expr_list,
            ast.Tuple: self._expr_tuple,
            ast.Dict: self._expr_dict,
            ast.ListComp: self._expr_listcomp,
            ast.GeneratorExp: self._expr_listcomp,
            ast.DictComp: self._expr_dictcomp,
            ast.JoinedStr: self._expr_joinedstr,
            ast.Slice: self._expr_slice,
        }

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
        without walking every alias (see :func:`_data_size`).
        """
        size, depth = _data_size(values, self.fuel + 1)
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
                self.fail(node, "E404", f"{_describe(v)} cannot be turned into text",
                          "format numbers, strings and lists")

    def check_key(self, key: Any, node: ast.AST | None) -> None:
        """Fail with E404 unless ``key`` can be a dict key (number, string, tuple of them)."""
        if not _hashable_key(key):
            self.fail(node, "E404", f"dict keys must be numbers, strings or tuples of them, "
                                    f"not {_describe(key)}")

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

    # ------------------------------------------------------------------ statements
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
            handler(stmt, scope)

    def _stmt_expr(self, node: ast.Expr, scope: Scope) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # docstring or bare string
        self.evaluate(node.value, scope)

    def _stmt_assign(self, node: ast.Assign, scope: Scope) -> None:
        value = self.evaluate(node.value, scope)
        for target in node.targets:
            self.assign(target, value, scope)

    def _stmt_annassign(self, node: ast.AnnAssign, scope: Scope) -> None:
        self.note_annotation(node.annotation, scope)
        if node.value is not None:
            self.assign(node.target, self.evaluate(node.value, scope), scope)

    def _stmt_augassign(self, node: ast.AugAssign, scope: Scope) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            current = self._expr_name(ast.Name(target.id, ast.Load(), lineno=target.lineno,
                                               col_offset=target.col_offset), scope)
        elif isinstance(target, ast.Subscript):
            current = self.evaluate(ast.Subscript(target.value, target.slice, ast.Load(),
                                              lineno=target.lineno,
                                              col_offset=target.col_offset), scope)
        else:
            self.fail(node, "E404", "only names and items can be updated with `op=`")
        value = self.binop(node.op, current, self.evaluate(node.value, scope), node)
        self.assign(target, value, scope)

    def _stmt_return(self, node: ast.Return, scope: Scope) -> None:
        value = None if node.value is None else self.evaluate(node.value, scope)
        if self.inline_depth == 1 and isinstance(value, _SIZED):
            # the entrypoint's result becomes JSON: one list aliased many times is huge
            self.charge(node, value)
        raise _Return(value)

    def _stmt_pass(self, node: ast.Pass, scope: Scope) -> None:
        return None

    def _stmt_break(self, node: ast.Break, scope: Scope) -> None:
        raise _Break()

    def _stmt_continue(self, node: ast.Continue, scope: Scope) -> None:
        raise _Continue()

    def _stmt_for(self, node: ast.For, scope: Scope) -> None:
        items = self.iterate(self.evaluate(node.iter, scope), node.iter)
        if items:
            refuse_loop(self, node, len(items), scope)  # a loop that cannot fit fails now
        broke = False
        for item in items:
            self.burn(1, node)
            self.assign(node.target, item, scope)
            try:
                self.exec_block(node.body, scope)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and node.orelse:
            self.exec_block(node.orelse, scope)

    def _stmt_if(self, node: ast.If, scope: Scope) -> None:
        if self.truth(self.evaluate(node.test, scope), node.test):
            self.exec_block(node.body, scope)
        elif node.orelse:
            self.exec_block(node.orelse, scope)

    def _stmt_def(self, node: ast.FunctionDef, scope: Scope) -> None:
        from eigen_engine.compiler.checker import decorator_name

        kinds = [decorator_name(d) for d in node.decorator_list]
        kind = next((k for k in kinds if k), None)
        for dec in node.decorator_list:
            name = decorator_name(dec)
            target = dec.func if isinstance(dec, ast.Call) else dec
            if isinstance(target, ast.Attribute):  # `@el.ansatz` must really be eigen_lang's
                base = self.evaluate(target.value, scope)
                if not (isinstance(base, ModuleValue) and base.name == "eigen_lang"):
                    self.fail(dec, "E213", f"decorator `@{ast.unparse(target)}` is not "
                                           f"eigen_lang's `{name}`",
                              f"import it: `from eigen_lang import {name}`")
            elif name and not self.lookup_name(name, scope)[0]:
                self.warn_unimported(name, dec)
        self.note_annotation(node.returns, scope)
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            self.note_annotation(arg.annotation, scope)
        scope.names[node.name] = FunctionValue(node, scope, kind)

    # ------------------------------------------------------------------ assignment
    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        """Bind ``value`` to an assignment target (name, tuple/list unpacking, item)."""
        if isinstance(target, ast.Name):
            scope.names[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = self.iterate(value, target)
            if len(items) != len(target.elts):
                self.fail(target, "E401",
                          f"cannot unpack {len(items)} values into {len(target.elts)} names")
            for t, v in zip(target.elts, items, strict=True):
                self.assign(t, v, scope)
        elif isinstance(target, ast.Subscript):
            container = self.evaluate(target.value, scope)
            key = self.evaluate(target.slice, scope)
            if not _basic_key(key):
                self.charge(target, container, value)  # slice assignment touches many items
            if isinstance(container, list) and isinstance(key, int | slice):
                try:
                    container[key] = value
                except (IndexError, TypeError, ValueError) as exc:
                    self.fail(target, "E408", f"cannot assign item: {exc}")
            elif isinstance(container, dict):
                if not _hashable_key(key):
                    self.fail(target, "E404", f"dict keys must be numbers or strings, not "
                                              f"{_describe(key)}")
                container[key] = value
                self.check_len(len(container), target, "dict")
            elif isinstance(container, np.ndarray):
                if not isinstance(value, int | float | np.number | np.ndarray | bool):
                    self.fail(target, "E404", f"cannot store {_describe(value)} in an array")
                if np.iscomplexobj(value) and not np.iscomplexobj(container):
                    self.fail(target, "E404", "cannot store complex values in a real array",
                              "numpy would drop the imaginary part")
                try:
                    container[key] = value
                except (IndexError, TypeError, ValueError) as exc:
                    self.fail(target, "E408", f"cannot assign item: {exc}")
            else:
                self.fail(target, "E404", f"cannot assign items of {_describe(container)}")
        else:
            self.fail(target, "E404", "only names, tuples and items can be assigned",
                      "assign to a plain name")

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
            return [_py(v) for v in value]
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
        self.fail(node, "E404", f"cannot iterate over {_describe(value)}")

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

    # ------------------------------------------------------------------ expressions
    def evaluate(self, node: ast.expr, scope: Scope) -> Any:
        """Evaluate an expression node."""
        self.fuel -= 1
        if self.fuel < 0:
            self.burn(0, node)
        handler = self._expr.get(type(node))
        if handler is None:
            self.fail(node, "E222", f"`{type(node).__name__}` expressions are not supported "
                                    "here")
        return handler(node, scope)

    def _expr_constant(self, node: ast.Constant, scope: Scope) -> Any:
        v = node.value
        if isinstance(v, bool) or v is None or isinstance(v, float):
            return v
        if isinstance(v, int):
            return self.check_int(v, node)
        if isinstance(v, str):
            return self.check_str(v, node)
        if v is Ellipsis:
            return v
        self.fail(node, "E222", f"{type(v).__name__} literals are not supported",
                  "use numbers, strings, booleans or None")

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

    def _expr_name(self, node: ast.Name, scope: Scope) -> Any:
        found, value = scope.lookup(node.id)
        if found:
            return value
        builtins = self.builtins
        if node.id in builtins:
            return builtins[node.id]
        if node.id in self.implicit:
            return self.warn_unimported(node.id, node)
        known: list[str] = []
        s: Scope | None = scope
        while s is not None:
            known.extend(s.names)
            s = s.parent
        close = difflib.get_close_matches(node.id, [*known, *builtins, *self.implicit], n=1)
        hint = f"did you mean `{close[0]}`?" if close else "define it or import it"
        self.fail(node, "E302", f"name `{node.id}` is not defined", hint)

    def note_annotation(self, node: ast.expr | None, scope: Scope) -> None:
        """Annotations are ignored, but names in them should be imported (W302/W303)."""
        if node is None:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and not self.lookup_name(sub.id, scope)[0]:
                self.warn_unimported(sub.id, sub)

    def _expr_ifexp(self, node: ast.IfExp, scope: Scope) -> Any:
        if self.truth(self.evaluate(node.test, scope), node.test):
            return self.evaluate(node.body, scope)
        return self.evaluate(node.orelse, scope)

    def _expr_boolop(self, node: ast.BoolOp, scope: Scope) -> Any:
        is_and = isinstance(node.op, ast.And)
        value: Any = None
        for sub in node.values:
            value = self.evaluate(sub, scope)
            t = self.truth(value, sub)
            if is_and and not t:
                return value
            if not is_and and t:
                return value
        return value

    def _expr_unaryop(self, node: ast.UnaryOp, scope: Scope) -> Any:
        v = self.evaluate(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return not self.truth(v, node.operand)
        if isinstance(v, SymbolicArg):
            v = v.scalar()
        if isinstance(v, RuntimeValue):
            if isinstance(node.op, ast.USub):
                return RuntimeValue({"$neg": v.expr}, "number")
            if isinstance(node.op, ast.UAdd):
                return v
            self.fail(node, "E405", "this operation needs a compile-time value")
        try:
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return +v
            if isinstance(node.op, ast.Invert) and isinstance(v, int) and not isinstance(
                    v, bool):
                return ~v
        except TypeError:
            pass
        self.fail(node, "E404", f"unary operator not supported on {_describe(v)}")

    def _expr_binop(self, node: ast.BinOp, scope: Scope) -> Any:
        left = self.evaluate(node.left, scope)
        return self.binop(node.op, left, self.evaluate(node.right, scope), node)

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        """Apply a binary operator with every guard (size, runtime, symbolic, algebra)."""
        sym, fn = _BINOPS[type(op)]
        ta, tb = type(a), type(b)
        plain = (ta is int or ta is float) and (tb is int or tb is float)  # the common case
        if not plain:
            if isinstance(a, _SIZED) or isinstance(b, _SIZED):
                self.charge(node, a, b)
            if isinstance(a, RuntimeValue) or isinstance(b, RuntimeValue):
                return self._runtime_binop(sym, a, b, node)
            if isinstance(a, _SYMBOLIC) or isinstance(b, _SYMBOLIC):
                return self._symbolic_binop(sym, a, b, node)
            if isinstance(a, PauliSum) or isinstance(b, PauliSum):
                return self._observable_binop(sym, a, b, node)
        self._guard_binop(sym, a, b, node)
        try:
            if plain:  # Python numbers: numpy's error state plays no part
                result = fn(a, b)
            else:
                with np.errstate(all="ignore"):  # no RuntimeWarning on the host's stderr
                    result = fn(a, b)
        except ZeroDivisionError:
            self.fail(node, "E407", "division by zero")
        except OverflowError:
            self.fail(node, "E407", "numeric overflow", "use smaller numbers")
        except (TypeError, ValueError) as exc:
            self.fail(node, "E404",
                      f"`{sym}` is not supported between {_describe(a)} and {_describe(b)}",
                      str(exc) if "broadcast" in str(exc) else None)
        if isinstance(result, _SIZED):
            self.charge(node, result)  # e.g. `[0] * n` builds n elements from small operands
        if isinstance(result, str):
            self.check_str(result, node)
        elif isinstance(result, int) and not isinstance(result, bool):
            self.check_int(result, node)
        elif isinstance(result, float) and not math.isfinite(result) and math.isfinite(
                float(a) if isinstance(a, int | float) else 0.0):
            self.fail(node, "E407", "the result is not a finite number")
        return result

    def _guard_binop(self, sym: str, a: Any, b: Any, node: ast.AST) -> None:
        limits = self.limits
        if sym == "**" and isinstance(a, int) and isinstance(b, int):
            if b > 0 and abs(a) > 1 and (abs(a).bit_length() - 1) * b > limits.max_int_bits:
                self.fail(node, "E506", f"`{a} ** {b}` exceeds the integer limit of "
                                        f"{limits.max_int_bits} bits", "use a float base")
        elif sym == "*":
            seq, n = (a, b) if isinstance(b, int) else (b, a)
            if isinstance(seq, str | list | tuple) and isinstance(n, int):
                total = len(seq) * max(n, 0)
                if isinstance(seq, str):
                    if total > limits.max_string:
                        self.fail(node, "E507", f"string repetition would make {total:,} "
                                                f"characters; the limit is {limits.max_string:,}")
                else:
                    self.check_len(total, node)
            elif (isinstance(a, int) and isinstance(b, int)
                  and a.bit_length() + b.bit_length() > limits.max_int_bits + 1):
                self.fail(node, "E506", "integer product exceeds the integer limit of "
                                        f"{limits.max_int_bits} bits", "use floats")
        elif sym == "+":
            if isinstance(a, str) and isinstance(b, str):
                if len(a) + len(b) > limits.max_string:
                    self.fail(node, "E507", "string concatenation exceeds the string limit")
            elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
                self.check_len(len(a) + len(b), node)
        elif (sym == "<<" and isinstance(b, int) and isinstance(a, int)
              and b > limits.max_int_bits):
            self.fail(node, "E506", f"shift by {b} exceeds the integer limit")
        elif sym == "%" and isinstance(a, str):
            if "*" in a:
                self.fail(node, "E404", "`*` widths in %-formatting are not supported",
                          "use an f-string")
            self.check_format_widths(a, node, percent=True)
            self.check_printable(b, node)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            self._guard_array_op(sym, a, b, node)

    def _guard_array_op(self, sym: str, a: Any, b: Any, node: ast.AST) -> None:
        for x in (a, b):
            if isinstance(x, np.ndarray) and x.dtype == object:
                self.fail(node, "E404", "arrays of symbolic or mixed values are not supported",
                          "use a list")
            if not isinstance(x, np.ndarray | int | float | bool | np.number | list | tuple):
                self.fail(node, "E404", f"`{sym}` is not supported between {_describe(a)} and "
                                        f"{_describe(b)}")
        try:
            sa = np.shape(a)
            sb = np.shape(b)
        except ValueError:  # a ragged list is not an array
            self.fail(node, "E404", f"`{sym}` needs rectangular arrays or lists")
        if sym == "@":
            if len(sa) >= 1 and len(sb) >= 1:
                size = int(np.prod(sa[:-1])) * int(np.prod(sb[1:] if len(sb) > 1 else ()))
                self.check_len(size, node, "array")
            return
        try:
            shape = np.broadcast_shapes(sa, sb)
        except ValueError:
            self.fail(node, "E404", f"array shapes {sa} and {sb} do not match for `{sym}`")
        self.check_len(int(np.prod(shape)), node, "array")

    def _runtime_binop(self, sym: str, a: Any, b: Any, node: ast.AST) -> RuntimeValue:
        if sym not in _RUNTIME_BINOPS:
            self.fail(node, "E405", f"`{sym}` cannot be applied to a run-time value")
        return RuntimeValue({"$op": [sym, self.to_expr(a, node), self.to_expr(b, node)]},
                            "number")

    def _symbolic_binop(self, sym: str, a: Any, b: Any, node: ast.AST) -> ParamExpr:
        a = a.scalar() if isinstance(a, SymbolicArg) else a
        b = b.scalar() if isinstance(b, SymbolicArg) else b
        a = _py(a)
        b = _py(b)
        num = (int, float)
        ok = True
        result: Any = None
        affine = (isinstance(a, ParamExpr | int | float)
                  and isinstance(b, ParamExpr | int | float)
                  and not isinstance(a, bool) and not isinstance(b, bool))
        if sym == "+" and affine:
            result = a + b
        elif sym == "-" and affine:
            result = a - b
        elif sym == "*" and isinstance(a, ParamExpr) and isinstance(b, num):
            result = a.scale(b)
        elif sym == "*" and isinstance(b, ParamExpr) and isinstance(a, num):
            result = b.scale(a)
        elif sym == "/" and isinstance(a, ParamExpr) and isinstance(b, num):
            if b == 0:
                self.fail(node, "E407", "division by zero")
            result = a.scale(1.0 / b)
        else:
            ok = False
        if not ok or isinstance(result, bool):
            self.fail(node, "E404",
                      f"`{sym}` between {_describe(a)} and {_describe(b)} is not supported: "
                      "gate parameters are affine (add parameters, scale them by numbers)",
                      "compute the angle from one parameter, e.g. `2 * theta + 0.5`")
        return result  # type: ignore[no-any-return]

    def _observable_binop(self, sym: str, a: Any, b: Any, node: ast.AST) -> PauliSum:
        a = _py(a)
        b = _py(b)
        numeric = not isinstance(a, bool) and not isinstance(b, bool)
        try:
            if isinstance(a, PauliSum) and isinstance(b, PauliSum | int | float) and numeric:
                if sym == "+":
                    return a + b
                if sym == "-":
                    return a - b
                if sym == "*":
                    if isinstance(b, PauliSum):  # every pair of terms is multiplied
                        pairs = len(a.terms) * len(b.terms)
                        self.check_len(pairs, node, "observable product")
                        self.burn(pairs, node)
                    return a * b
                if sym == "/" and not isinstance(b, PauliSum) and b != 0:
                    return a / b
            if isinstance(b, PauliSum) and isinstance(a, int | float) and numeric:
                if sym == "+":
                    return a + b
                if sym == "-":
                    return a - b
                if sym == "*":
                    return a * b
        except ValueError as exc:
            self.fail(node, "E406", str(exc))
        self.fail(node, "E404", f"`{sym}` between {_describe(a)} and {_describe(b)} is not "
                                "supported for observables",
                  "observables support +, -, * (with numbers or observables) and / numbers")

    def _expr_compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.evaluate(node.left, scope)
        result: Any = True
        for op, comp_node in zip(node.ops, node.comparators, strict=True):
            right = self.evaluate(comp_node, scope)
            sym, fn = _CMPOPS[type(op)]
            if isinstance(left, RuntimeValue) or isinstance(right, RuntimeValue):
                if sym in ("in", "not in", "is", "is not"):
                    self.fail(node, "E405", f"`{sym}` cannot be applied to a run-time value")
                cmp: Any = RuntimeValue({"$op": [sym, self.to_expr(left, node),
                                                 self.to_expr(right, node)]}, "bool")
                if len(node.ops) > 1:
                    self.fail(node, "E405", "chained comparisons of run-time values are not "
                                            "supported", "compare two values at a time")
                return cmp
            if isinstance(left, _SYMBOLIC) or isinstance(right, _SYMBOLIC):
                self.fail(node, "E216", "comparisons of symbolic parameters are unknown at "
                                        "compile time")
            if sym in ("is", "is not") and not any(
                    x is None or isinstance(x, bool) for x in (left, right)):
                self.fail(node, "E404", f"`{sym}` is only supported with None, True or False",
                          "use == or != to compare values")
            if sym in ("in", "not in") and isinstance(right, dict):
                self.charge(node, left)  # a dict lookup does not scan the dict
            elif sym not in ("is", "is not") and (isinstance(left, _SIZED)
                                                 or isinstance(right, _SIZED)):
                self.charge(node, left, right)
            if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                try:
                    shape = np.broadcast_shapes(np.shape(left), np.shape(right))
                except ValueError:
                    shape = ()
                self.check_len(int(np.prod(shape)), node, "array")
            try:
                with np.errstate(all="ignore"):
                    value = fn(left, right)
            except (TypeError, ValueError):  # ValueError: arrays numpy cannot compare
                self.fail(node, "E404", f"`{sym}` is not supported between {_describe(left)} "
                                        f"and {_describe(right)}")
            if isinstance(value, np.ndarray):
                value = value.copy()
            result = value
            if len(node.ops) > 1 and not self.truth(value, node):
                return value  # chained comparison: `a < b < c` stops at the first False
            left = right
        return result

    def _expr_list(self, node: ast.List, scope: Scope) -> list[Any]:
        return self._elements(node.elts, scope, node)

    def _expr_tuple(self, node: ast.Tuple, scope: Scope) -> tuple[Any, ...]:
        return tuple(self._elements(node.elts, scope, node))

    def _elements(self, elts: list[ast.expr], scope: Scope, node: ast.AST) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(self.iterate(self.evaluate(e.value, scope), e))
                self.check_len(len(out), node)
            else:
                out.append(self.evaluate(e, scope))
        return out

    def _expr_dict(self, node: ast.Dict, scope: Scope) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                other = self.evaluate(v, scope)
                if not isinstance(other, dict):
                    self.fail(v, "E404", f"`**` needs a dict, not {_describe(other)}")
                self.charge(v, other)
                out.update(other)
                continue
            key = self.evaluate(k, scope)
            if not _hashable_key(key):
                self.fail(k, "E404", f"dict keys must be numbers, strings or tuples of them, "
                                     f"not {_describe(key)}")
            out[key] = self.evaluate(v, scope)
        self.check_len(len(out), node, "dict")
        return out

    def _comprehension(self, gens: list[ast.comprehension], scope: Scope,
                       emit: Callable[[Scope], None],
                       node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> None:
        inner = Scope({}, scope)

        def loop(i: int) -> None:
            gen = gens[i]
            items = self.iterate(self.evaluate(gen.iter, inner if i else scope), gen.iter)
            if not i and items:
                refuse_comprehension(self, node, len(items), scope)
            for item in items:
                self.burn(1, node)
                self.assign(gen.target, item, inner)
                if all(self.truth(self.evaluate(c, inner), c) for c in gen.ifs):
                    if i + 1 < len(gens):
                        loop(i + 1)
                    else:
                        emit(inner)

        loop(0)

    def _expr_listcomp(self, node: ast.ListComp | ast.GeneratorExp, scope: Scope) -> list[Any]:
        out: list[Any] = []

        def emit(inner: Scope) -> None:
            out.append(self.evaluate(node.elt, inner))
            if len(out) > self.limits.max_sequence:
                self.check_len(len(out), node)

        self._comprehension(node.generators, scope, emit, node)
        return out

    def _expr_dictcomp(self, node: ast.DictComp, scope: Scope) -> dict[Any, Any]:
        out: dict[Any, Any] = {}

        def emit(inner: Scope) -> None:
            key = self.evaluate(node.key, inner)
            if not _hashable_key(key):
                self.fail(node.key, "E404", f"dict keys must be numbers or strings, not "
                                            f"{_describe(key)}")
            out[key] = self.evaluate(node.value, inner)
            if len(out) > self.limits.max_sequence:
                self.check_len(len(out), node, "dict")

        self._comprehension(node.generators, scope, emit, node)
        return out

    def _expr_joinedstr(self, node: ast.JoinedStr, scope: Scope) -> str:
        parts: list[str] = []
        total = 0
        for v in node.values:
            if isinstance(v, ast.Constant):
                piece = str(v.value)
            elif isinstance(v, ast.FormattedValue):
                value = self.evaluate(v.value, scope)
                if isinstance(value, RuntimeValue):
                    self.fail(v, "E405", "a run-time value cannot be formatted at compile time",
                              "return the value itself")
                spec = (self._expr_joinedstr(v.format_spec, scope)
                        if isinstance(v.format_spec, ast.JoinedStr) else "")
                self.check_format_widths(spec, v)
                self.check_printable(value, v)
                if isinstance(value, _SIZED):
                    self.charge(v, value)
                if v.conversion == ord("r"):
                    value = repr(value)
                elif v.conversion == ord("s") or v.conversion == ord("a"):
                    value = str(value)
                plain = isinstance(value, int | float | str | bool | np.number)
                if not plain and value is not None:
                    value = str(value)
                try:
                    piece = format(value, spec)
                except (ValueError, TypeError) as exc:
                    self.fail(v, "E404", f"bad format: {exc}")
            else:
                self.fail(v, "E222", "unsupported f-string part")
            total += len(piece)
            if total > self.limits.max_string:
                self.check_str("x" * (self.limits.max_string + 1), node)
            parts.append(piece)
        return "".join(parts)

    def _expr_slice(self, node: ast.Slice, scope: Scope) -> slice:
        parts = [None if p is None else self.evaluate(p, scope)
                 for p in (node.lower, node.upper, node.step)]
        for p in parts:
            if p is not None and (not isinstance(p, int) or isinstance(p, bool)):
                self.fail(node, "E404", f"slice bounds must be integers, not {_describe(p)}")
        if parts[2] == 0:
            self.fail(node, "E407", "slice step cannot be zero")
        return slice(*parts)

    def _expr_subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        container = self.evaluate(node.value, scope)
        key = self.evaluate(node.slice, scope)
        value = self.subscript(container, key, node)
        if not _basic_key(key) and isinstance(value, _SIZED):
            self.charge(node, value)  # a slice or fancy index copies
        return value

    def subscript(self, container: Any, key: Any, node: ast.AST) -> Any:
        """Index or slice a compile-time or run-time value."""
        key = _py(key)
        if isinstance(container, RuntimeValue):
            if isinstance(key, RuntimeValue) or not isinstance(key, int | str):
                self.fail(node, "E405", "run-time values can only be indexed by a number or "
                                        "a string")
            return RuntimeValue({"$index": [container.expr, key]}, "any")
        if isinstance(key, RuntimeValue):
            self.fail(node, "E405", "an index must be known at compile time")
        if isinstance(container, QubitRegisterValue | ClassicalRegisterValue):
            idx = range(container.offset, container.offset + container.size)
            try:
                picked = idx[key]
            except (IndexError, TypeError):
                self.fail(node, "E408", f"register index {key!r} is out of range for a register "
                                        f"of size {container.size}")
            if isinstance(container, ClassicalRegisterValue):
                return [Clbit(i) for i in picked] if isinstance(picked, range) else Clbit(picked)
            return list(picked) if isinstance(picked, range) else picked
        if isinstance(container, SymbolicArg):
            if isinstance(key, int) and not isinstance(key, bool) and key >= 0:
                return container.element(key)
            self.fail(node, "E404", f"symbolic argument `{container.name}` can only be indexed "
                                    "by a non-negative integer")
        if isinstance(container, dict) and not _hashable_key(key):
            self.fail(node, "E404", f"dict keys are numbers, strings or tuples of them, not "
                                    f"{_describe(key)}")
        if isinstance(container, list | tuple | str | range | dict | np.ndarray):
            if isinstance(container, np.ndarray) and isinstance(key, tuple | list):
                key = tuple(_py(k) for k in key)
            try:
                value = container[key]
            except (IndexError, KeyError):
                self.fail(node, "E408", f"index {key!r} is out of range" if not isinstance(
                    container, dict) else f"key {key!r} is not in the dict")
            except (TypeError, ValueError) as exc:
                self.fail(node, "E404", f"bad index {key!r}: {exc}")
            if isinstance(value, range):
                return list(value)
            return _py(value) if isinstance(container, np.ndarray) else value
        if isinstance(container, TypeName):
            return container  # Optional[...] etc. in annotations-like positions
        self.fail(node, "E404", f"{_describe(container)} cannot be indexed")

    def _expr_attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        value = self.evaluate(node.value, scope)
        return self.attribute(value, node.attr, node)

    def attribute(self, value: Any, name: str, node: ast.AST) -> Any:
        """Read an attribute through the explicit per-type allow-list (never ``getattr``)."""
        from eigen_engine.compiler.attributes import read_attribute

        return read_attribute(self, value, name, node)

    # ------------------------------------------------------------------ calls
    def _expr_call(self, node: ast.Call, scope: Scope) -> Any:
        func = self.evaluate(node.func, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.iterate(self.evaluate(a.value, scope), a))
            else:
                args.append(self.evaluate(a, scope))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                extra = self.evaluate(kw.value, scope)
                if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
                    self.fail(kw, "E404", "`**` in a call needs a dict with string keys")
                self.charge(kw, extra)
                kwargs.update(extra)
            else:
                kwargs[kw.arg] = self.evaluate(kw.value, scope)
        return self.call(func, args, kwargs, node)

    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        """Call a builtin or inline a user function."""
        if isinstance(func, BuiltinFunction):
            if not func.runtime_ok:
                for v in (*args, *kwargs.values()):
                    if isinstance(v, RuntimeValue):
                        self.fail(node, "E405",
                                  f"`{func.name}` needs a compile-time value, but got "
                                  f"{_describe(v)}",
                                  "run-time results can be returned, combined with + - * /, "
                                  "or passed to sample()/minimize()")
            if func.name != "len":  # the one builtin that is O(1) on any size
                self.charge(node, *args, *kwargs.values())
            result = func.impl(self, CallArgs(tuple(args), kwargs, node))
            if isinstance(result, _SIZED):
                self.charge(node, result)
            return result
        if isinstance(func, FunctionValue):
            from eigen_engine.compiler.functions import call_user_function

            return call_user_function(self, func, args, kwargs, node)
        if isinstance(func, RuntimeValue):
            self.fail(node, "E405", "a run-time value cannot be called")
        self.fail(node, "E404", f"{_describe(func)} is not callable")

    # ------------------------------------------------------------------ run-time values
    def to_expr(self, value: Any, node: ast.AST | None) -> Any:
        """Turn a value into an output-template expression (see ``plan.py``)."""
        value = _py(value)
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
            return {"$dict": [[_key_str(k), self.to_expr(v, node)] for k, v in value.items()]}
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
        self.fail(node, "E404", f"{_describe(value)} cannot be part of a program's result",
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


def _py(value: Any) -> Any:
    """Convert numpy scalars to Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _data_size(values: Iterable[Any], budget: int) -> tuple[int, int]:
    """Deep size of ``values`` (at most a little over ``budget``) and their nesting depth.

    Counts list/tuple/dict items (each alias of a shared container counted again, as
    printing or serialising would), string characters, array elements and observable terms;
    a cycle counts as more than ``budget``. Each distinct container is visited once
    (post-order, sizes and depths memoised by ``id``), so measuring is cheap even when the
    size is not.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    pending: dict[int, tuple[int, list[Any]]] = {}
    total = 0
    deepest = 0
    for root in values:
        while isinstance(root, RuntimeValue):
            root = root.expr
        if not isinstance(root, _SIZED):
            continue
        if not isinstance(root, list | tuple | dict):
            total += _flat_size(root)
        elif id(root) in sizes:
            total += sizes[id(root)]
        else:
            stack: list[tuple[Any, bool]] = [(root, False)]
            while stack:
                v, finish = stack.pop()
                key = id(v)
                if finish:
                    partial, done = pending.pop(key)
                    for k in done:
                        partial += sizes[id(k)]
                    sizes[key] = min(partial, budget + 1)
                    depths[key] = 1 + max((depths[id(k)] for k in done), default=0)
                    continue
                if key in sizes:
                    continue
                if key in pending:  # on the current path: a cycle, infinitely large
                    return budget + 1, deepest
                partial = len(v) + 1
                kids: list[Any] = []
                stack.append((v, True))
                items = v.values() if isinstance(v, dict) else v
                if not any(issubclass(t, _SIZED) for t in set(map(type, items))):
                    items = ()  # flat (numbers only): its length is its size
                for x in items:
                    if isinstance(x, _SIZED):
                        while isinstance(x, RuntimeValue):
                            x = x.expr
                        if isinstance(x, list | tuple | dict):
                            kids.append(x)
                            if id(x) not in sizes:
                                stack.append((x, False))
                        elif isinstance(x, _SIZED):
                            partial += _flat_size(x)
                pending[key] = (partial, kids)
            total += sizes[id(root)]
            deepest = max(deepest, depths[id(root)])
        if total > budget:
            break
    return total, deepest


def _flat_size(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, PauliSum):
        return len(value.terms)
    return len(value) if isinstance(value, str) else 0


def _basic_key(key: Any) -> bool:
    """True for an index that picks one item (int, str, or a tuple of them): O(1) work."""
    if isinstance(key, tuple):
        return all(isinstance(k, int | str) for k in key)
    return isinstance(key, int | str | float) or key is None


def _hashable_key(key: Any, depth: int = 0) -> bool:
    if isinstance(key, tuple):  # (hashing a deeply nested tuple recurses in C)
        return depth < _MAX_KEY_DEPTH and all(_hashable_key(k, depth + 1) for k in key)
    if isinstance(key, ParamExpr):  # `sweep(circuit, {theta: values})`, bindings by Param
        return key.is_symbol
    return key is None or isinstance(key, bool | int | float | str)


def _key_str(key: Any) -> str:
    if isinstance(key, ParamExpr):
        return key.to_json()
    return key if isinstance(key, str) else str(key)
