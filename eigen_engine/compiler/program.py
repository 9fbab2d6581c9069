"""``compile_source``: Eigen-Lang source in, a :class:`CompiledProgram` out, nothing executed.

Example:
    >>> from eigen_engine import compile_source
    >>> prog = compile_source('''
    ... from eigen_lang import hybrid_program, h, cx
    ... @hybrid_program()
    ... def bell():
    ...     h(0)
    ...     cx(0, 1)
    ... ''')
    >>> [op["op"] for op in prog.aqo["operations"]]
    ['H', 'CX', 'MEASURE']
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from eigen_engine.compiler.builtins import BUILTINS
from eigen_engine.compiler.checker import check_module
from eigen_engine.compiler.circuits import CircuitBuilder
from eigen_engine.compiler.diagnostics import Diagnostic, Severity, diagnostic_at
from eigen_engine.compiler.entrypoint import (
    IMPLICIT_NAMES,
    bind_inputs,
    find_entrypoint,
    load_module,
    read_decorator_options,
)
from eigen_engine.compiler.functions import run_body
from eigen_engine.compiler.interpreter import EvalError, Interpreter
from eigen_engine.compiler.limits import DEFAULT_LIMITS, Limits
from eigen_engine.compiler.lowering import lower
from eigen_engine.compiler.source import decode_source, parse_source
from eigen_engine.compiler.values import FunctionValue
from eigen_engine.errors import CompileError
from eigen_engine.ir.aqo import MAIN_CIRCUIT, Circuit
from eigen_engine.ir.canonical import canonical_bytes, canonical_sha256, sha256_hex
from eigen_engine.ir.qasm import to_qasm3

__all__ = ["COMPILER_NAME", "EIGEN_LANG_VERSION", "CompiledProgram", "compile_source"]

COMPILER_NAME = "eigen-jupyter"
EIGEN_LANG_VERSION = "0.1"
_RECURSION_FLOOR = 20_000
# The evaluator recurses on nested expressions and inlined calls (bounded by the AST-depth and
# inline-depth limits); give it room once, at import, rather than per compilation.
if sys.getrecursionlimit() < _RECURSION_FLOOR:
    sys.setrecursionlimit(_RECURSION_FLOOR)


@dataclass(frozen=True, slots=True)
class CompiledProgram:
    """The result of compiling one program.

    Attributes:
        aqo: The AQO document.
        aqo_json: Its canonical bytes (what is stored and hashed).
        qasm: OpenQASM 3 of the program's main circuit (built on first use).
        sha256: Hex sha256 of ``aqo_json``.
        source_sha256: Hex sha256 of the source bytes.
        diagnostics: Warnings and notes (errors raise :class:`CompileError` instead).
        entrypoint: Name of the ``@hybrid_program`` function.
        defaults: ``@hybrid_program(...)`` options (lowest-precedence job options).
        seed: The seed used for ``np.random`` (and recorded for the run).
        inputs: Values of the entrypoint's inputs.
        kind: ``"sampling"`` (run the main circuit) or ``"hybrid"`` (run the plan).
        circuit: The main circuit, decoded.
    """

    aqo: Mapping[str, Any]
    aqo_json: bytes
    sha256: str
    source_sha256: str
    diagnostics: tuple[Diagnostic, ...]
    entrypoint: str
    defaults: Mapping[str, Any]
    seed: int
    inputs: Mapping[str, Any]
    kind: str
    circuit: Circuit = field(repr=False)
    _qasm: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def qasm(self) -> str:
        """OpenQASM 3 of the main circuit, built on first use (validation never pays it)."""
        if not self._qasm:
            self._qasm.append(to_qasm3(self.circuit))
        return self._qasm[0]

    @property
    def num_qubits(self) -> int:
        """Width of the widest circuit in the program."""
        widths = [int(self.aqo["qubits"])]
        for c in (self.aqo.get("annotations", {}).get("circuits") or {}).values():
            widths.append(int(c["qubits"]))
        return max(widths)


class _GcPause:
    """Suspends the cyclic garbage collector while any compilation runs.

    Compilation allocates tens of thousands of acyclic objects (syntax nodes, operations);
    collector passes triggered by them find nothing and cost ~15% of a large compile.
    Re-entrant and thread-safe: the collector comes back when the last compile ends, and
    only if it was enabled before. Cycles a program builds are collected afterwards.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._restore = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._restore = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._restore:
                gc.enable()


_GC_PAUSE = _GcPause()


def derive_seed(source_sha256: str) -> int:
    """The seed used when none is given: the first 32 bits of the source hash."""
    return int(source_sha256[:8], 16)


def _raise(diags: list[Diagnostic], filename: str) -> None:
    """Raise :class:`CompileError` if ``diags`` holds an error; otherwise return."""
    if any(d.is_error for d in diags):
        _fail(diags, filename)


def _fail(diags: list[Diagnostic], filename: str) -> NoReturn:
    """Raise :class:`CompileError` with every diagnostic (at least one is an error)."""
    errors = [d for d in diags if d.is_error]
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise CompileError(f"{filename}:{first.line}:{first.col}: {first.code} {first.message}{more}",
                       sorted(diags, key=lambda d: (d.line, d.col)), filename=filename)


def _normalized_options(options: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(options.items())}


