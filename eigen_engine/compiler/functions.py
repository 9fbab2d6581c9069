"""Inlining user functions: argument binding and what each decorator means.

- plain and ``@quantum_circuit`` functions run in the caller's circuit (their gates inline);
- ``@ansatz`` functions build a circuit of their own and return an :class:`AnsatzValue`;
  arguments not given become symbolic parameters;
- ``@cost_function`` functions run with symbolic arguments; gates they apply form their own
  circuit (an ``ExpectationValue()`` without a circuit inside refers to it).
"""

from __future__ import annotations

import ast
from typing import Any

from eigen_engine.compiler.circuits import CircuitBuilder
from eigen_engine.compiler.interpreter import Interpreter
from eigen_engine.compiler.signals import BreakSignal, ContinueSignal, ReturnSignal
from eigen_engine.compiler.values import AnsatzValue, CircuitRef, FunctionValue, Scope, SymbolicArg

__all__ = ["build_circuit", "call_user_function", "run_body"]

_SYMBOLIC_KINDS = frozenset({"ansatz", "cost_function"})


def _bind(interp: Interpreter, fn: FunctionValue, args: list[Any], kwargs: dict[str, Any],
          node: ast.AST, symbolic: bool) -> dict[str, Any]:
    spec = fn.node.args
    positional = [*spec.posonlyargs, *spec.args]
    names: dict[str, Any] = {}
    if len(args) > len(positional) and spec.vararg is None:
        interp.fail(node, "E401", f"`{fn.name}()` takes {len(positional)} positional "
                                  f"argument(s) but {len(args)} were given")
    for param, value in zip(positional, args, strict=False):
        names[param.arg] = value
    if spec.vararg is not None:
        names[spec.vararg.arg] = tuple(args[len(positional):])
    extra: dict[str, Any] = {}
    kwonly = {a.arg for a in spec.kwonlyargs}
    posonly = {a.arg for a in spec.posonlyargs}
    for key, value in kwargs.items():
        if key in names and key not in kwonly:
            interp.fail(node, "E401", f"`{fn.name}()` got multiple values for argument `{key}`")
        if (key in {a.arg for a in positional} and key not in posonly) or key in kwonly:
            names[key] = value
        elif spec.kwarg is not None:
            extra[key] = value
        else:
            interp.fail(node, "E401", f"`{fn.name}()` got an unexpected keyword argument "
                                      f"`{key}`")
    if spec.kwarg is not None:
        names[spec.kwarg.arg] = extra
    defaults = spec.defaults
    first_default = len(positional) - len(defaults)
    for i, param in enumerate(positional):
        if param.arg in names:
            continue
        if i >= first_default:
            names[param.arg] = interp.evaluate(defaults[i - first_default], fn.scope)
        elif symbolic:
            names[param.arg] = SymbolicArg(param.arg)
        else:
            interp.fail(node, "E401", f"`{fn.name}()` is missing the argument `{param.arg}`")
    for param, default in zip(spec.kwonlyargs, spec.kw_defaults, strict=True):
        if param.arg in names:
            continue
        if default is not None:
            names[param.arg] = interp.evaluate(default, fn.scope)
        elif symbolic:
            names[param.arg] = SymbolicArg(param.arg)
        else:
            interp.fail(node, "E401", f"`{fn.name}()` is missing the argument `{param.arg}`")
    return names


def run_body(interp: Interpreter, fn: FunctionValue, names: dict[str, Any],
             node: ast.AST) -> Any:
    """Execute a function body in a new scope and return its return value."""
    interp.inline_depth += 1
    if interp.inline_depth > interp.limits.max_inline_depth:
        interp.fail(node, "E508",
                    f"calls nest deeper than {interp.limits.max_inline_depth} levels "
                    f"(is `{fn.name}` recursive?)",
                    "recursion cannot be compiled; use a `for` loop")
    try:
        interp.exec_block(fn.node.body, Scope(names, fn.scope))
    except ReturnSignal as ret:
        return ret.value
    except (BreakSignal, ContinueSignal):
        interp.fail(node, "E112", "`break`/`continue` outside a loop")
    finally:
        interp.inline_depth -= 1
    return None


def build_circuit(interp: Interpreter, fn: FunctionValue, args: list[Any],
                  kwargs: dict[str, Any], node: ast.AST) -> CircuitRef:
    """Run ``fn`` into a circuit of its own (arguments not given become symbolic)."""
    names = _bind(interp, fn, args, kwargs, node, symbolic=True)
    builder = CircuitBuilder(interp.circuits.new_id())
    interp.builders.append(builder)
    try:
        run_body(interp, fn, names, node)
    finally:
        interp.builders.pop()
    return interp.circuits.finish(builder)


def call_user_function(interp: Interpreter, fn: FunctionValue, args: list[Any],
                       kwargs: dict[str, Any], node: ast.AST) -> Any:
    """Call (inline) a user function according to its decorator."""
    if fn.kind == "ansatz":
        return AnsatzValue(build_circuit(interp, fn, args, kwargs, node))
    if fn.kind == "cost_function":
        names = _bind(interp, fn, args, kwargs, node, symbolic=True)
        parent = interp.builders[-1].id if interp.builders else None
        builder = CircuitBuilder(interp.circuits.new_id())
        interp.builders.append(builder)
        try:
            result = run_body(interp, fn, names, node)
        finally:
            interp.builders.pop()
        if builder.ops or parent is None:
            interp.circuits.finish(builder)
        else:
            interp.circuits.alias(builder.id, parent)
        return result
    names = _bind(interp, fn, args, kwargs, node, symbolic=fn.kind in _SYMBOLIC_KINDS)
    return run_body(interp, fn, names, node)
