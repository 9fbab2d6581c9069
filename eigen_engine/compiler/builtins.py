"""The Python builtins a program may call, each re-implemented with the compiler's limits."""

from __future__ import annotations

import itertools
import math
import operator
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.values import BuiltinFunction, CallArgs, RuntimeValue, TypeName

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["BUILTINS"]


def _arity(it: Interpreter, ca: CallArgs, name: str, lo: int, hi: int,
           kwargs: frozenset[str] = frozenset()) -> None:
    if not lo <= len(ca.args) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        it.fail(ca.node, "E401", f"`{name}()` takes {want} argument(s), got {len(ca.args)}")
    bad = set(ca.kwargs) - kwargs
    if bad:
        it.fail(ca.node, "E401", f"`{name}()` got an unexpected keyword argument "
                                 f"`{sorted(bad)[0]}`")


def _int_arg(it: Interpreter, ca: CallArgs, value: Any, what: str) -> int:
    if isinstance(value, np.integer):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        it.fail(ca.node, "E401", f"{what} must be an integer, not {type(value).__name__}")
    return value


def _range(it: Interpreter, ca: CallArgs) -> range:
    _arity(it, ca, "range", 1, 3)
    args = [_int_arg(it, ca, a, "range() arguments") for a in ca.args]
    if len(args) == 3 and args[2] == 0:
        it.fail(ca.node, "E407", "range() step cannot be zero")
    r = range(*args)
    try:
        n = len(r)
    except OverflowError:  # more than sys.maxsize elements
        it.fail(ca.node, "E505", f"this range would have more than {sys.maxsize:,} elements; "
                                 f"the limit is {it.limits.max_sequence:,}", "use smaller sizes")
    it.check_len(n, ca.node, "range")
    return r


def _len(it: Interpreter, ca: CallArgs) -> int:
    _arity(it, ca, "len", 1, 1)
    v = ca.args[0]
    from eigen_engine.compiler.values import ClassicalRegisterValue, QubitRegisterValue

    if isinstance(v, QubitRegisterValue | ClassicalRegisterValue):
        return v.size
    if isinstance(v, list | tuple | str | dict | range | np.ndarray):
        return len(v)
    return len(it.iterate(v, ca.node))


def _enumerate(it: Interpreter, ca: CallArgs) -> list[tuple[int, Any]]:
    _arity(it, ca, "enumerate", 1, 2, frozenset({"start"}))
    start = ca.kwargs.get("start", ca.args[1] if len(ca.args) > 1 else 0)
    start = _int_arg(it, ca, start, "enumerate() start")
    return list(enumerate(it.iterate(ca.args[0], ca.node), start))


def _zip(it: Interpreter, ca: CallArgs) -> list[tuple[Any, ...]]:
    _arity(it, ca, "zip", 0, 32, frozenset({"strict"}))
    seqs = [it.iterate(a, ca.node) for a in ca.args]
    if ca.kwargs.get("strict") and len({len(s) for s in seqs}) > 1:
        it.fail(ca.node, "E401", "zip(strict=True) arguments have different lengths")
    return list(zip(*seqs, strict=False))


def _list(it: Interpreter, ca: CallArgs) -> list[Any]:
    _arity(it, ca, "list", 0, 1)
    return it.iterate(ca.args[0], ca.node) if ca.args else []


def _tuple(it: Interpreter, ca: CallArgs) -> tuple[Any, ...]:
    return tuple(_list(it, ca))


def _dict(it: Interpreter, ca: CallArgs) -> dict[Any, Any]:
    _arity(it, ca, "dict", 0, 1, frozenset(ca.kwargs))
    out: dict[Any, Any] = {}
    if ca.args:
        src = ca.args[0]
        if isinstance(src, dict):
            out.update(src)
        else:
            for pair in it.iterate(src, ca.node):
                items = it.iterate(pair, ca.node)
                if len(items) != 2:
                    it.fail(ca.node, "E401", "dict() needs (key, value) pairs")
                it.check_key(items[0], ca.node)
                out[items[0]] = items[1]
    out.update(ca.kwargs)
    it.check_len(len(out), ca.node, "dict")
    return out


def _runtime_call(fn: str, kind: str, value: RuntimeValue, *extra: Any) -> RuntimeValue:
    return RuntimeValue({"$call": [fn, value.expr, *extra]}, kind)


