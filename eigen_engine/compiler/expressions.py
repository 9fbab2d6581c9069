"""Expression handlers, one per allowed node type, and the table ``Interpreter.evaluate`` uses."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.containers import (
    eval_dict,
    eval_dictcomp,
    eval_list,
    eval_listcomp,
    eval_tuple,
)
from eigen_engine.compiler.data import SIZED, basic_key, describe, hashable_key, to_python
from eigen_engine.compiler.operators import eval_binop, eval_boolop, eval_compare, eval_unaryop
from eigen_engine.compiler.values import (
    BuiltinFunction,
    CallArgs,
    ClassicalRegisterValue,
    Clbit,
    FunctionValue,
    QubitRegisterValue,
    RuntimeValue,
    Scope,
    SymbolicArg,
    TypeName,
)

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["EXPRESSIONS", "attribute", "call", "eval_name", "subscript"]


def _eval_constant(it: Interpreter, node: ast.Constant, scope: Scope) -> Any:
    v = node.value
    if isinstance(v, bool) or v is None or isinstance(v, float):
        return v
    if isinstance(v, int):
        return it.check_int(v, node)
    if isinstance(v, str):
        return it.check_str(v, node)
    if v is Ellipsis:
        return v
    it.fail(node, "E222", f"{type(v).__name__} literals are not supported",
            "use numbers, strings, booleans or None")


def eval_name(it: Interpreter, node: ast.Name, scope: Scope) -> Any:
    """The value of a name: scope, builtins, then an unimported Eigen-Lang name (E302)."""
    found, value = scope.lookup(node.id)
    if found:
        return value
    builtins = it.builtins
    if node.id in builtins:
        return builtins[node.id]
    if node.id in it.implicit:
        return it.warn_unimported(node.id, node)
    known: list[str] = []
    s: Scope | None = scope
    while s is not None:
        known.extend(s.names)
        s = s.parent
    close = difflib.get_close_matches(node.id, [*known, *builtins, *it.implicit], n=1)
    hint = f"did you mean `{close[0]}`?" if close else "define it or import it"
    it.fail(node, "E302", f"name `{node.id}` is not defined", hint)


def _eval_ifexp(it: Interpreter, node: ast.IfExp, scope: Scope) -> Any:
    if it.truth(it.evaluate(node.test, scope), node.test):
        return it.evaluate(node.body, scope)
    return it.evaluate(node.orelse, scope)


def _eval_joinedstr(it: Interpreter, node: ast.JoinedStr, scope: Scope) -> str:
    parts: list[str] = []
    total = 0
    for v in node.values:
        if isinstance(v, ast.Constant):
            piece = str(v.value)
        elif isinstance(v, ast.FormattedValue):
            value = it.evaluate(v.value, scope)
            if isinstance(value, RuntimeValue):
                it.fail(v, "E405", "a run-time value cannot be formatted at compile time",
                        "return the value itself")
            spec = (_eval_joinedstr(it, v.format_spec, scope)
                    if isinstance(v.format_spec, ast.JoinedStr) else "")
            it.check_format_widths(spec, v)
            it.check_printable(value, v)
            if isinstance(value, SIZED):
                it.charge(v, value)
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
                it.fail(v, "E404", f"bad format: {exc}")
        else:
            it.fail(v, "E222", "unsupported f-string part")
        total += len(piece)
        if total > it.limits.max_string:
            it.check_str("x" * (it.limits.max_string + 1), node)
        parts.append(piece)
    return "".join(parts)


def _eval_slice(it: Interpreter, node: ast.Slice, scope: Scope) -> slice:
    parts = [None if p is None else it.evaluate(p, scope)
             for p in (node.lower, node.upper, node.step)]
    for p in parts:
        if p is not None and (not isinstance(p, int) or isinstance(p, bool)):
            it.fail(node, "E404", f"slice bounds must be integers, not {describe(p)}")
    if parts[2] == 0:
        it.fail(node, "E407", "slice step cannot be zero")
    return slice(*parts)


def _eval_subscript(it: Interpreter, node: ast.Subscript, scope: Scope) -> Any:
    container = it.evaluate(node.value, scope)
    key = it.evaluate(node.slice, scope)
    value = subscript(it, container, key, node)
    if not basic_key(key) and isinstance(value, SIZED):
        it.charge(node, value)  # a slice or fancy index copies
    return value


def subscript(it: Interpreter, container: Any, key: Any, node: ast.AST) -> Any:
    """Index or slice a compile-time or run-time value."""
    key = to_python(key)
    if isinstance(container, RuntimeValue):
        if isinstance(key, RuntimeValue) or not isinstance(key, int | str):
            it.fail(node, "E405", "run-time values can only be indexed by a number or "
                                  "a string")
        return RuntimeValue({"$index": [container.expr, key]}, "any")
    if isinstance(key, RuntimeValue):
        it.fail(node, "E405", "an index must be known at compile time")
    if isinstance(container, QubitRegisterValue | ClassicalRegisterValue):
        idx = range(container.offset, container.offset + container.size)
        try:
            picked = idx[key]
        except (IndexError, TypeError):
            it.fail(node, "E408", f"register index {key!r} is out of range for a register "
                                  f"of size {container.size}")
        if isinstance(container, ClassicalRegisterValue):
            return [Clbit(i) for i in picked] if isinstance(picked, range) else Clbit(picked)
        return list(picked) if isinstance(picked, range) else picked
    if isinstance(container, SymbolicArg):
        if isinstance(key, int) and not isinstance(key, bool) and key >= 0:
            return container.element(key)
        it.fail(node, "E404", f"symbolic argument `{container.name}` can only be indexed "
                              "by a non-negative integer")
    if isinstance(container, dict) and not hashable_key(key):
        it.fail(node, "E404", f"dict keys are numbers, strings or tuples of them, not "
                              f"{describe(key)}")
    if isinstance(container, list | tuple | str | range | dict | np.ndarray):
        if isinstance(container, np.ndarray) and isinstance(key, tuple | list):
            key = tuple(to_python(k) for k in key)
        try:
            value = container[key]
        except (IndexError, KeyError):
            it.fail(node, "E408", f"index {key!r} is out of range" if not isinstance(
                container, dict) else f"key {key!r} is not in the dict")
        except (TypeError, ValueError) as exc:
            it.fail(node, "E404", f"bad index {key!r}: {exc}")
        if isinstance(value, range):
            return list(value)
        return to_python(value) if isinstance(container, np.ndarray) else value
    if isinstance(container, TypeName):
        return container  # Optional[...] etc. in annotations-like positions
    it.fail(node, "E404", f"{describe(container)} cannot be indexed")


def _eval_attribute(it: Interpreter, node: ast.Attribute, scope: Scope) -> Any:
    value = it.evaluate(node.value, scope)
    return attribute(it, value, node.attr, node)


def attribute(it: Interpreter, value: Any, name: str, node: ast.AST) -> Any:
    """Read an attribute through the explicit per-type allow-list (never ``getattr``)."""
    from eigen_engine.compiler.attributes import read_attribute

    return read_attribute(it, value, name, node)


def _eval_call(it: Interpreter, node: ast.Call, scope: Scope) -> Any:
    func = it.evaluate(node.func, scope)
    args: list[Any] = []
    for a in node.args:
        if isinstance(a, ast.Starred):
            args.extend(it.iterate(it.evaluate(a.value, scope), a))
        else:
            args.append(it.evaluate(a, scope))
    kwargs: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            extra = it.evaluate(kw.value, scope)
            if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
                it.fail(kw, "E404", "`**` in a call needs a dict with string keys")
            it.charge(kw, extra)
            kwargs.update(extra)
        else:
            kwargs[kw.arg] = it.evaluate(kw.value, scope)
    return call(it, func, args, kwargs, node)


def call(it: Interpreter, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call
         ) -> Any:
    """Call a builtin or inline a user function."""
    if isinstance(func, BuiltinFunction):
        if not func.runtime_ok:
            for v in (*args, *kwargs.values()):
                if isinstance(v, RuntimeValue):
                    it.fail(node, "E405",
                            f"`{func.name}` needs a compile-time value, but got "
                            f"{describe(v)}",
                            "run-time results can be returned, combined with + - * /, "
                            "or passed to sample()/minimize()")
        if func.name != "len":  # the one builtin that is O(1) on any size
            it.charge(node, *args, *kwargs.values())
        result = func.impl(it, CallArgs(tuple(args), kwargs, node))
        if isinstance(result, SIZED):
            it.charge(node, result)
        return result
    if isinstance(func, FunctionValue):
        from eigen_engine.compiler.functions import call_user_function

        return call_user_function(it, func, args, kwargs, node)
    if isinstance(func, RuntimeValue):
        it.fail(node, "E405", "a run-time value cannot be called")
    it.fail(node, "E404", f"{describe(func)} is not callable")


EXPRESSIONS: dict[type[ast.AST], Callable[[Interpreter, Any, Scope], Any]] = {
    ast.Constant: _eval_constant,
    ast.Name: eval_name,
    ast.Call: _eval_call,
    ast.BinOp: eval_binop,
    ast.UnaryOp: eval_unaryop,
    ast.BoolOp: eval_boolop,
    ast.Compare: eval_compare,
    ast.IfExp: _eval_ifexp,
    ast.Attribute: _eval_attribute,
    ast.Subscript: _eval_subscript,
    ast.List: eval_list,
    ast.Tuple: eval_tuple,
    ast.Dict: eval_dict,
    ast.ListComp: eval_listcomp,
    ast.GeneratorExp: eval_listcomp,
    ast.DictComp: eval_dictcomp,
    ast.JoinedStr: _eval_joinedstr,
    ast.Slice: _eval_slice,
}
"""``EXPRESSIONS[type(node)](interpreter, node, scope)`` evaluates ``node``; others fail E222."""
