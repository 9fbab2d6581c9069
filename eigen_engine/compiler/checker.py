"""The allow-list checker: one pass over the syntax tree, findings recorded as data.

Like pyflakes, it never executes the checked code: every node type has an explicit rule
(allowed, forbidden with its own code, or a handler that looks closer). The walk is
iterative, so hostile nesting cannot overflow the interpreter's stack.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from eigen_engine.compiler.diagnostics import Diagnostic, diagnostic_at
from eigen_engine.compiler.limits import Limits

__all__ = [
    "ALLOWED_DECORATORS",
    "ALLOWED_MODULES",
    "FORBIDDEN_CALLS",
    "CheckResult",
    "check_module",
    "is_main_guard",
]

ALLOWED_MODULES = frozenset({"eigen_lang", "Eigen_lang", "numpy", "math", "typing"})
ALLOWED_DECORATORS = frozenset({"hybrid_program", "quantum_circuit", "ansatz", "cost_function"})
FORBIDDEN_CALLS = frozenset(
    {
        "exec", "eval", "compile", "open", "getattr", "setattr", "delattr", "hasattr",
        "globals", "locals", "vars", "dir", "__import__", "input", "breakpoint", "help",
        "memoryview", "type", "object", "super", "classmethod", "staticmethod", "property",
        "print", "exit", "quit", "id", "hash", "iter", "next", "aiter", "anext", "callable",
        "system", "popen", "spawn", "fork", "import_module", "reload", "load", "loads",
        "dump", "dumps", "frombuffer", "fromfile", "tofile", "save", "savez", "loadtxt",
        "genfromtxt",
    }
)

# Forbidden node type -> (code, what it is, why / the fix).
_FORBIDDEN: dict[type[ast.AST], tuple[str, str, str]] = {
    ast.While: ("E201", "`while` loops cannot be compiled: their length is unknown before run "
                "time", "use `for i in range(n)` with a known `n`"),
    ast.Try: ("E202", "`try` is not allowed: a compiled program has no run-time exceptions",
              "remove the try/except; invalid programs are reported at compile time"),
    ast.TryStar: ("E202", "`try` is not allowed", "remove the try/except*"),
    ast.With: ("E203", "`with` is not allowed: Eigen-Lang has no context managers",
               "remove the with block"),
    ast.AsyncWith: ("E208", "`async with` is not allowed", "write synchronous code"),
    ast.Lambda: ("E204", "`lambda` is not allowed", "define a function with `def` instead"),
    ast.ClassDef: ("E205", "class definitions are not allowed",
                   "use functions, dicts and Eigen-Lang types instead"),
    ast.Global: ("E206", "`global` is not allowed", "return values instead of mutating globals"),
    ast.Nonlocal: ("E207", "`nonlocal` is not allowed", "return values instead"),
    ast.AsyncFunctionDef: ("E208", "`async def` is not allowed", "use a plain `def`"),
    ast.AsyncFor: ("E208", "`async for` is not allowed", "use a plain `for`"),
    ast.Await: ("E208", "`await` is not allowed", "Eigen-Lang programs are synchronous"),
    ast.Yield: ("E209", "`yield` is not allowed: generators are not compiled",
                "build and return a list"),
    ast.YieldFrom: ("E209", "`yield from` is not allowed", "build and return a list"),
    ast.Delete: ("E210", "`del` is not allowed", "rebind the name instead"),
    ast.Set: ("E217", "set literals are not allowed: their order is not deterministic",
              "use a list or a tuple"),
    ast.SetComp: ("E217", "set comprehensions are not allowed: their order is not "
                  "deterministic", "use a list comprehension"),
    ast.Match: ("E218", "`match` is not allowed", "use `if`/`elif` on compile-time values"),
    ast.Assert: ("E219", "`assert` is not allowed", "remove it; the compiler checks the program"),
    ast.NamedExpr: ("E220", "assignment expressions (`:=`) are not allowed",
                    "assign in a separate statement"),
    ast.Raise: ("E221", "`raise` is not allowed", "remove it; errors are compile-time only"),
}

# Pieces of forbidden statements (except clauses, with items, match cases and patterns):
# the statement itself is reported, its pieces are not reported again as E222.
_PARTS = (ast.excepthandler, ast.withitem, ast.match_case, ast.pattern)

_ALLOWED = frozenset(
    {
        ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass,
        ast.Break, ast.Continue, ast.For, ast.If, ast.alias, ast.arguments, ast.arg,
        ast.keyword, ast.Constant, ast.Subscript, ast.Slice, ast.BinOp, ast.UnaryOp,
        ast.BoolOp, ast.Compare, ast.IfExp, ast.List, ast.Tuple, ast.Dict, ast.ListComp,
        ast.DictComp, ast.GeneratorExp, ast.comprehension, ast.JoinedStr, ast.FormattedValue,
        ast.Starred, ast.Load, ast.Store, ast.Del,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
        ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd,
        ast.UAdd, ast.USub, ast.Not, ast.Invert, ast.And, ast.Or,
        ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In,
        ast.NotIn,
    }
)


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_main_guard(node: ast.stmt) -> bool:
    """True for ``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def decorator_name(node: ast.expr) -> str | None:
    """The name a decorator refers to: ``d``, ``d(...)``, ``m.d`` or ``m.d(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


@dataclass(slots=True)
class _Walk:
    limits: Limits
    findings: list[Diagnostic]
    depth_reported: bool = False

    def add(self, node: ast.AST, code: str, message: str, hint: str | None = None) -> None:
        self.findings.append(diagnostic_at(node, code, message, hint))

    # -- handlers for node types that need a closer look -----------------------------------
    def import_(self, node: ast.Import | ast.ImportFrom, in_function: bool) -> None:
        for alias in node.names:
            for name in (alias.asname, alias.name if isinstance(node, ast.ImportFrom) else None):
                if name and _is_dunder(name):
                    self.add(node, "E214", f"dunder name `{name}` is not allowed",
                             "names starting and ending with `__` are reserved")
        if in_function:
            self.add(node, "E211", "imports are only allowed at the top of the module",
                     "move the import to module level")
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                self.add(node, "E301", "relative imports are not allowed",
                         "import from eigen_lang, numpy, math or typing")
                return
            if any(a.name == "*" for a in node.names):
                self.add(node, "E212", f"`from {module} import *` is not allowed",
                         f"import the names you use: `from {module} import name1, name2`")
            if module == "__future__":
                return
            roots = [module]
        else:
            roots = [a.name for a in node.names]
        for name in roots:
            root = name.split(".")[0]
            if root not in ALLOWED_MODULES:
                self.add(node, "E301", f"import of `{name}` is not allowed in Eigen-Lang",
                         "only eigen_lang, numpy, math and typing can be imported")

    def function(self, node: ast.FunctionDef) -> None:
        spec = node.args
        for bound in (node.name, *(a.arg for a in (*spec.posonlyargs, *spec.args,
                                                   *spec.kwonlyargs, spec.vararg, spec.kwarg)
                                   if a is not None)):
            if _is_dunder(bound):  # names are bound by definitions too, not only by `=`
                self.add(node, "E214", f"dunder name `{bound}` is not allowed",
                         "names starting and ending with `__` are reserved")
        for dec in node.decorator_list:
            name = decorator_name(dec)
            if name not in ALLOWED_DECORATORS:
                shown = ast.unparse(dec) if name is None else name
                self.add(dec, "E213", f"decorator `@{shown}` is not allowed",
                         "use @hybrid_program, @quantum_circuit, @ansatz or @cost_function")

    def call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        if name in FORBIDDEN_CALLS:
            hint = ("return values from the entrypoint instead of printing" if name == "print"
                    else "Eigen-Lang programs cannot run dynamic code, I/O or introspection")
            self.add(node, "E215", f"calling `{name}` is not allowed", hint)

    def name(self, node: ast.Name) -> None:
        if _is_dunder(node.id):
            self.add(node, "E214", f"dunder name `{node.id}` is not allowed",
                     "names starting and ending with `__` are reserved")

    def attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("__"):
            self.add(node, "E214", f"attribute `{node.attr}` is not allowed",
                     "attributes starting with `__` are reserved")

    def targets(self, node: ast.Assign | ast.For | ast.comprehension) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Starred):
                    self.add(sub, "E222", "starred assignment targets are not supported",
                             "index the sequence explicitly")


# Fields that never hold nodes worth visiting: expression contexts and operator singletons
# are allowed everywhere, so skipping them halves the walk.
_SKIP_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "level",
                          "is_async", "lineno", "col_offset", "end_lineno", "end_col_offset"})
# Node types whose remaining fields hold only names and literals, never child nodes.
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.Constant: (), ast.Name: (), ast.alias: (), ast.Global: (), ast.Nonlocal: (),
    ast.Attribute: ("value",), ast.keyword: ("value",), ast.arg: ("annotation",),
    ast.Import: ("names",), ast.ImportFrom: ("names",),
}


def _fields(kind: type[ast.AST]) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = tuple(f for f in kind._fields if f not in _SKIP_FIELDS)
        _FIELDS[kind] = fields
    return fields


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What the checker found.

    Attributes:
        findings: Diagnostics in source order.
        entrypoints: Every function decorated ``@hybrid_program`` (anywhere), in order.
    """

    findings: list[Diagnostic]
    entrypoints: list[tuple[ast.FunctionDef, ast.expr]]


