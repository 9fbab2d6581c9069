"""Assignment targets: binding a value to a name, a tuple/list unpacking or an item."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.data import basic_key, describe, hashable_key
from eigen_engine.compiler.values import Scope

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["assign"]


def assign(it: Interpreter, target: ast.expr, value: Any, scope: Scope) -> None:
    """Bind ``value`` to an assignment target (name, tuple/list unpacking, item)."""
    if isinstance(target, ast.Name):
        scope.names[target.id] = value
    elif isinstance(target, ast.Tuple | ast.List):
        items = it.iterate(value, target)
        if len(items) != len(target.elts):
            it.fail(target, "E401",
                    f"cannot unpack {len(items)} values into {len(target.elts)} names")
        for t, v in zip(target.elts, items, strict=True):
            assign(it, t, v, scope)
    elif isinstance(target, ast.Subscript):
        container = it.evaluate(target.value, scope)
        key = it.evaluate(target.slice, scope)
        if not basic_key(key):
            it.charge(target, container, value)  # slice assignment touches many items
        if isinstance(container, list) and isinstance(key, int | slice):
            try:
                container[key] = value
            except (IndexError, TypeError, ValueError) as exc:
                it.fail(target, "E408", f"cannot assign item: {exc}")
        elif isinstance(container, dict):
            if not hashable_key(key):
                it.fail(target, "E404", f"dict keys must be numbers or strings, not "
                                        f"{describe(key)}")
            container[key] = value
            it.check_len(len(container), target, "dict")
        elif isinstance(container, np.ndarray):
            if not isinstance(value, int | float | np.number | np.ndarray | bool):
                it.fail(target, "E404", f"cannot store {describe(value)} in an array")
            if np.iscomplexobj(value) and not np.iscomplexobj(container):
                it.fail(target, "E404", "cannot store complex values in a real array",
                        "numpy would drop the imaginary part")
            try:
                container[key] = value
            except (IndexError, TypeError, ValueError) as exc:
                it.fail(target, "E408", f"cannot assign item: {exc}")
        else:
            it.fail(target, "E404", f"cannot assign items of {describe(container)}")
    else:
        it.fail(target, "E404", "only names, tuples and items can be assigned",
                "assign to a plain name")
