"""What the interpreter asks of any value: its name in messages, its deep size, its use as a key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from eigen_engine.compiler.values import (
    BuiltinFunction,
    FunctionValue,
    RuntimeValue,
    SymbolicArg,
)
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr

__all__ = [
    "SIZED",
    "basic_key",
    "data_size",
    "describe",
    "hashable_key",
    "key_str",
    "to_python",
]

# Values whose size an operation may be proportional to (see Interpreter.charge).
SIZED = (list, tuple, dict, str, np.ndarray, PauliSum, RuntimeValue)
_MAX_KEY_DEPTH = 16


def describe(value: Any) -> str:
    """Name ``value`` for a message: ``"an observable"``, ``"a value of type set"``, ..."""
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


def to_python(value: Any) -> Any:
    """Convert numpy scalars to Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def data_size(values: Iterable[Any], budget: int) -> tuple[int, int]:
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
        if not isinstance(root, SIZED):
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
                if not any(issubclass(t, SIZED) for t in set(map(type, items))):
                    items = ()  # flat (numbers only): its length is its size
                for x in items:
                    if isinstance(x, SIZED):
                        while isinstance(x, RuntimeValue):
                            x = x.expr
                        if isinstance(x, list | tuple | dict):
                            kids.append(x)
                            if id(x) not in sizes:
                                stack.append((x, False))
                        elif isinstance(x, SIZED):
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


def basic_key(key: Any) -> bool:
    """True for an index that picks one item (int, str, or a tuple of them): O(1) work."""
    if isinstance(key, tuple):
        return all(isinstance(k, int | str) for k in key)
    return isinstance(key, int | str | float) or key is None


def hashable_key(key: Any, depth: int = 0) -> bool:
    """True if ``key`` can be a dict key: a number, string, symbol or tuple of them."""
    if isinstance(key, tuple):  # (hashing a deeply nested tuple recurses in C)
        return depth < _MAX_KEY_DEPTH and all(hashable_key(k, depth + 1) for k in key)
    if isinstance(key, ParamExpr):  # `sweep(circuit, {theta: values})`, bindings by Param
        return key.is_symbol
    return key is None or isinstance(key, bool | int | float | str)


def key_str(key: Any) -> str:
    """The JSON object key of a dict key (a parameter by its JSON form)."""
    if isinstance(key, ParamExpr):
        return key.to_json()
    return key if isinstance(key, str) else str(key)