def check_module(tree: ast.Module, limits: Limits) -> CheckResult:
    """Check every node of ``tree`` against the allow-list, in one iterative pass.

    ``if __name__ == "__main__":`` blocks at module level are never evaluated, so they are
    not checked either (a W100 note says so).

    Returns:
        The findings and the ``@hybrid_program`` functions seen.
    """
    walk = _Walk(limits, [])
    entrypoints: list[tuple[ast.FunctionDef, ast.expr]] = []
    stack: list[tuple[ast.AST, int, bool]] = []
    for stmt in reversed(tree.body):
        if is_main_guard(stmt):
            walk.findings.append(diagnostic_at(
                stmt, "W100", "the `if __name__ == \"__main__\":` block is skipped: programs "
                "are compiled, never run as scripts",
                "remove the block; submit the program with `%%eigen submit` or `eigen submit`"))
            continue
        stack.append((stmt, 1, False))
    max_depth = limits.max_ast_depth
    forbidden = _FORBIDDEN
    allowed = _ALLOWED
    while stack:
        node, depth, in_function = stack.pop()
        kind = type(node)
        if depth > max_depth:
            if not walk.depth_reported:
                walk.add(node, "E502", f"the program nests deeper than {max_depth} levels",
                         "flatten deeply nested expressions into several assignments")
                walk.depth_reported = True
            continue
        if kind in allowed:
            pass
        elif kind is ast.Name:
            walk.name(node)  # type: ignore[arg-type]
        elif kind is ast.Call:
            walk.call(node)  # type: ignore[arg-type]
        elif kind is ast.Attribute:
            walk.attribute(node)  # type: ignore[arg-type]
        elif kind is ast.FunctionDef:
            walk.function(node)  # type: ignore[arg-type]
            for dec in node.decorator_list:  # type: ignore[attr-defined]
                if decorator_name(dec) == "hybrid_program":
                    entrypoints.append((node, dec))  # type: ignore[arg-type]
            in_function = True
        elif kind is ast.Import or kind is ast.ImportFrom:
            walk.import_(node, in_function)  # type: ignore[arg-type]
        elif kind in forbidden:
            code, what, hint = forbidden[kind]
            walk.add(node, code, what, hint)
            if kind is ast.AsyncFunctionDef:
                in_function = True
        elif isinstance(node, _PARTS):
            pass  # inside a try/with/match, which is reported with its own code
        else:
            walk.add(node, "E222", f"`{kind.__name__}` syntax is not supported in Eigen-Lang",
                     "see LANGUAGE.md for the allowed statements and expressions")
        if kind is ast.Assign or kind is ast.For or kind is ast.comprehension:
            walk.targets(node)  # type: ignore[arg-type]
        push = stack.append
        child_depth = depth + 1
        for name in reversed(_fields(kind)):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, ast.AST):
                        push((item, child_depth, in_function))
            elif isinstance(value, ast.AST):
                push((value, child_depth, in_function))
    walk.findings.sort(key=lambda d: (d.line, d.col, d.code))
    entrypoints.sort(key=lambda e: (e[0].lineno, e[0].col_offset))
    return CheckResult(walk.findings, entrypoints)
