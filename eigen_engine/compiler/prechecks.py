"""Loop prechecks: refuse a loop at its start when its static lower bound cannot fit.

When a ``for`` loop or a comprehension starts, the interpreter knows how many elements it
iterates over. :func:`refuse_loop` and :func:`refuse_comprehension` multiply that by the
lower bound of one iteration (see :mod:`~eigen_engine.compiler.bounds`), measured against the
current scope, and compare the result with what is left of the fuel, the operation limit and
(for a list comprehension) the sequence limit. A loop that provably cannot finish is rejected
at once with the limit's own code, at the loop, instead of after minutes of evaluation.

The decision depends only on the program and its inputs, never on time: the same program
gets the same diagnostic every run.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from eigen_engine.compiler.bounds import (
    GateCall,
    Repeat,
    Work,
    comprehension_bound,
    is_range_call,
    loop_bound,
)
from eigen_engine.compiler.values import Scope
from eigen_engine.ir.gates import GATES, LANG_GATES

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["gate_rules", "measure", "range_count", "refuse_comprehension", "refuse_loop"]

Resolve = Callable[[str], tuple[bool, Any]]
"""``resolve(name) -> (found, value)`` in the scope a loop runs in (no side effects)."""

_MAX_INT_BITS = 64  # bounds past this fail in the interpreter (E506): they are not counted


_RULES: dict[int, tuple[Mapping[str, Any], dict[int, str]]] = {}


def gate_rules(library: Mapping[str, Any]) -> dict[int, str]:
    """Map ``id(builtin)`` of every Eigen-Lang call that surely emits an operation to a rule.

    ``"any"``: every successful call emits at least one operation (gates on two or more
    qubits, ``measure``, ``measure_all``); ``"int"``: only when its first argument is one
    qubit (a one-qubit gate or ``reset`` emits nothing for an empty list). Computed once per
    library mapping (the compiler has one).
    """
    cached = _RULES.get(id(library))
    if cached is not None and cached[0] is library:
        return cached[1]
    rules: dict[int, str] = {}
    for name, op in LANG_GATES.items():
        nq = GATES[op].num_qubits
        if nq >= 1 and name in library:
            rules[id(library[name])] = "any" if nq >= 2 else "int"
    for name in ("measure", "measure_all"):
        if name in library:
            rules[id(library[name])] = "any"
    _RULES[id(library)] = (library, rules)
    return rules


def _int_value(node: ast.expr, resolve: Resolve, unstable: frozenset[str]) -> int | None:
    """The value of a small integer expression of literals and stable names, if known."""
    value: Any
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.Name):
        if node.id in unstable:
            return None
        found, value = resolve(node.id)
        if not found:
            return None
        if isinstance(value, np.integer):
            value = int(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _int_value(node.operand, resolve, unstable)
        if inner is None:
            return None
        value = -inner if isinstance(node.op, ast.USub) else inner
    elif isinstance(node, ast.BinOp):
        a = _int_value(node.left, resolve, unstable)
        b = _int_value(node.right, resolve, unstable) if a is not None else None
        if a is None or b is None:
            return None
        op = node.op
        if isinstance(op, ast.Add):
            value = a + b
        elif isinstance(op, ast.Sub):
            value = a - b
        elif isinstance(op, ast.Mult):
            value = a * b
        elif isinstance(op, ast.FloorDiv) and b != 0:
            value = a // b
        elif isinstance(op, ast.Mod) and b != 0:
            value = a % b
        elif (isinstance(op, ast.Pow) and 0 <= b <= _MAX_INT_BITS
              and max(abs(a).bit_length() - 1, 0) * b <= _MAX_INT_BITS):
            value = a**b
        else:
            return None
    else:
        return None
    if type(value) is not int or value.bit_length() > _MAX_INT_BITS:
        return None
    return value


@dataclass(frozen=True, slots=True)
class _Context:
    """What measuring needs: the scope, the names the loop rebinds, the builtins, a cap."""

    resolve: Resolve
    unstable: frozenset[str]
    range_builtin: Any
    gates: Mapping[int, str]
    max_sequence: int
    cap: int


def range_count(call: ast.Call, ctx: _Context) -> int:
    """Elements of ``range(...)`` if its bounds are known and it surely is the builtin, else 0.

    A range longer than the sequence limit counts 0: the interpreter rejects it with its own
    diagnostic (E505) when it gets there.
    """
    if "range" in ctx.unstable:
        return 0
    found, value = ctx.resolve("range")
    if not found or value is not ctx.range_builtin:
        return 0
    args: list[int] = []
    for a in call.args:
        value = _int_value(a, ctx.resolve, ctx.unstable)
        if value is None:
            return 0
        args.append(value)
    if len(args) == 3 and args[2] == 0:
        return 0
    try:
        n = len(range(*args))
    except OverflowError:  # longer than sys.maxsize
        return 0
    return n if n <= ctx.max_sequence else 0


def measure(work: Work, ctx: _Context | None) -> tuple[int, int]:
    """Evaluate ``work`` in ``ctx``: ``(steps, ops)``, each at most ``ctx.cap``.

    ``ctx`` may be None for work without parts (a constant).
    """
    steps, ops = work.steps, work.ops
    if ctx is None or not work.parts:
        return steps, ops
    for part in work.parts:
        if isinstance(part, Repeat):
            n = range_count(part.count, ctx)
            if n:
                s, o = measure(part.each, ctx)
                steps += n * s
                ops += n * o
        elif isinstance(part, GateCall):
            if part.name not in ctx.unstable:
                found, value = ctx.resolve(part.name)
                rule = ctx.gates.get(id(value)) if found else None
                if rule == "any" or (rule == "int" and part.first_is_int):
                    ops += 1
        else:
            sa, oa = measure(part.a, ctx)
            sb, ob = measure(part.b, ctx)
            steps += min(sa, sb)
            ops += min(oa, ob)
        if steps >= ctx.cap and ops >= ctx.cap:
            break
    return min(steps, ctx.cap), min(ops, ctx.cap)


def _context(it: Interpreter, scope: Scope, unstable: frozenset[str]) -> _Context:
    builtins, implicit = it.builtins, it.implicit

    def resolve(name: str) -> tuple[bool, Any]:  # Interpreter._expr_name, minus its warnings
        found, value = scope.lookup(name)
        if found:
            return True, value
        if name in builtins:
            return True, builtins[name]
        if name in implicit:
            return True, implicit[name]
        return False, None

    limits = it.limits
    return _Context(resolve, unstable, builtins.get("range"), gate_rules(implicit),
                    limits.max_sequence,
                    max(limits.max_fuel, limits.max_operations, limits.max_sequence) + 1)


@dataclass(frozen=True, slots=True)
class _Budget:
    """One limit a loop may run into: what each iteration takes of it, in total, and what's left."""

    code: str
    each: int
    need: int
    left: int


