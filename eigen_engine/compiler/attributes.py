"""Attribute access, through one explicit allow-list per value type (never ``getattr``)."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.values import (
    AnsatzValue,
    BuiltinFunction,
    CallArgs,
    CircuitRef,
    ClassicalRegisterValue,
    ModuleValue,
    QubitRegisterValue,
    RuntimeValue,
    TypeName,
)
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["read_attribute"]


def _method(name: str, fn: Callable[[Interpreter, CallArgs], Any]) -> BuiltinFunction:
    return BuiltinFunction(name, fn)


def _no_args(interp: Interpreter, ca: CallArgs, name: str, max_args: int = 0) -> None:
    if len(ca.args) > max_args or ca.kwargs:
        interp.fail(ca.node, "E401", f"`{name}()` takes at most {max_args} argument(s)")


def _exactly(interp: Interpreter, ca: CallArgs, name: str, count: int) -> None:
    if len(ca.args) != count or ca.kwargs:
        interp.fail(ca.node, "E401", f"`{name}()` takes {count} argument(s), got {len(ca.args)}")


def _list_attr(interp: Interpreter, value: list[Any], name: str, node: ast.AST) -> Any:
    def append(it: Interpreter, ca: CallArgs) -> None:
        _exactly(it, ca, "append", 1)
        it.check_len(len(value) + 1, ca.node, "list")
        value.append(ca.args[0])

    def extend(it: Interpreter, ca: CallArgs) -> None:
        _exactly(it, ca, "extend", 1)
        items = it.iterate(ca.args[0], ca.node)
        it.check_len(len(value) + len(items), ca.node, "list")
        value.extend(items)

    def insert(it: Interpreter, ca: CallArgs) -> None:
        _exactly(it, ca, "insert", 2)
        index = ca.args[0]
        if not isinstance(index, int) or isinstance(index, bool):
            it.fail(ca.node, "E401", f"`insert()` needs an integer index, not {index!r}")
        it.check_len(len(value) + 1, ca.node, "list")
        it.charge(ca.node, value)  # shifts the items after the index
        value.insert(index, ca.args[1])

    def simple(fn: Callable[..., Any], label: str, max_args: int) -> BuiltinFunction:
        def impl(it: Interpreter, ca: CallArgs) -> Any:
            _no_args(it, ca, label, max_args)
            if label != "pop" or ca.args:  # all but pop() scan or shift the list
                it.charge(ca.node, value)
            try:
                return fn(*ca.args)
            except (ValueError, IndexError, TypeError) as exc:
                it.fail(ca.node, "E408", f"`{label}()` failed: {exc}")
        return _method(label, impl)

    # Only the method asked for is built: `v.append(x)` in a loop is the common case.
    make: dict[str, Callable[[], BuiltinFunction]] = {
        "append": lambda: _method("append", append),
        "extend": lambda: _method("extend", extend),
        "insert": lambda: _method("insert", insert),
        "pop": lambda: simple(value.pop, "pop", 1),
        "index": lambda: simple(value.index, "index", 1),
        "count": lambda: simple(value.count, "count", 1),
        "copy": lambda: simple(value.copy, "copy", 0),
        "reverse": lambda: simple(value.reverse, "reverse", 0),
        "sort": lambda: simple(value.sort, "sort", 0),
    }
    if name in make:
        return make[name]()
    return _pick(interp, {}, name, "a list", node, extra=list(make))


def _dict_attr(interp: Interpreter, value: dict[Any, Any], name: str, node: ast.AST) -> Any:
    def simple(fn: Callable[..., Any], label: str, max_args: int) -> BuiltinFunction:
        def impl(it: Interpreter, ca: CallArgs) -> Any:
            _no_args(it, ca, label, max_args)
            try:
                out = fn(*ca.args)
            except (KeyError, TypeError) as exc:
                it.fail(ca.node, "E408", f"`{label}()` failed: {exc}")
            if label in ("keys", "values"):
                return list(out)
            if label == "items":
                return [tuple(kv) for kv in out]
            return out
        return _method(label, impl)

    def update(it: Interpreter, ca: CallArgs) -> None:
        _no_args(it, ca, "update", 1)
        other = ca.args[0] if ca.args else {}
        if not isinstance(other, dict):
            it.fail(ca.node, "E404", "`update()` needs a dict")
        value.update(other)
        it.check_len(len(value), ca.node, "dict")

    table = {
        "keys": simple(value.keys, "keys", 0),
        "values": simple(value.values, "values", 0),
        "items": simple(value.items, "items", 0),
        "get": simple(value.get, "get", 2),
        "copy": simple(value.copy, "copy", 0),
        "pop": simple(value.pop, "pop", 2),
        "update": _method("update", update),
    }
    return _pick(interp, table, name, "a dict", node)


_STR_METHODS = frozenset({"join", "split", "strip", "lstrip", "rstrip", "replace", "startswith",
                          "endswith", "upper", "lower", "title", "count", "find", "zfill",
                          "ljust", "rjust", "center"})


def _str_attr(interp: Interpreter, value: str, name: str, node: ast.AST) -> Any:
    if name not in _STR_METHODS:
        return _pick(interp, {}, name, "a string", node, extra=sorted(_STR_METHODS))
    table: dict[str, Callable[..., Any]] = {  # every allowed method spelled out, no getattr
        "join": value.join, "split": value.split, "strip": value.strip,
        "lstrip": value.lstrip, "rstrip": value.rstrip, "replace": value.replace,
        "startswith": value.startswith, "endswith": value.endswith, "upper": value.upper,
        "lower": value.lower, "title": value.title, "count": value.count, "find": value.find,
        "zfill": value.zfill, "ljust": value.ljust, "rjust": value.rjust,
        "center": value.center,
    }
    bound = table[name]

    def impl(it: Interpreter, ca: CallArgs) -> Any:
        if ca.kwargs:
            it.fail(ca.node, "E401", f"`str.{name}()` takes no keyword arguments here")
        it.charge(ca.node, value)  # every string method scans the string
        if name in ("zfill", "ljust", "rjust", "center") and ca.args:
            width = ca.args[0]
            if isinstance(width, int) and width > it.limits.max_string:
                it.fail(ca.node, "E507", "string width exceeds the string limit")
        if name == "join":
            items = it.iterate(ca.args[0], ca.node) if ca.args else []
            if not all(isinstance(x, str) for x in items):
                it.fail(ca.node, "E404", "`join()` needs a list of strings")
            if sum(map(len, items)) + len(value) * len(items) > it.limits.max_string:
                it.fail(ca.node, "E507", "joined string exceeds the string limit")
        if name == "replace" and len(ca.args) >= 2 and isinstance(ca.args[1], str):
            growth = max(len(ca.args[1]) - len(ca.args[0] or "x"), 0)
            if len(value) + growth * (len(value) + 1) > it.limits.max_string:
                it.fail(ca.node, "E507", "replacement could exceed the string limit")
        try:
            return bound(*ca.args)
        except (TypeError, ValueError) as exc:
            it.fail(ca.node, "E404", f"`str.{name}()` failed: {exc}")

    return _method(f"str.{name}", impl)


def _array_attr(interp: Interpreter, value: np.ndarray, name: str, node: ast.AST) -> Any:
    if name == "shape":
        return tuple(int(s) for s in value.shape)
    if name == "size":
        return int(value.size)
    if name == "ndim":
        return int(value.ndim)
    if name == "T":
        return value.T

    def reshape(it: Interpreter, ca: CallArgs) -> Any:
        shape = ca.args[0] if len(ca.args) == 1 else ca.args
        try:
            return value.reshape(shape)
        except (ValueError, TypeError) as exc:
            it.fail(ca.node, "E404", f"cannot reshape: {exc}")

    def reducer(fn: Callable[[], Any], label: str) -> BuiltinFunction:
        def impl(it: Interpreter, ca: CallArgs) -> Any:
            _no_args(it, ca, label)
            it.charge(ca.node, value)
            if label == "mean" and value.size == 0:  # numpy warns and gives nan
                it.fail(ca.node, "E406", "`mean()` of an empty array is undefined")
            try:
                out = fn()
            except ValueError as exc:  # e.g. min() of an empty array
                it.fail(ca.node, "E406", f"`{label}()` failed: {exc}")
            return out.item() if isinstance(out, np.generic) else out
        return _method(label, impl)

    table = {
        "tolist": reducer(value.tolist, "tolist"),
        "flatten": reducer(value.flatten, "flatten"),
        "copy": reducer(value.copy, "copy"),
        "sum": reducer(value.sum, "sum"),
        "mean": reducer(value.mean, "mean"),
        "min": reducer(value.min, "min"),
        "max": reducer(value.max, "max"),
        "reshape": _method("reshape", reshape),
    }
    return _pick(interp, table, name, "an array", node, extra=["shape", "size", "ndim", "T"])


def _runtime_attr(interp: Interpreter, value: RuntimeValue, name: str, node: ast.AST) -> Any:
    if value.kind == "minimize" and name != "tolist":
        return interp.minimize_field(value, name, node)
    if name == "tolist":
        def tolist(it: Interpreter, ca: CallArgs) -> RuntimeValue:
            _no_args(it, ca, "tolist")
            return RuntimeValue({"$call": ["tolist", value.expr]}, "list")
        return BuiltinFunction("tolist", tolist)
    interp.fail(node, "E405", f"`.{name}` cannot be read from {value.kind} result known only "
                              "at run time", "return the value itself")


def _pick(interp: Interpreter, table: dict[str, Any], name: str, what: str, node: ast.AST,
          extra: list[str] | None = None) -> Any:
    if name in table:
        return table[name]
    known = [*table, *(extra or [])]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean `{close[0]}`?" if close else (
        "available: " + ", ".join(sorted(known)) if known else None)
    interp.fail(node, "E303", f"{what} has no attribute `{name}` in Eigen-Lang", hint)


def read_attribute(interp: Interpreter, value: Any, name: str, node: ast.AST) -> Any:
    """Return ``value.name`` if the type's allow-list has it, else fail with E303/E405."""
    if name.startswith("_"):
        interp.fail(node, "E214", f"private attribute `{name}` is not accessible",
                    "use only public Eigen-Lang and numpy names")
    if type(value) is list:  # the most frequent case first (none of the types below is a list)
        return _list_attr(interp, value, name, node)
    if isinstance(value, ModuleValue):
        if name in value.attrs:
            return value.attrs[name]
        close = difflib.get_close_matches(name, list(value.attrs), n=1)
        interp.fail(node, "E303", f"`{value.name}.{name}` is not available in Eigen-Lang",
                    f"did you mean `{value.name}.{close[0]}`?" if close else
                    "see LANGUAGE.md for the allowed subset")
    if isinstance(value, RuntimeValue):
        return _runtime_attr(interp, value, name, node)
    if isinstance(value, TypeName):
        return TypeName(f"{value.name}.{name}")
    if isinstance(value, QubitRegisterValue | ClassicalRegisterValue):
        return _pick(interp, {"size": value.size}, name, "a register", node)
    if isinstance(value, AnsatzValue | CircuitRef):
        c = value.circuit if isinstance(value, AnsatzValue) else value
        table = {
            "num_params": len(c.parameters),
            "num_parameters": len(c.parameters),
            "n_qubits": c.num_qubits,
            "num_qubits": c.num_qubits,
            "parameters": [ParamExpr.symbol(p) for p in c.parameters],
        }
        return _pick(interp, table, name, "an ansatz", node)
    if isinstance(value, PauliSum):
        if name != "terms":
            return _pick(interp, {"n_qubits": value.num_qubits, "num_qubits": value.num_qubits},
                         name, "an observable", node, extra=["terms"])
        # one dense label per term: check the table's size before building it
        interp.check_len(len(value.terms) * value.num_qubits, node, "table of Pauli labels")
        try:
            return value.labels()
        except ValueError as exc:
            interp.fail(node, "E406", str(exc))
    if isinstance(value, ParamExpr):
        if value.is_symbol and name == "name":
            return value.names[0]
        return _pick(interp, {}, name, "a symbolic parameter", node, extra=["name"])
    if isinstance(value, np.ndarray):
        return _array_attr(interp, value, name, node)
    if isinstance(value, list):
        return _list_attr(interp, value, name, node)
    if isinstance(value, dict):
        return _dict_attr(interp, value, name, node)
    if isinstance(value, str):
        return _str_attr(interp, value, name, node)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _pick(interp, {"real": value, "imag": 0}, name, "a number", node)
    interp.fail(node, "E303", f"{type(value).__name__} values have no attribute `{name}` in "
                              "Eigen-Lang")