def compile_source(
    source: str | bytes,
    *,
    seed: int | None = None,
    inputs: Mapping[str, Any] | None = None,
    entrypoint: str | None = None,
    filename: str = "<program>",
    limits: Limits = DEFAULT_LIMITS,
    **compiler_options: Any,
) -> CompiledProgram:
    """Compile Eigen-Lang source to AQO without executing any of it.

    Args:
        source: Program text or UTF-8 bytes.
        seed: Job seed (drives ``np.random``); default: the program's
            ``@hybrid_program(seed=...)``, else derived from the source hash.
        inputs: Values overriding the entrypoint's parameter defaults.
        entrypoint: If given, the ``@hybrid_program`` function must have this name.
        filename: Shown in diagnostics.
        limits: Resource limits.
        **compiler_options: Further options; recorded (they are part of the request hash).

    Returns:
        The compiled program.

    Raises:
        CompileError: with every diagnostic the compiler found.
        TypeError: ``source`` is neither str nor bytes.
    """
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0
                             or seed >= 2**63):
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    with _GC_PAUSE:
        return _compile(source, seed, inputs, entrypoint, filename, limits, compiler_options)


def _compile(source: str | bytes, seed: int | None, inputs: Mapping[str, Any] | None,
             entrypoint: str | None, filename: str, limits: Limits,
             compiler_options: Mapping[str, Any]) -> CompiledProgram:
    text_info, diags = decode_source(source, limits)
    _raise(diags, filename)
    assert text_info.text is not None
    parsed = parse_source(text_info.text, filename)
    if parsed.diagnostic is not None:
        _raise([parsed.diagnostic], filename)
    tree = parsed.tree
    assert tree is not None
    checked = check_module(tree, limits)
    diags.extend(checked.findings)
    entry, structure = find_entrypoint(tree, checked.entrypoints)
    diags.extend(structure)
    if entry is not None and entrypoint is not None and entry.node.name != entrypoint:
        diags.append(Diagnostic("E114", f"the @hybrid_program function is `{entry.node.name}`, "
                                f"but the job names entrypoint `{entrypoint}`",
                                entry.node.lineno, entry.node.col_offset + 1,
                                hint=f"set spec.entrypoint to `{entry.node.name}`"))
    _raise(diags, filename)
    assert entry is not None
    return _evaluate(text_info.sha256, tree, entry, diags, seed, dict(inputs or {}),
                     filename, limits, compiler_options)


def _evaluate(source_sha: str, tree: Any, entry: Any, diags: list[Diagnostic],
              seed: int | None, overrides: dict[str, Any], filename: str, limits: Limits,
              compiler_options: Mapping[str, Any]) -> CompiledProgram:
    it = Interpreter(limits, 0, BUILTINS, IMPLICIT_NAMES, filename)
    try:
        scope, import_diags = load_module(it, tree)
        diags.extend(import_diags)
        _raise(diags + it.warnings, filename)
        defaults = read_decorator_options(it, entry, scope)
        if seed is not None:
            effective_seed, seed_source = seed, "option"
        elif isinstance(defaults.get("seed"), int):
            effective_seed, seed_source = int(defaults["seed"]), "program"
        else:
            effective_seed, seed_source = derive_seed(source_sha), "source_sha256"
        it.seed = effective_seed
        it._rng = None
        fn = scope.names.get(entry.node.name)
        if not isinstance(fn, FunctionValue):
            it.fail(entry.node, "E110", "the @hybrid_program function could not be found")
        names, inputs = bind_inputs(it, fn, overrides)
        it.builders.append(CircuitBuilder(MAIN_CIRCUIT, width=it.qubits_allocated))
        result = run_body(it, fn, names, entry.node)
        builder = it.builders.pop()
        it.circuits.finish(builder)
        lowered = lower(it, result, entry.node)
    except EvalError as exc:
        _fail([*diags, *it.warnings, exc.diagnostic], filename)
    except RecursionError:
        _fail([*diags, diagnostic_at(it.current_node, "E502",  # the statement that recursed
                                     "the program nests too deeply to evaluate",
                                     "flatten nested calls and expressions")], filename)
    except MemoryError:
        _fail([*diags, Diagnostic("E505", "the program needs too much memory to compile")],
              filename)
    warnings = tuple(sorted((d for d in [*diags, *it.warnings]
                             if d.severity is not Severity.ERROR),
                            key=lambda d: (d.line, d.col, d.code)))
    options: dict[str, Any] = {"seed": effective_seed, **compiler_options}
    if overrides:
        options["inputs"] = canonical_bytes(inputs).decode()
    options_sha = canonical_sha256(_normalized_options(options))
    request_sha = canonical_sha256({"options": _normalized_options(options),
                                    "source_sha256": source_sha})
    doc = lowered.doc
    doc["metadata"] = {
        "compiler": COMPILER_NAME,
        "compiler_version": _version(),
        "eigen_lang_version": EIGEN_LANG_VERSION,
        "entrypoint": entry.node.name,
        "kind": lowered.kind,
        "seed": effective_seed,
        "seed_source": seed_source,
        "inputs": inputs,
        "program_defaults": defaults,
        "compiler_options": {k: v for k, v in sorted(compiler_options.items())
                             if isinstance(v, str | int | float | bool)},
        "clbits": lowered.display.num_clbits,
        "options_sha256": options_sha,
        "request_sha256": request_sha,
        "source_sha256": source_sha,
    }
    doc["checksums"] = {"request_sha256": request_sha, "source_sha256": source_sha}
    try:
        data = canonical_bytes(doc)
    except (ValueError, TypeError) as exc:
        _fail([Diagnostic("E406", f"the program's values cannot be stored: {exc}")], filename)
    return CompiledProgram(
        aqo=doc,
        aqo_json=data,
        sha256=sha256_hex(data),
        source_sha256=source_sha,
        diagnostics=warnings,
        entrypoint=entry.node.name,
        defaults=defaults,
        seed=effective_seed,
        inputs=inputs,
        kind=lowered.kind,
        circuit=lowered.display,
    )


def _version() -> str:
    from eigen_engine import __version__

    return __version__