def _float(it: Interpreter, ca: CallArgs) -> Any:
    _arity(it, ca, "float", 0, 1)
    if not ca.args:
        return 0.0
    v = ca.args[0]
    if isinstance(v, RuntimeValue):
        return _runtime_call("float", "number", v)
    if isinstance(v, str):
        it.check_str(v, ca.node)
    try:
        return float(v)
    except (TypeError, ValueError) as exc:
        it.fail(ca.node, "E404", f"float() cannot convert this value: {exc}")


def _int(it: Interpreter, ca: CallArgs) -> Any:
    _arity(it, ca, "int", 0, 1)
    if not ca.args:
        return 0
    v = ca.args[0]
    if isinstance(v, RuntimeValue):
        return _runtime_call("int", "number", v)
    if isinstance(v, str) and len(v) > 40:
        it.fail(ca.node, "E506", "the integer text is too long")
    try:
        out = int(v)
    except (TypeError, ValueError, OverflowError) as exc:
        it.fail(ca.node, "E404", f"int() cannot convert this value: {exc}")
    return it.check_int(out, ca.node)


def _bool(it: Interpreter, ca: CallArgs) -> bool:
    _arity(it, ca, "bool", 0, 1)
    return it.truth(ca.args[0], ca.node) if ca.args else False


def _str(it: Interpreter, ca: CallArgs) -> str:
    _arity(it, ca, "str", 0, 1)
    if not ca.args:
        return ""
    v = ca.args[0]
    if isinstance(v, list | tuple | dict | np.ndarray):
        it.check_len(len(v) * 4, ca.node)
    it.check_printable(v, ca.node)
    return it.check_str(str(v), ca.node)


def _abs(it: Interpreter, ca: CallArgs) -> Any:
    _arity(it, ca, "abs", 1, 1)
    v = ca.args[0]
    if isinstance(v, RuntimeValue):
        return _runtime_call("abs", "number", v)
    try:
        return abs(v)
    except TypeError:
        it.fail(ca.node, "E404", "abs() needs a number")


def _round(it: Interpreter, ca: CallArgs) -> Any:
    _arity(it, ca, "round", 1, 2, frozenset({"ndigits"}))
    v = ca.args[0]
    nd = ca.kwargs.get("ndigits", ca.args[1] if len(ca.args) > 1 else None)
    if isinstance(v, RuntimeValue):
        return _runtime_call("round", "number", v, *([] if nd is None else [nd]))
    if nd is not None and abs(_int_arg(it, ca, nd, "ndigits")) > 1_000:
        it.fail(ca.node, "E406", f"round() ndigits must be between -1000 and 1000, got {nd}")
    try:
        return round(v) if nd is None else round(v, nd)
    except (TypeError, ValueError, OverflowError) as exc:
        it.fail(ca.node, "E404", f"round() failed: {exc}")


def _sum(it: Interpreter, ca: CallArgs) -> Any:
    import ast

    _arity(it, ca, "sum", 1, 2, frozenset({"start"}))
    total = ca.kwargs.get("start", ca.args[1] if len(ca.args) > 1 else 0)
    items = it.iterate(ca.args[0], ca.node)
    if items and (type(total) is int or type(total) is float):
        fast = _sum_numbers(it, ca, total, items)
        if fast is not None:
            return fast
    add = ast.Add()
    for item in items:
        it.burn(1, ca.node)
        total = it.binop(add, total, item, ca.node)
    return total


def _sum_numbers(it: Interpreter, ca: CallArgs, start: int | float, items: list[Any]
                 ) -> int | float | None:
    """``sum`` of plain numbers in C, with the loop's fuel and checks; None: take the loop.

    The loop spends one step per item and checks every partial sum (integers within the
    integer limit, floats finite); the partial sums are computed in the same order, so when
    all of them pass, the result, the fuel and the diagnostics are the loop's.
    """
    kinds = set(map(type, items))
    if not kinds <= {int, float}:
        return None
    paid = items[:it.fuel] if len(items) > it.fuel else items  # the loop fails past these
    try:
        partials = list(itertools.accumulate(paid, operator.add, initial=start))
    except OverflowError:  # an integer too large for a float: the loop reports it
        return None
    if float in kinds or type(start) is float:  # the partial sums are floats from here on
        floats = next((i for i, p in enumerate(partials) if type(p) is float), len(partials))
    else:
        floats = len(partials)
    limit = 1 << it.limits.max_int_bits
    ints = partials if floats == len(partials) else partials[:floats]
    if ints and not -limit < min(ints) <= max(ints) < limit:
        return None  # an integer partial sum exceeds the limit: the loop reports where
    if floats < len(partials) and not (math.isfinite(partials[floats - 1] if floats else start)
                                       and math.isfinite(partials[-1])):
        return None  # non-finite floats: the loop decides whether that is an error
    it.burn(len(items), ca.node)  # (fails with E503 exactly when the loop would)
    return partials[-1]


