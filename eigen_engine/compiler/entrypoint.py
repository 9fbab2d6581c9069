"""Program structure: module-level rules, imports, the ``@hybrid_program`` entrypoint."""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from eigen_engine.compiler.checker import is_main_guard
from eigen_engine.compiler.diagnostics import Diagnostic, diagnostic_at
from eigen_engine.compiler.interpreter import Interpreter
from eigen_engine.compiler.library import EIGEN_LANG, EIGEN_LANG_MODULE, RESERVED
from eigen_engine.compiler.numpy_subset import MATH_MODULE, NUMPY_MODULE, TYPING_MODULE
from eigen_engine.compiler.values import FunctionValue, ModuleValue, Scope

__all__ = ["DECORATOR_OPTIONS", "EntrypointInfo", "bind_inputs", "find_entrypoint",
           "load_module", "read_decorator_options"]

DECORATOR_OPTIONS = ("compiler", "target", "shots", "optimization_level", "seed",
                     "noise_model", "metadata")

_MODULES: Mapping[str, ModuleValue] = {
    "eigen_lang": EIGEN_LANG_MODULE,
    "numpy": NUMPY_MODULE,
    "numpy.random": NUMPY_MODULE.attrs["random"],
    "math": MATH_MODULE,
    "typing": TYPING_MODULE,
}


@dataclass(frozen=True, slots=True)
class EntrypointInfo:
    """The located entrypoint.

    Attributes:
        node: Its ``def``.
        decorator: The ``@hybrid_program`` decorator expression.
    """

    node: ast.FunctionDef
    decorator: ast.expr


def find_entrypoint(tree: ast.Module, candidates: list[tuple[ast.FunctionDef, ast.expr]]
                    ) -> tuple[EntrypointInfo | None, list[Diagnostic]]:
    """Pick exactly one ``@hybrid_program`` function and check module-level statements.

    Args:
        tree: The module.
        candidates: Every decorated function the checker saw (see ``CheckResult``).
    """
    diags: list[Diagnostic] = []
    found = [EntrypointInfo(node, dec) for node, dec in candidates]
    for stmt in tree.body:
        if is_main_guard(stmt):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
                stmt.value.value, str):
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign
                      | ast.FunctionDef | ast.Pass):
            continue
        if isinstance(stmt, ast.AsyncFunctionDef | ast.ClassDef | ast.While | ast.Try
                      | ast.With | ast.Delete | ast.Global | ast.Raise | ast.Assert):
            continue  # the checker already reports these with their own code
        diags.append(diagnostic_at(
            stmt, "E112", "only imports, constants and function definitions may stand at "
            "module level", "move this statement into the @hybrid_program function"))
    top_level = {id(s) for s in tree.body}
    if not found:
        diags.append(Diagnostic("E110", "the program has no @hybrid_program entrypoint", 1, 1,
                                hint="decorate the main function with @hybrid_program()"))
        return None, diags
    if len(found) > 1:
        for extra in found[1:]:
            diags.append(diagnostic_at(
                extra.node, "E111", f"exactly one @hybrid_program entrypoint is allowed, found "
                f"{len(found)} (`{found[0].node.name}` and `{extra.node.name}`)",
                "keep @hybrid_program on the main function only"))
    entry = found[0]
    if id(entry.node) not in top_level:
        diags.append(diagnostic_at(entry.node, "E112", "the @hybrid_program function must be "
                                   "defined at module level", "move it to the top level"))
    return entry, diags


def load_module(it: Interpreter, tree: ast.Module) -> tuple[Scope, list[Diagnostic]]:
    """Bind imports, evaluate constants and define functions, in order."""
    scope = Scope({})
    diags: list[Diagnostic] = []
    for stmt in tree.body:
        if is_main_guard(stmt):
            continue
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                root = _module_name(alias.name, stmt, it)
                module = _MODULES.get(root)
                if module is None:
                    continue
                if alias.asname:
                    scope.names[alias.asname] = module
                else:
                    top = root.split(".")[0]
                    scope.names[top] = _MODULES[top]
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.module == "__future__":
                continue
            root = _module_name(stmt.module or "", stmt, it)
            module = _MODULES.get(root)
            if module is None:
                continue
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                if root == "eigen_lang" and alias.name in RESERVED:
                    diags.append(diagnostic_at(
                        stmt, "E305", f"`{alias.name}` is reserved for a later Eigen-Lang "
                        "version and is not yet supported", "remove it from the import"))
                    continue
                value = module.attrs.get(alias.name)
                if value is None and f"{root}.{alias.name}" in _MODULES:
                    value = _MODULES[f"{root}.{alias.name}"]
                if value is None and alias.name not in module.attrs:
                    code = "E304" if root == "eigen_lang" else "E303"
                    diags.append(diagnostic_at(
                        stmt, code, f"`{alias.name}` is not in {root}",
                        "see LANGUAGE.md for the names you can import"))
                    continue
                scope.names[alias.asname or alias.name] = value
        elif isinstance(stmt, ast.FunctionDef | ast.Assign | ast.AnnAssign):
            it.exec_block([stmt], scope)
    return scope, diags


