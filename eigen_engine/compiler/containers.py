"""List, tuple and dict displays and comprehensions, built under the sequence limit."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eigen_engine.compiler.data import describe, hashable_key
from eigen_engine.compiler.prechecks import refuse_comprehension
from eigen_engine.compiler.targets import assign
from eigen_engine.compiler.values import Scope

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["eval_dict", "eval_dictcomp", "eval_list", "eval_listcomp", "eval_tuple"]


def eval_list(it: Interpreter, node: ast.List, scope: Scope) -> list[Any]:
    """``[a, *b]``."""
    return _elements(it, node.elts, scope, node)


def eval_tuple(it: Interpreter, node: ast.Tuple, scope: Scope) -> tuple[Any, ...]:
    """``(a, *b)``."""
    return tuple(_elements(it, node.elts, scope, node))


def _elements(it: Interpreter, elts: list[ast.expr], scope: Scope, node: ast.AST) -> list[Any]:
    out: list[Any] = []
    for e in elts:
        if isinstance(e, ast.Starred):
            out.extend(it.iterate(it.evaluate(e.value, scope), e))
            it.check_len(len(out), node)
        else:
            out.append(it.evaluate(e, scope))
    return out


def eval_dict(it: Interpreter, node: ast.Dict, scope: Scope) -> dict[Any, Any]:
    """``{k: v, **other}``."""
    out: dict[Any, Any] = {}
    for k, v in zip(node.keys, node.values, strict=True):
        if k is None:
            other = it.evaluate(v, scope)
            if not isinstance(other, dict):
                it.fail(v, "E404", f"`**` needs a dict, not {describe(other)}")
            it.charge(v, other)
            out.update(other)
            continue
        key = it.evaluate(k, scope)
        if not hashable_key(key):
            it.fail(k, "E404", f"dict keys must be numbers, strings or tuples of them, "
                               f"not {describe(key)}")
        out[key] = it.evaluate(v, scope)
    it.check_len(len(out), node, "dict")
    return out


def _comprehension(it: Interpreter, gens: list[ast.comprehension], scope: Scope,
                   emit: Callable[[Scope], None],
                   node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> None:
    inner = Scope({}, scope)

    def loop(i: int) -> None:
        gen = gens[i]
        items = it.iterate(it.evaluate(gen.iter, inner if i else scope), gen.iter)
        if not i and items:
            refuse_comprehension(it, node, len(items), scope)
        for item in items:
            it.burn(1, node)
            assign(it, gen.target, item, inner)
            if all(it.truth(it.evaluate(c, inner), c) for c in gen.ifs):
                if i + 1 < len(gens):
                    loop(i + 1)
                else:
                    emit(inner)

    loop(0)


def eval_listcomp(it: Interpreter, node: ast.ListComp | ast.GeneratorExp, scope: Scope
                  ) -> list[Any]:
    """``[x for ...]`` and ``(x for ...)`` (a generator is built as a list)."""
    out: list[Any] = []

    def emit(inner: Scope) -> None:
        out.append(it.evaluate(node.elt, inner))
        if len(out) > it.limits.max_sequence:
            it.check_len(len(out), node)

    _comprehension(it, node.generators, scope, emit, node)
    return out


def eval_dictcomp(it: Interpreter, node: ast.DictComp, scope: Scope) -> dict[Any, Any]:
    """``{k: v for ...}``."""
    out: dict[Any, Any] = {}

    def emit(inner: Scope) -> None:
        key = it.evaluate(node.key, inner)
        if not hashable_key(key):
            it.fail(node.key, "E404", f"dict keys must be numbers or strings, not "
                                      f"{describe(key)}")
        out[key] = it.evaluate(node.value, inner)
        if len(out) > it.limits.max_sequence:
            it.check_len(len(out), node, "dict")

    _comprehension(it, node.generators, scope, emit, node)
    return out
