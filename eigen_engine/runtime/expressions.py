"""A small, safe evaluator of plan expressions (objectives and the output template).

Expressions are JSON (see :mod:`eigen_engine.compiler.plan`): literals stand for themselves,
and every object is one ``$`` tag — ``$node``, ``$attr``, ``$index``, ``$call``, ``$op``,
``$neg``, ``$dict``. Nothing is executed: each tag has its own handler over an allow-list of
operations, numbers are bounded, and every failure is an
:class:`~eigen_engine.errors.InvalidArgument` naming what went wrong.

Example:
    >>> evaluate({"$op": ["*", 2, {"$node": "e0"}]}, {"e0": -1.5}.__getitem__)
    -3.0
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from eigen_engine.errors import InvalidArgument
from eigen_engine.runtime.dual import Dual

__all__ = ["CountsView", "check", "evaluate"]

Resolver = Callable[[str], Any]
_MAX_INT_BITS = 4096  # an int ** int past this is computed as a float (bounded work)

_BINARY: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": lambda a, b: _power(a, b),
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class CountsView(dict[str, int]):
    """Counts whose missing bitstrings read as 0 (a bitstring never seen has count 0).

    A key that is not a bitstring of the counts' width is still an error.
    """

    def __init__(self, counts: Mapping[str, int], width: int) -> None:
        super().__init__(counts)
        self.width = width

    def __missing__(self, key: str) -> int:
        if isinstance(key, str) and len(key) == self.width and set(key) <= {"0", "1"}:
            return 0
        raise KeyError(key)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Dual) and not isinstance(v, bool)


def _power(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and b > 0:
        bits = max(abs(a), 1).bit_length() * b
        if bits > _MAX_INT_BITS:
            return float(a) ** b  # raises OverflowError instead of building a huge integer
    return a**b


def _to_float(v: Any) -> Any:
    if isinstance(v, Dual):
        return v
    if _is_number(v) or isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
    raise TypeError(f"float() of {_describe(v)}")


def _to_int(v: Any) -> Any:
    if isinstance(v, Dual):
        return v.constant(float(int(v.value)))
    if _is_number(v) or isinstance(v, bool):
        return int(v)
    raise TypeError(f"int() of {_describe(v)}")


def _round(v: Any, ndigits: Any = None) -> Any:
    if ndigits is not None and (isinstance(ndigits, bool) or not isinstance(ndigits, int)):
        raise TypeError("round() digits must be an integer")
    if isinstance(v, Dual):
        return v.constant(float(round(v.value, ndigits)))
    if not _is_number(v):
        raise TypeError(f"round() of {_describe(v)}")
    return round(v, ndigits)


def _abs(v: Any) -> Any:
    if not _is_number(v):
        raise TypeError(f"abs() of {_describe(v)}")
    return abs(v)


def _tolist(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return list(v)
    if _is_number(v) or isinstance(v, bool):
        return v
    raise TypeError(f".tolist() of {_describe(v)}")


_CALLS: Mapping[str, Callable[..., Any]] = {
    "float": _to_float,
    "int": _to_int,
    "round": _round,
    "abs": _abs,
    "tolist": _tolist,
}


def _describe(v: Any) -> str:
    if isinstance(v, Mapping):
        return "a mapping"
    if isinstance(v, list | tuple):
        return "a list"
    return type(v).__name__


def evaluate(expr: Any, resolve: Resolver) -> Any:
    """Evaluate a plan expression.

    Args:
        expr: The JSON expression.
        resolve: Returns the value of a plan node by id (a number, a :class:`Dual`, a
            minimize-result mapping, counts, a list).

    Raises:
        InvalidArgument: an unknown tag or function, an operation the values do not support,
            division by zero, overflow, or an expression nested too deeply.
    """
    try:
        return _eval(expr, resolve)
    except RecursionError:
        raise InvalidArgument("a plan expression is nested too deeply") from None


def check(expr: Any) -> None:
    """Check an expression's structure (tags, arities, functions, operators) without
    evaluating it, so a malformed plan fails before any simulation.

    Raises:
        InvalidArgument: what :func:`evaluate` would reject for its shape alone.
    """
    try:
        _check(expr)
    except RecursionError:
        raise InvalidArgument("a plan expression is nested too deeply") from None


def _check(expr: Any) -> None:
    if expr is None or isinstance(expr, bool | int | str):
        return
    if isinstance(expr, float):
        if not math.isfinite(expr):
            raise InvalidArgument(f"a plan expression holds the non-finite number {expr}")
        return
    if isinstance(expr, list):
        for e in expr:
            _check(e)
        return
    if not isinstance(expr, dict) or len(expr) != 1:
        raise InvalidArgument(f"not a plan expression: {_short(expr)}")
    ((tag, arg),) = expr.items()
    if tag == "$node":
        if not isinstance(arg, str):
            raise InvalidArgument(f"$node needs a node id, not {_short(arg)}")
    elif tag == "$dict":
        if not isinstance(arg, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in arg
        ):
            raise InvalidArgument("$dict needs a list of [key, expression] pairs")
        for _, v in arg:
            _check(v)
    elif tag == "$neg":
        _check(arg)
    elif tag in _ARITY:
        if not isinstance(arg, list) or not arg:
            raise InvalidArgument(f"{tag} needs a list of arguments, not {_short(arg)}")
        head, operands = arg[0], arg[1:]
        if tag == "$attr" and (len(arg) != 2 or not isinstance(head, str)):
            raise InvalidArgument("$attr needs [name, expression]")
        if tag == "$index" and len(arg) != 2:
            raise InvalidArgument("$index needs [expression, key]")
        if tag == "$call" and (not isinstance(head, str) or head not in _CALLS):
            raise InvalidArgument(
                f"unknown function {head!r} in a plan expression; known: {', '.join(_CALLS)}"
            )
        if tag == "$op" and (len(arg) != 3 or head not in _BINARY):
            raise InvalidArgument(
                f"$op needs [operator, a, b] with an operator from {' '.join(_BINARY)}"
            )
        for e in (arg if tag == "$index" else operands):
            _check(e)
    else:
        raise InvalidArgument(f"unknown plan expression tag {tag!r}")


_ARITY = frozenset({"$attr", "$index", "$call", "$op"})


def _eval(expr: Any, resolve: Resolver) -> Any:
    if expr is None or isinstance(expr, bool | int | str):
        return expr
    if isinstance(expr, float):
        if not math.isfinite(expr):
            raise InvalidArgument(f"a plan expression holds the non-finite number {expr}")
        return expr
    if isinstance(expr, list):
        return [_eval(e, resolve) for e in expr]
    if not isinstance(expr, dict) or len(expr) != 1:
        raise InvalidArgument(f"not a plan expression: {_short(expr)}")
    ((tag, arg),) = expr.items()
    if tag == "$node":
        if not isinstance(arg, str):
            raise InvalidArgument(f"$node needs a node id, not {_short(arg)}")
        return resolve(arg)
    if tag == "$dict":
        if not isinstance(arg, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in arg
        ):
            raise InvalidArgument("$dict needs a list of [key, expression] pairs")
        return {k: _eval(v, resolve) for k, v in arg}
    if tag == "$neg":
        value = _eval(arg, resolve)
        if not _is_number(value):
            raise InvalidArgument(f"cannot negate {_describe(value)}")
        return -value
    if not isinstance(arg, list) or not arg:
        raise InvalidArgument(f"{tag} needs a list of arguments, not {_short(arg)}")
    if tag == "$attr":
        return _attr(arg, resolve)
    if tag == "$index":
        return _index(arg, resolve)
    if tag == "$call":
        return _call(arg, resolve)
    if tag == "$op":
        return _op(arg, resolve)
    raise InvalidArgument(f"unknown plan expression tag {tag!r}")


def _attr(arg: list[Any], resolve: Resolver) -> Any:
    if len(arg) != 2 or not isinstance(arg[0], str):
        raise InvalidArgument("$attr needs [name, expression]")
    name, target = arg[0], _eval(arg[1], resolve)
    if not isinstance(target, Mapping) or isinstance(target, CountsView):
        raise InvalidArgument(f"cannot read the field {name!r} of {_describe(target)}")
    if name not in target:
        raise InvalidArgument(
            f"a result has no field {name!r}; fields: {', '.join(sorted(map(str, target)))}"
        )
    return target[name]


def _index(arg: list[Any], resolve: Resolver) -> Any:
    if len(arg) != 2:
        raise InvalidArgument("$index needs [expression, key]")
    container, key = _eval(arg[0], resolve), _eval(arg[1], resolve)
    try:
        if isinstance(container, list | tuple) and isinstance(key, int) and not isinstance(
                key, bool):
            return container[key]
        if isinstance(container, Mapping) and isinstance(key, str):
            return container[key]
    except (IndexError, KeyError):
        raise InvalidArgument(f"index {key!r} is out of range for {_describe(container)} "
                              f"of size {len(container)}") from None
    raise InvalidArgument(f"cannot index {_describe(container)} with {key!r}")


def _call(arg: list[Any], resolve: Resolver) -> Any:
    fn = _CALLS.get(arg[0]) if isinstance(arg[0], str) else None
    if fn is None:
        raise InvalidArgument(
            f"unknown function {arg[0]!r} in a plan expression; known: {', '.join(_CALLS)}"
        )
    values = [_eval(a, resolve) for a in arg[1:]]
    try:
        return fn(*values)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidArgument(f"{arg[0]}() failed in the output: {exc}") from None


def _op(arg: list[Any], resolve: Resolver) -> Any:
    if len(arg) != 3 or arg[0] not in _BINARY:
        raise InvalidArgument(
            f"$op needs [operator, a, b] with an operator from {' '.join(_BINARY)}"
        )
    sym = arg[0]
    a, b = _eval(arg[1], resolve), _eval(arg[2], resolve)
    if sym not in ("==", "!=") and not (_is_number(a) and _is_number(b)):
        raise InvalidArgument(f"`{sym}` is not defined between {_describe(a)} and "
                              f"{_describe(b)}")
    try:
        result = _BINARY[sym](a, b)
    except ZeroDivisionError:
        raise InvalidArgument(f"division by zero in `{sym}`") from None
    except OverflowError:
        raise InvalidArgument(f"`{sym}` overflowed") from None
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"`{sym}` failed: {exc}") from None
    if isinstance(result, complex):
        raise InvalidArgument(f"`{sym}` gave a complex number (a negative number to a "
                              "fractional power)")
    return result


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