def _refuse(it: Interpreter, node: ast.AST, n: int, budgets: list[_Budget]) -> NoReturn:
    """Fail at ``node`` with the limit of ``budgets`` the loop runs into first (one must be
    exceeded)."""
    over = [b for b in budgets if b.need > b.left]
    # Of the limits the loop cannot fit, report the one it would run into first if every
    # iteration cost its lower bound (ties: fuel, then operations, then elements).
    first = min(over, key=lambda b: Fraction(b.left, b.each) if b.each else math.inf)
    limits = it.limits
    if first.code == "E503":
        it.fail(node, "E503", f"the program needs more than {limits.max_fuel:,} evaluation "
                              f"steps: this loop runs {n:,} times and needs at least "
                              f"{first.need:,} of the {first.left:,} left",
                "reduce loop sizes; very large circuits belong in several jobs")
    if first.code == "E504":
        it.fail(node, "E504", f"the program builds more than {limits.max_operations:,} "
                              f"operations: this loop runs {n:,} times and adds at least "
                              f"{first.need:,} of the {first.left:,} still allowed",
                "split the work into several jobs")
    it.fail(node, "E505", f"this list would have at least {first.need:,} elements; the limit "
                          f"is {limits.max_sequence:,}", "use smaller sizes")


def refuse_loop(it: Interpreter, node: ast.For, n: int, scope: Scope) -> None:
    """Fail at ``node`` if ``n`` iterations of this loop provably exceed a limit.

    Called once the iterable's ``n`` elements are known (and paid for). A loop that may
    ``break`` or ``return`` is not checked: it may stop after any iteration.
    """
    bound = loop_bound(it.bounds, node)
    if not bound.repeatable:
        return
    ctx = _context(it, scope, bound.stores) if bound.body.parts or bound.orelse.parts else None
    steps, ops = measure(bound.body, ctx)
    else_steps, else_ops = measure(bound.orelse, ctx)
    fuel_need = n * steps + else_steps
    ops_need = n * ops + else_ops
    ops_left = it.limits.max_operations - it.op_count
    if fuel_need > it.fuel or ops_need > ops_left:
        _refuse(it, node, n, [_Budget("E503", steps, fuel_need, it.fuel),
                              _Budget("E504", ops, ops_need, ops_left)])


def refuse_comprehension(it: Interpreter, node: ast.ListComp | ast.GeneratorExp | ast.DictComp,
                         n: int, scope: Scope) -> None:
    """Fail at ``node`` if a comprehension whose first generator has ``n`` elements cannot fit."""
    bound = comprehension_bound(it.bounds, node)
    ctx = _context(it, scope, bound.stores) if bound.each.parts or bound.inner else None
    steps, ops = measure(bound.each, ctx)
    budgets = [_Budget("E503", steps, n * steps, it.fuel),
               _Budget("E504", ops, n * ops, it.limits.max_operations - it.op_count)]
    if bound.inner is not None:
        per = _elements(bound.inner, ctx)
        budgets.append(_Budget("E505", per, n * per, it.limits.max_sequence))
    if any(b.need > b.left for b in budgets):
        _refuse(it, node, n, budgets)


def _elements(iterables: tuple[ast.expr, ...], ctx: _Context | None) -> int:
    """Elements one item of the first generator adds to a list comprehension (at least)."""
    per = 1
    for iterable in iterables:
        if ctx is None or not is_range_call(iterable):
            return 0
        per = min(per * range_count(iterable, ctx), ctx.cap)
    return per