def _extreme(name: str, pick: Callable[..., Any]) -> Callable[[Interpreter, CallArgs], Any]:
    def impl(it: Interpreter, ca: CallArgs) -> Any:
        _arity(it, ca, name, 1, 1_000, frozenset({"default"}))
        items = it.iterate(ca.args[0], ca.node) if len(ca.args) == 1 else list(ca.args)
        if not items:
            if "default" in ca.kwargs:
                return ca.kwargs["default"]
            it.fail(ca.node, "E406", f"{name}() of an empty sequence")
        try:
            return pick(items)
        except (TypeError, ValueError):  # ValueError: comparing arrays
            it.fail(ca.node, "E404", f"{name}() needs comparable values")
    return impl


def _sorted(it: Interpreter, ca: CallArgs) -> list[Any]:
    _arity(it, ca, "sorted", 1, 1, frozenset({"reverse"}))
    try:
        return sorted(it.iterate(ca.args[0], ca.node), reverse=bool(ca.kwargs.get("reverse")))
    except (TypeError, ValueError):
        it.fail(ca.node, "E404", "sorted() needs comparable values")


def _reversed(it: Interpreter, ca: CallArgs) -> list[Any]:
    _arity(it, ca, "reversed", 1, 1)
    return it.iterate(ca.args[0], ca.node)[::-1]


def _any_all(name: str) -> Callable[[Interpreter, CallArgs], bool]:
    def impl(it: Interpreter, ca: CallArgs) -> bool:
        _arity(it, ca, name, 1, 1)
        truths = (it.truth(v, ca.node) for v in it.iterate(ca.args[0], ca.node))
        return any(truths) if name == "any" else all(truths)
    return impl


def _pow(it: Interpreter, ca: CallArgs) -> Any:
    import ast

    _arity(it, ca, "pow", 2, 2)
    return it.binop(ast.Pow(), ca.args[0], ca.args[1], ca.node)


def _divmod(it: Interpreter, ca: CallArgs) -> tuple[Any, Any]:
    import ast

    _arity(it, ca, "divmod", 2, 2)
    return (it.binop(ast.FloorDiv(), ca.args[0], ca.args[1], ca.node),
            it.binop(ast.Mod(), ca.args[0], ca.args[1], ca.node))


_TABLE: dict[str, Any] = {
    "range": BuiltinFunction("range", _range),
    "len": BuiltinFunction("len", _len),
    "enumerate": BuiltinFunction("enumerate", _enumerate),
    "zip": BuiltinFunction("zip", _zip),
    "list": BuiltinFunction("list", _list),
    "tuple": BuiltinFunction("tuple", _tuple),
    "dict": BuiltinFunction("dict", _dict),
    "float": BuiltinFunction("float", _float, runtime_ok=True),
    "int": BuiltinFunction("int", _int, runtime_ok=True),
    "bool": BuiltinFunction("bool", _bool),
    "str": BuiltinFunction("str", _str),
    "abs": BuiltinFunction("abs", _abs, runtime_ok=True),
    "round": BuiltinFunction("round", _round, runtime_ok=True),
    "sum": BuiltinFunction("sum", _sum, runtime_ok=True),
    "min": BuiltinFunction("min", _extreme("min", min)),
    "max": BuiltinFunction("max", _extreme("max", max)),
    "sorted": BuiltinFunction("sorted", _sorted),
    "reversed": BuiltinFunction("reversed", _reversed),
    "any": BuiltinFunction("any", _any_all("any")),
    "all": BuiltinFunction("all", _any_all("all")),
    "pow": BuiltinFunction("pow", _pow, runtime_ok=True),
    "divmod": BuiltinFunction("divmod", _divmod),
    "True": True,
    "False": False,
    "None": None,
    "Ellipsis": Ellipsis,
    "object": TypeName("object"),
}
# Type names used in annotations (``x: int = 3``) and as conversions above.
for _t in ("set", "frozenset", "complex", "bytes"):
    _TABLE[_t] = TypeName(_t)

BUILTINS: Mapping[str, Any] = MappingProxyType(_TABLE)
"""Names visible in every program without import."""
