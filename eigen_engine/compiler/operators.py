"""Operators (unary, binary, boolean, comparison), each checked against the limits first."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.data import SIZED, describe, to_python
from eigen_engine.compiler.values import RuntimeValue, Scope, SymbolicArg
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["binop", "eval_binop", "eval_boolop", "eval_compare", "eval_unaryop"]

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


def eval_boolop(it: Interpreter, node: ast.BoolOp, scope: Scope) -> Any:
    """``a and b``, ``a or b``: short-circuit, the deciding operand is the value."""
    is_and = isinstance(node.op, ast.And)
    value: Any = None
    for sub in node.values:
        value = it.evaluate(sub, scope)
        t = it.truth(value, sub)
        if is_and and not t:
            return value
        if not is_and and t:
            return value
    return value


def eval_unaryop(it: Interpreter, node: ast.UnaryOp, scope: Scope) -> Any:
    """``not x``, ``-x``, ``+x``, ``~x`` (``-`` and ``+`` also on run-time values)."""
    v = it.evaluate(node.operand, scope)
    if isinstance(node.op, ast.Not):
        return not it.truth(v, node.operand)
    if isinstance(v, SymbolicArg):
        v = v.scalar()
    if isinstance(v, RuntimeValue):
        if isinstance(node.op, ast.USub):
            return RuntimeValue({"$neg": v.expr}, "number")
        if isinstance(node.op, ast.UAdd):
            return v
        it.fail(node, "E405", "this operation needs a compile-time value")
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
    it.fail(node, "E404", f"unary operator not supported on {describe(v)}")


def eval_binop(it: Interpreter, node: ast.BinOp, scope: Scope) -> Any:
    """``a <op> b``: both operands, left first, then :func:`binop`."""
    left = it.evaluate(node.left, scope)
    return binop(it, node.op, left, it.evaluate(node.right, scope), node)


def binop(it: Interpreter, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
    """Apply a binary operator with every guard (size, runtime, symbolic, algebra)."""
    sym, fn = _BINOPS[type(op)]
    ta, tb = type(a), type(b)
    plain = (ta is int or ta is float) and (tb is int or tb is float)  # the common case
    if not plain:
        if isinstance(a, SIZED) or isinstance(b, SIZED):
            it.charge(node, a, b)
        if isinstance(a, RuntimeValue) or isinstance(b, RuntimeValue):
            return _runtime_binop(it, sym, a, b, node)
        if isinstance(a, _SYMBOLIC) or isinstance(b, _SYMBOLIC):
            return _symbolic_binop(it, sym, a, b, node)
        if isinstance(a, PauliSum) or isinstance(b, PauliSum):
            return _observable_binop(it, sym, a, b, node)
    _guard_binop(it, sym, a, b, node)
    try:
        if plain:  # Python numbers: numpy's error state plays no part
            result = fn(a, b)
        else:
            with np.errstate(all="ignore"):  # no RuntimeWarning on the host's stderr
                result = fn(a, b)
    except ZeroDivisionError:
        it.fail(node, "E407", "division by zero")
    except OverflowError:
        it.fail(node, "E407", "numeric overflow", "use smaller numbers")
    except (TypeError, ValueError) as exc:
        it.fail(node, "E404",
                f"`{sym}` is not supported between {describe(a)} and {describe(b)}",
                str(exc) if "broadcast" in str(exc) else None)
    if isinstance(result, SIZED):
        it.charge(node, result)  # e.g. `[0] * n` builds n elements from small operands
    if isinstance(result, str):
        it.check_str(result, node)
    elif isinstance(result, int) and not isinstance(result, bool):
        it.check_int(result, node)
    elif isinstance(result, float) and not math.isfinite(result) and math.isfinite(
            float(a) if isinstance(a, int | float) else 0.0):
        it.fail(node, "E407", "the result is not a finite number")
    return result


def _guard_binop(it: Interpreter, sym: str, a: Any, b: Any, node: ast.AST) -> None:
    limits = it.limits
    if sym == "**" and isinstance(a, int) and isinstance(b, int):
        if b > 0 and abs(a) > 1 and (abs(a).bit_length() - 1) * b > limits.max_int_bits:
            it.fail(node, "E506", f"`{a} ** {b}` exceeds the integer limit of "
                                  f"{limits.max_int_bits} bits", "use a float base")
    elif sym == "*":
        seq, n = (a, b) if isinstance(b, int) else (b, a)
        if isinstance(seq, str | list | tuple) and isinstance(n, int):
            total = len(seq) * max(n, 0)
            if isinstance(seq, str):
                if total > limits.max_string:
                    it.fail(node, "E507", f"string repetition would make {total:,} "
                                          f"characters; the limit is {limits.max_string:,}")
            else:
                it.check_len(total, node)
        elif (isinstance(a, int) and isinstance(b, int)
              and a.bit_length() + b.bit_length() > limits.max_int_bits + 1):
            it.fail(node, "E506", "integer product exceeds the integer limit of "
                                  f"{limits.max_int_bits} bits", "use floats")
    elif sym == "+":
        if isinstance(a, str) and isinstance(b, str):
            if len(a) + len(b) > limits.max_string:
                it.fail(node, "E507", "string concatenation exceeds the string limit")
        elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
            it.check_len(len(a) + len(b), node)
    elif (sym == "<<" and isinstance(b, int) and isinstance(a, int)
          and b > limits.max_int_bits):
        it.fail(node, "E506", f"shift by {b} exceeds the integer limit")
    elif sym == "%" and isinstance(a, str):
        if "*" in a:
            it.fail(node, "E404", "`*` widths in %-formatting are not supported",
                    "use an f-string")
        it.check_format_widths(a, node, percent=True)
        it.check_printable(b, node)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        _guard_array_op(it, sym, a, b, node)


def _guard_array_op(it: Interpreter, sym: str, a: Any, b: Any, node: ast.AST) -> None:
    for x in (a, b):
        if isinstance(x, np.ndarray) and x.dtype == object:
            it.fail(node, "E404", "arrays of symbolic or mixed values are not supported",
                    "use a list")
        if not isinstance(x, np.ndarray | int | float | bool | np.number | list | tuple):
            it.fail(node, "E404", f"`{sym}` is not supported between {describe(a)} and "
                                  f"{describe(b)}")
    try:
        sa = np.shape(a)
        sb = np.shape(b)
    except ValueError:  # a ragged list is not an array
        it.fail(node, "E404", f"`{sym}` needs rectangular arrays or lists")
    if sym == "@":
        if len(sa) >= 1 and len(sb) >= 1:
            size = int(np.prod(sa[:-1])) * int(np.prod(sb[1:] if len(sb) > 1 else ()))
            it.check_len(size, node, "array")
        return
    try:
        shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        it.fail(node, "E404", f"array shapes {sa} and {sb} do not match for `{sym}`")
    it.check_len(int(np.prod(shape)), node, "array")


def _runtime_binop(it: Interpreter, sym: str, a: Any, b: Any, node: ast.AST) -> RuntimeValue:
    if sym not in _RUNTIME_BINOPS:
        it.fail(node, "E405", f"`{sym}` cannot be applied to a run-time value")
    return RuntimeValue({"$op": [sym, it.to_expr(a, node), it.to_expr(b, node)]},
                        "number")


def _symbolic_binop(it: Interpreter, sym: str, a: Any, b: Any, node: ast.AST) -> ParamExpr:
    a = a.scalar() if isinstance(a, SymbolicArg) else a
    b = b.scalar() if isinstance(b, SymbolicArg) else b
    a = to_python(a)
    b = to_python(b)
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
            it.fail(node, "E407", "division by zero")
        result = a.scale(1.0 / b)
    else:
        ok = False
    if not ok or isinstance(result, bool):
        it.fail(node, "E404",
                f"`{sym}` between {describe(a)} and {describe(b)} is not supported: "
                "gate parameters are affine (add parameters, scale them by numbers)",
                "compute the angle from one parameter, e.g. `2 * theta + 0.5`")
    return result  # type: ignore[no-any-return]


def _observable_binop(it: Interpreter, sym: str, a: Any, b: Any, node: ast.AST) -> PauliSum:
    a = to_python(a)
    b = to_python(b)
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
                    it.check_len(pairs, node, "observable product")
                    it.burn(pairs, node)
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
        it.fail(node, "E406", str(exc))
    it.fail(node, "E404", f"`{sym}` between {describe(a)} and {describe(b)} is not "
                          "supported for observables",
            "observables support +, -, * (with numbers or observables) and / numbers")


def eval_compare(it: Interpreter, node: ast.Compare, scope: Scope) -> Any:
    """``a < b``, ``a in b``, ``a is None``, chained ``a < b < c`` (run-time: one pair)."""
    left = it.evaluate(node.left, scope)
    result: Any = True
    for op, comp_node in zip(node.ops, node.comparators, strict=True):
        right = it.evaluate(comp_node, scope)
        sym, fn = _CMPOPS[type(op)]
        if isinstance(left, RuntimeValue) or isinstance(right, RuntimeValue):
            if sym in ("in", "not in", "is", "is not"):
                it.fail(node, "E405", f"`{sym}` cannot be applied to a run-time value")
            cmp: Any = RuntimeValue({"$op": [sym, it.to_expr(left, node),
                                             it.to_expr(right, node)]}, "bool")
            if len(node.ops) > 1:
                it.fail(node, "E405", "chained comparisons of run-time values are not "
                                      "supported", "compare two values at a time")
            return cmp
        if isinstance(left, _SYMBOLIC) or isinstance(right, _SYMBOLIC):
            it.fail(node, "E216", "comparisons of symbolic parameters are unknown at "
                                  "compile time")
        if sym in ("is", "is not") and not any(
                x is None or isinstance(x, bool) for x in (left, right)):
            it.fail(node, "E404", f"`{sym}` is only supported with None, True or False",
                    "use == or != to compare values")
        if sym in ("in", "not in") and isinstance(right, dict):
            it.charge(node, left)  # a dict lookup does not scan the dict
        elif sym not in ("is", "is not") and (isinstance(left, SIZED)
                                             or isinstance(right, SIZED)):
            it.charge(node, left, right)
        if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
            try:
                shape = np.broadcast_shapes(np.shape(left), np.shape(right))
            except ValueError:
                shape = ()
            it.check_len(int(np.prod(shape)), node, "array")
        try:
            with np.errstate(all="ignore"):
                value = fn(left, right)
        except (TypeError, ValueError):  # ValueError: arrays numpy cannot compare
            it.fail(node, "E404", f"`{sym}` is not supported between {describe(left)} "
                                  f"and {describe(right)}")
        if isinstance(value, np.ndarray):
            value = value.copy()
        result = value
        if len(node.ops) > 1 and not it.truth(value, node):
            return value  # chained comparison: `a < b < c` stops at the first False
        left = right
    return result
