"""Static lower bounds of the work a loop does, so a loop that cannot fit is refused up front.

The interpreter spends one unit of fuel per statement and per expression node it evaluates,
one per element when it copies an iterable for a loop, and one per loop iteration. Reading a
loop's body once, this module computes what one iteration costs *at least* — counting only
nodes that are always evaluated, the cheaper branch of an ``if``, nothing after a statement
that may ``break``/``continue``/``return``, and nested ``for`` loops over ``range(...)`` whose
bounds are literals or names the loop never rebinds — together with the gate operations it
emits at least. The result (:class:`Work`) is computed once per syntax node and cached; when
the loop starts, :mod:`~eigen_engine.compiler.prechecks` measures it against the current
scope, in time proportional to the number of nested loops, not to their iterations.

Everything here is a *lower* bound: a program is refused early only if running it would
certainly have exhausted the same budget (or failed with another error first), so the
precheck never rejects a program that would have compiled.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeGuard

from eigen_engine.ir.gates import LANG_GATES

__all__ = ["GATE_NAMES", "Cheaper", "CompBound", "GateCall", "LoopBound", "Repeat", "Work",
           "WorkCache", "comprehension_bound", "is_range_call", "loop_bound"]

_JUMPS_NONE: frozenset[str] = frozenset()
GATE_NAMES = frozenset(LANG_GATES) | {"measure", "measure_all"}
"""Names whose calls are worth resolving while measuring (a renamed import is not counted)."""


@dataclass(frozen=True, slots=True)
class Repeat:
    """A nested ``for``/comprehension over ``range(...)``: ``each`` is paid once per element.

    Attributes:
        count: The ``range(...)`` call; its length is worked out when the bound is measured.
        each: Work per element (including the element's share of copying the range).
    """

    count: ast.Call
    each: Work


@dataclass(frozen=True, slots=True)
class GateCall:
    """A call ``name(...)`` that emits at least one operation if ``name`` is an Eigen-Lang gate.

    Attributes:
        name: The called name (resolved when measured: it may be rebound or shadowed).
        first_is_int: The first argument is an integer literal (one qubit, not a register
            or a list, which may be empty).
    """

    name: str
    first_is_int: bool


@dataclass(frozen=True, slots=True)
class Cheaper:
    """Either of two alternatives runs (``if``/``else``, ``x if c else y``): count the cheaper."""

    a: Work
    b: Work


Part = Repeat | GateCall | Cheaper


@dataclass(frozen=True, slots=True)
class Work:
    """A lower bound of evaluation steps and operations: constants plus parts to measure.

    Attributes:
        steps: Fuel units certainly spent.
        ops: Gate operations certainly emitted.
        parts: Terms whose value depends on the scope at measuring time.
    """

    steps: int = 0
    ops: int = 0
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class LoopBound:
    """What the static reading of one ``for`` statement found.

    Attributes:
        body: Work of one iteration (the per-iteration step plus the body).
        orelse: Work of the ``else:`` block.
        repeatable: No ``break`` of this loop and no ``return`` in its body: when the loop
            completes, every iteration ran to its end (or to a ``continue``).
        returns: The body may ``return`` (which also ends every enclosing loop).
        orelse_jumps: ``break``/``continue``/``return`` in the ``else:`` block (they belong
            to the enclosing loop).
        stores: Every name the loop binds (target, assignments, defs, comprehension
            targets): names it reads for nested ``range`` bounds or gates must not be here.
    """

    body: Work
    orelse: Work
    repeatable: bool
    returns: bool
    orelse_jumps: frozenset[str]
    stores: frozenset[str]


@dataclass(frozen=True, slots=True)
class CompBound:
    """What the static reading of one list/dict comprehension or generator found.

    Attributes:
        each: Work per element of the first generator (after the iterable is copied).
        inner: The iterables of the later generators when every element of the first
            produces exactly their product of elements (a list, no ``if`` clauses); else None.
        stores: Every name bound inside (the generators' targets).
    """

    each: Work
    inner: tuple[ast.expr, ...] | None
    stores: frozenset[str]


WorkCache = dict[ast.AST, LoopBound | CompBound]
"""Bounds by syntax node, for one compilation."""


class _Acc:
    """A mutable sum of work while one node is read."""

    __slots__ = ("ops", "parts", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.ops = 0
        self.parts: list[Part] = []

    def add(self, work: Work) -> None:
        self.steps += work.steps
        self.ops += work.ops
        self.parts.extend(work.parts)

    def freeze(self) -> Work:
        return Work(self.steps, self.ops, tuple(self.parts))


_ONE = Work(1, 0, ())  # a name or a literal: one step


def is_range_call(node: ast.expr) -> TypeGuard[ast.Call]:
    """True for ``range(a[, b[, c]])`` written with plain positional arguments."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "range" and 1 <= len(node.args) <= 3 and not node.keywords
            and not any(isinstance(a, ast.Starred) for a in node.args))


class _Reader:
    """Reads statements and expressions into :class:`Work`, caching loops and comprehensions."""

    def __init__(self, cache: WorkCache) -> None:
        self.cache = cache
        self.stores: set[str] = set()

    # ------------------------------------------------------------------ statements
    def block(self, body: list[ast.stmt]) -> tuple[Work, frozenset[str]]:
        """Work of a block, up to and including its first statement that may jump out."""
        acc = _Acc()
        jumps: set[str] = set()
        for stmt in body:
            work, out = self.stmt(stmt)
            if not jumps:  # statements after a possible jump may not run
                acc.add(work)
            jumps |= out
        return acc.freeze(), frozenset(jumps)

    def stmt(self, node: ast.stmt) -> tuple[Work, frozenset[str]]:
        acc = _Acc()
        acc.steps += 1  # exec_block charges every statement it reaches
        jumps = _JUMPS_NONE
        if isinstance(node, ast.Expr):
            if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                acc.add(self.expr(node.value))
        elif isinstance(node, ast.Assign):
            acc.add(self.expr(node.value))
            for target in node.targets:
                acc.add(self.target(target))
        elif isinstance(node, ast.AugAssign):
            acc.add(self.expr(node.value))
            if isinstance(node.target, ast.Subscript):  # read (one node more), then written
                part = self.target(node.target)
                acc.add(part)
                acc.add(part)
                acc.steps += 1
            else:
                self.target(node.target)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                acc.add(self.expr(node.value))
                acc.add(self.target(node.target))
            else:
                self.target(node.target)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                acc.add(self.expr(node.value))
            jumps = frozenset({"return"})
        elif isinstance(node, ast.Break):
            jumps = frozenset({"break"})
        elif isinstance(node, ast.Continue):
            jumps = frozenset({"continue"})
        elif isinstance(node, ast.If):
            acc.add(self.expr(node.test))
            body, body_jumps = self.block(node.body)
            orelse, else_jumps = self.block(node.orelse)
            acc.add(_cheaper(body, orelse))
            jumps = body_jumps | else_jumps
        elif isinstance(node, ast.For):
            acc.add(self.expr(node.iter))
            bound = self.loop(node)
            each = Work(1, 0, ())  # copying the range for the loop: one unit per element
            if bound.repeatable:
                each = _plus(each, bound.body)
                acc.add(bound.orelse)
            if is_range_call(node.iter):
                acc.parts.append(Repeat(node.iter, each))
            jumps = bound.orelse_jumps | (frozenset({"return"}) if bound.returns else
                                          _JUMPS_NONE)
        elif isinstance(node, ast.FunctionDef):
            self.stores.add(node.name)  # its body runs elsewhere, in a scope of its own
        return acc.freeze(), jumps

    def target(self, node: ast.expr) -> Work:
        """Work of assigning to ``node`` (subscripts evaluate their container and key)."""
        if isinstance(node, ast.Name):
            self.stores.add(node.id)
            return Work()
        if isinstance(node, ast.Subscript):
            acc = _Acc()
            acc.add(self.expr(node.value))
            acc.add(self.expr(node.slice))
            return acc.freeze()
        if isinstance(node, ast.Tuple | ast.List):
            acc = _Acc()
            for elt in node.elts:
                acc.add(self.target(elt.value if isinstance(elt, ast.Starred) else elt))
            return acc.freeze()
        self.scan(node)
        return Work()

    def loop(self, node: ast.For) -> LoopBound:
        """The bound of a ``for`` statement (read once, then cached)."""
        cached = self.cache.get(node)
        if isinstance(cached, LoopBound):
            self.stores |= cached.stores
            return cached
        outer = self.stores
        self.stores = set()
        self.target(node.target)
        body, body_jumps = self.block(node.body)
        orelse, else_jumps = self.block(node.orelse)
        stores = frozenset(self.stores)
        self.stores = outer | stores
        bound = LoopBound(
            body=_plus(Work(1, 0, ()), body),  # the interpreter's step per iteration
            orelse=orelse,
            repeatable=not ({"break", "return"} & body_jumps),
            returns="return" in body_jumps,
            orelse_jumps=else_jumps,
            stores=stores,
        )
        self.cache[node] = bound
        return bound

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.expr) -> Work:
        """Work of evaluating ``node``: one step per node that is always evaluated."""
        if isinstance(node, ast.Constant):
            return _ONE
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                self.stores.add(node.id)
            return _ONE
        acc = _Acc()
        acc.steps += 1  # Interpreter.evaluate charges every node
        if isinstance(node, ast.Call):
            acc.add(self.expr(node.func))
            for arg in node.args:
                acc.add(self.expr(arg.value if isinstance(arg, ast.Starred) else arg))
            for kw in node.keywords:
                acc.add(self.expr(kw.value))
            if isinstance(node.func, ast.Name) and node.func.id in GATE_NAMES:
                first = node.args[0] if node.args else None
                acc.parts.append(GateCall(node.func.id, isinstance(first, ast.Constant)
                                          and type(first.value) is int))
        elif isinstance(node, ast.BinOp):
            acc.add(self.expr(node.left))
            acc.add(self.expr(node.right))
        elif isinstance(node, ast.UnaryOp):
            acc.add(self.expr(node.operand))
        elif isinstance(node, ast.BoolOp):  # later operands may be short-circuited
            acc.add(self.expr(node.values[0]))
            for v in node.values[1:]:
                self.expr(v)
        elif isinstance(node, ast.Compare):  # a chain stops at its first False
            acc.add(self.expr(node.left))
            acc.add(self.expr(node.comparators[0]))
            for c in node.comparators[1:]:
                self.expr(c)
        elif isinstance(node, ast.IfExp):
            acc.add(self.expr(node.test))
            acc.add(_cheaper(self.expr(node.body), self.expr(node.orelse)))
        elif isinstance(node, ast.Attribute):
            acc.add(self.expr(node.value))
        elif isinstance(node, ast.Subscript):
            acc.add(self.expr(node.value))
            acc.add(self.expr(node.slice))
        elif isinstance(node, ast.List | ast.Tuple):
            for elt in node.elts:
                acc.add(self.expr(elt.value if isinstance(elt, ast.Starred) else elt))
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if k is not None:
                    acc.add(self.expr(k))
                acc.add(self.expr(v))
        elif isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    acc.add(self.expr(part))
        elif isinstance(node, ast.JoinedStr):
            for v in node.values:
                if isinstance(v, ast.FormattedValue):
                    acc.add(self.expr(v.value))
                    if v.format_spec is not None:
                        self.scan(v.format_spec)
        elif isinstance(node, ast.ListComp | ast.GeneratorExp | ast.DictComp):
            acc.add(self.expr(node.generators[0].iter))
            bound = self.comprehension(node)
            if is_range_call(node.generators[0].iter):
                acc.parts.append(Repeat(node.generators[0].iter,
                                        _plus(Work(1, 0, ()), bound.each)))
        else:
            self.scan(node)  # not evaluated by the interpreter (it fails there): 1 step
        return acc.freeze()

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> CompBound:
        """The bound of a comprehension (read once, then cached)."""
        cached = self.cache.get(node)
        if isinstance(cached, CompBound):
            self.stores |= cached.stores
            return cached
        outer = self.stores
        self.stores = set()
        gens = node.generators
        for gen in gens:
            self.target(gen.target)
        if isinstance(node, ast.DictComp):
            last = _plus(self.expr(node.key), self.expr(node.value))
        else:
            last = self.expr(node.elt)
        # Work per element of generator i, built from the innermost generator outwards.
        each = last
        for gen in reversed(gens[1:]):
            inner = _Acc()
            inner.add(self.expr(gen.iter))
            if is_range_call(gen.iter):
                inner.parts.append(Repeat(gen.iter,
                                          _plus(Work(2, 0, ()), self._after_ifs(gen, each))))
            each = inner.freeze()
        each = _plus(Work(1, 0, ()), self._after_ifs(gens[0], each))
        plain = isinstance(node, ast.ListComp | ast.GeneratorExp) and not any(
            g.ifs for g in gens)
        stores = frozenset(self.stores)
        self.stores = outer | stores
        bound = CompBound(each, tuple(g.iter for g in gens[1:]) if plain else None, stores)
        self.cache[node] = bound
        return bound

    def _after_ifs(self, gen: ast.comprehension, then: Work) -> Work:
        """Per element: the first ``if`` clause (always evaluated), else what follows."""
        if not gen.ifs:
            return then
        first = self.expr(gen.ifs[0])
        for cond in gen.ifs[1:]:
            self.expr(cond)
        return first

    def scan(self, node: ast.AST) -> None:
        """Record the names bound anywhere under ``node`` (work not counted)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.stores.add(sub.id)


def _plus(a: Work, b: Work) -> Work:
    if not b.steps and not b.ops and not b.parts:
        return a
    return Work(a.steps + b.steps, a.ops + b.ops, a.parts + b.parts)


def _cheaper(a: Work, b: Work) -> Work:
    if not a.parts and not b.parts:
        return Work(min(a.steps, b.steps), min(a.ops, b.ops), ())
    return Work(0, 0, (Cheaper(a, b),))


def loop_bound(cache: WorkCache, node: ast.For) -> LoopBound:
    """The cached bound of a ``for`` statement (read on first use)."""
    cached = cache.get(node)
    if isinstance(cached, LoopBound):
        return cached
    return _Reader(cache).loop(node)


def comprehension_bound(cache: WorkCache,
                        node: ast.ListComp | ast.GeneratorExp | ast.DictComp) -> CompBound:
    """The cached bound of a comprehension (read on first use)."""
    cached = cache.get(node)
    if isinstance(cached, CompBound):
        return cached
    return _Reader(cache).comprehension(node)