def _module_name(name: str, stmt: ast.stmt, it: Interpreter) -> str:
    root, _, rest = name.partition(".")
    if root == "Eigen_lang":
        it.warn(stmt, "W301", "`Eigen_lang` is accepted as an alias of `eigen_lang`",
                "write `from eigen_lang import ...`")
        root = "eigen_lang"
    if root == "eigen_lang":
        return "eigen_lang"  # submodules of eigen_lang expose the same names
    return f"{root}.{rest}" if rest else root


def read_decorator_options(it: Interpreter, entry: EntrypointInfo, scope: Scope
                           ) -> dict[str, Any]:
    """Evaluate ``@hybrid_program(...)`` keyword arguments (lowest-precedence job options)."""
    dec = entry.decorator
    options: dict[str, Any] = {}
    if not isinstance(dec, ast.Call):
        return options
    if dec.args:
        it.fail(dec, "E401", "@hybrid_program takes keyword arguments only",
                "e.g. @hybrid_program(target=\"simulator\", shots=1024)")
    for kw in dec.keywords:
        if kw.arg is None:
            it.fail(kw, "E401", "@hybrid_program does not take **kwargs")
        value = it.evaluate(kw.value, scope)
        it.charge(kw, value)  # (bounds its size and nesting before it becomes JSON)
        if kw.arg not in DECORATOR_OPTIONS:
            it.warn(kw, "W304", f"unknown @hybrid_program option `{kw.arg}` is ignored",
                    f"known options: {', '.join(DECORATOR_OPTIONS)}")
            continue
        options[kw.arg] = _plain_json(it, value, kw, f"@hybrid_program {kw.arg}")
    for key, kind in (("shots", int), ("optimization_level", int), ("seed", int)):
        value = options.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)
                                  or value < 0):
            it.fail(dec, "E406", f"@hybrid_program {key} must be a non-negative integer, "
                                 f"got {value!r}")
    for key in ("target", "noise_model", "compiler"):
        value = options.get(key)
        if value is not None and not isinstance(value, str):
            it.fail(dec, "E406", f"@hybrid_program {key} must be a string, got {value!r}")
    return options


def bind_inputs(it: Interpreter, fn: FunctionValue, overrides: Mapping[str, Any],
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bind the entrypoint's parameters: overrides, else literal defaults.

    Returns:
        ``(names, inputs)``: interpreter bindings and their JSON form for the metadata.
    """
    spec = fn.node.args
    params = [*spec.posonlyargs, *spec.args, *spec.kwonlyargs]
    defaults: dict[str, ast.expr] = {}
    for p, d in zip(reversed([*spec.posonlyargs, *spec.args]), reversed(spec.defaults),
                    strict=False):
        defaults[p.arg] = d
    for p, kd in zip(spec.kwonlyargs, spec.kw_defaults, strict=True):
        if kd is not None:
            defaults[p.arg] = kd
    known = [p.arg for p in params]
    for name in overrides:
        if name not in known:
            it.fail(fn.node, "E410", f"unknown input `{name}`: the entrypoint "
                                     f"`{fn.name}` takes {', '.join(known) or 'no inputs'}",
                    "check the spelling of --input / spec.inputs")
    names: dict[str, Any] = {}
    inputs: dict[str, Any] = {}
    for p in params:
        if p.arg in overrides:
            value = _check_input(it, fn, p.arg, overrides[p.arg])
            it.charge(p, value)
        elif p.arg in defaults:
            value = it.evaluate(defaults[p.arg], fn.scope)
            it.charge(p, value)
        else:
            it.fail(p, "E113", f"entrypoint input `{p.arg}` has no default",
                    f"give it a literal default or pass --input {p.arg}=VALUE")
        names[p.arg] = value
        inputs[p.arg] = _plain_json(it, value, p, f"input `{p.arg}`")
    if spec.vararg or spec.kwarg:
        it.fail(fn.node, "E401", "the entrypoint cannot take *args or **kwargs")
    return names, inputs


def _plain_json(it: Interpreter, value: Any, node: ast.AST, what: str) -> Any:
    """Job options and inputs as plain JSON (not the output template's ``$dict`` encoding):
    they are read back as options and passed back as ``inputs=`` when a job is replayed."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            it.fail(node, "E406", f"{what} must be finite, got {value}")
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain_json(it, v, node, what) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain_json(it, v, node, what) for k, v in value.items()}
    it.fail(node, "E406", f"{what} must be JSON data (numbers, strings, lists, dicts with "
                          f"string keys), not {type(value).__name__}")


def _check_input(it: Interpreter, fn: FunctionValue, name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            it.fail(fn.node, "E406", f"input `{name}` must be finite, got {value}")
        return value
    if isinstance(value, list | tuple):
        return [_check_input(it, fn, name, v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _check_input(it, fn, name, v) for k, v in value.items()}
    it.fail(fn.node, "E406", f"input `{name}` must be JSON data (numbers, strings, lists, "
                             f"dicts), got {type(value).__name__}")


IMPLICIT_NAMES: Mapping[str, Any] = {**EIGEN_LANG, **TYPING_MODULE.attrs}
"""Names resolved with a W302/W303 warning when a program forgot to import them."""
