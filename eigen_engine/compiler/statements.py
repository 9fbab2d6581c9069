"""Statement handlers, one per allowed node type, and the table ``Interpreter.exec_block`` uses."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eigen_engine.compiler.data import SIZED
from eigen_engine.compiler.expressions import eval_name
from eigen_engine.compiler.operators import binop
from eigen_engine.compiler.prechecks import refuse_loop
from eigen_engine.compiler.signals import BreakSignal, ContinueSignal, ReturnSignal
from eigen_engine.compiler.targets import assign
from eigen_engine.compiler.values import FunctionValue, ModuleValue, Scope

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["STATEMENTS"]


def _exec_expr(it: Interpreter, node: ast.Expr, scope: Scope) -> None:
    if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return  # docstring or bare string
    it.evaluate(node.value, scope)


def _exec_assign(it: Interpreter, node: ast.Assign, scope: Scope) -> None:
    value = it.evaluate(node.value, scope)
    for target in node.targets:
        assign(it, target, value, scope)


def _exec_annassign(it: Interpreter, node: ast.AnnAssign, scope: Scope) -> None:
    it.note_annotation(node.annotation, scope)
    if node.value is not None:
        assign(it, node.target, it.evaluate(node.value, scope), scope)


def _exec_augassign(it: Interpreter, node: ast.AugAssign, scope: Scope) -> None:
    target = node.target
    if isinstance(target, ast.Name):
        current = eval_name(it, ast.Name(target.id, ast.Load(), lineno=target.lineno,
                                         col_offset=target.col_offset), scope)
    elif isinstance(target, ast.Subscript):
        current = it.evaluate(ast.Subscript(target.value, target.slice, ast.Load(),
                                            lineno=target.lineno,
                                            col_offset=target.col_offset), scope)
    else:
        it.fail(node, "E404", "only names and items can be updated with `op=`")
    value = binop(it, node.op, current, it.evaluate(node.value, scope), node)
    assign(it, target, value, scope)


def _exec_return(it: Interpreter, node: ast.Return, scope: Scope) -> None:
    value = None if node.value is None else it.evaluate(node.value, scope)
    if it.inline_depth == 1 and isinstance(value, SIZED):
        # the entrypoint's result becomes JSON: one list aliased many times is huge
        it.charge(node, value)
    raise ReturnSignal(value)


def _exec_pass(it: Interpreter, node: ast.Pass, scope: Scope) -> None:
    return None


def _exec_break(it: Interpreter, node: ast.Break, scope: Scope) -> None:
    raise BreakSignal()


def _exec_continue(it: Interpreter, node: ast.Continue, scope: Scope) -> None:
    raise ContinueSignal()


def _exec_for(it: Interpreter, node: ast.For, scope: Scope) -> None:
    items = it.iterate(it.evaluate(node.iter, scope), node.iter)
    if items:
        refuse_loop(it, node, len(items), scope)  # a loop that cannot fit fails now
    broke = False
    for item in items:
        it.burn(1, node)
        assign(it, node.target, item, scope)
        try:
            it.exec_block(node.body, scope)
        except BreakSignal:
            broke = True
            break
        except ContinueSignal:
            continue
    if not broke and node.orelse:
        it.exec_block(node.orelse, scope)


def _exec_if(it: Interpreter, node: ast.If, scope: Scope) -> None:
    if it.truth(it.evaluate(node.test, scope), node.test):
        it.exec_block(node.body, scope)
    elif node.orelse:
        it.exec_block(node.orelse, scope)


def _exec_def(it: Interpreter, node: ast.FunctionDef, scope: Scope) -> None:
    from eigen_engine.compiler.checker import decorator_name

    kinds = [decorator_name(d) for d in node.decorator_list]
    kind = next((k for k in kinds if k), None)
    for dec in node.decorator_list:
        name = decorator_name(dec)
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute):  # `@el.ansatz` must really be eigen_lang's
            base = it.evaluate(target.value, scope)
            if not (isinstance(base, ModuleValue) and base.name == "eigen_lang"):
                it.fail(dec, "E213", f"decorator `@{ast.unparse(target)}` is not "
                                     f"eigen_lang's `{name}`",
                        f"import it: `from eigen_lang import {name}`")
        elif name and not it.lookup_name(name, scope)[0]:
            it.warn_unimported(name, dec)
    it.note_annotation(node.returns, scope)
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
        it.note_annotation(arg.annotation, scope)
    scope.names[node.name] = FunctionValue(node, scope, kind)


STATEMENTS: dict[type[ast.AST], Callable[[Interpreter, Any, Scope], None]] = {
    ast.Expr: _exec_expr,
    ast.Assign: _exec_assign,
    ast.AugAssign: _exec_augassign,
    ast.AnnAssign: _exec_annassign,
    ast.Return: _exec_return,
    ast.Pass: _exec_pass,
    ast.Break: _exec_break,
    ast.Continue: _exec_continue,
    ast.For: _exec_for,
    ast.If: _exec_if,
    ast.FunctionDef: _exec_def,
}
"""``STATEMENTS[type(stmt)](interpreter, stmt, scope)`` runs ``stmt``; others fail E112."""
