"""The Eigen-Lang standard library as the compiler implements it (the names of ``eigen_lang``).

Gates append operations to the current circuit; factories build ansätze and observables;
``ExpectationValue``, ``minimize``, ``sample`` and ``sweep`` record hybrid-plan nodes and
return run-time values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.circuits import CircuitBuilder
from eigen_engine.compiler.values import (
    AnsatzValue,
    BuiltinFunction,
    CallArgs,
    CircuitRef,
    ClassicalRegisterValue,
    Clbit,
    FunctionValue,
    ModuleValue,
    QubitRegisterValue,
    RuntimeValue,
    SymbolicArg,
    TypeName,
)
from eigen_engine.ir.aqo import Operation
from eigen_engine.ir.gates import GATES, LANG_GATES, MEASURE
from eigen_engine.ir.observable import PauliSum
from eigen_engine.ir.params import ParamExpr, is_param_name

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["EIGEN_LANG", "EIGEN_LANG_MODULE", "METHODS", "RESERVED"]

METHODS = ("cobyla", "nelder-mead", "powell", "l-bfgs-b", "spsa")
_METHOD_ALIASES = {"nelder_mead": "nelder-mead", "neldermead": "nelder-mead",
                   "l_bfgs_b": "l-bfgs-b", "lbfgsb": "l-bfgs-b", "lbfgs": "l-bfgs-b"}
RESERVED = ("QuantumModel", "SupervisedTask", "load_dataset")
_PARAM_KEYS = {"theta": 0, "phi": 1, "lambda": 2, "lam": 2, "lambda_": 2, "angle": 0}


# ------------------------------------------------------------------------------ coercions
def qubit_index(it: Interpreter, value: Any, ca: CallArgs) -> int:
    """Coerce a qubit argument to an index, with a clear error for everything else."""
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            it.fail(ca.node, "E402", f"qubit index {value} is negative")
        if value >= it.limits.max_qubit_index:
            it.fail(ca.node, "E509", f"qubit index {value:,} exceeds the limit of "
                                     f"{it.limits.max_qubit_index - 1:,}")
        return value
    if isinstance(value, QubitRegisterValue):
        it.fail(ca.node, "E402", "a whole register was given where one qubit is needed",
                "index the register, e.g. q[0]")
    if isinstance(value, Clbit | ClassicalRegisterValue):
        it.fail(ca.node, "E402", "a classical bit was given where a qubit is needed")
    if isinstance(value, RuntimeValue):
        it.fail(ca.node, "E405", "qubit indices must be known at compile time")
    if isinstance(value, ParamExpr | SymbolicArg):
        it.fail(ca.node, "E402", "a symbolic parameter cannot be a qubit index")
    it.fail(ca.node, "E402", f"qubits must be integers or register elements, not "
                             f"{type(value).__name__}")


def _angle(it: Interpreter, value: Any, ca: CallArgs, gate: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        it.fail(ca.node, "E401", f"`{gate}` angle must be a number or a Param, not a bool")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            it.fail(ca.node, "E407", f"`{gate}` angle {value} is not finite")
        return value
    if isinstance(value, ParamExpr):
        return value
    if isinstance(value, SymbolicArg):
        return value.scalar()
    if isinstance(value, str) and is_param_name(value):
        return ParamExpr.symbol(value)  # upstream: a string literal names a parameter
    if isinstance(value, RuntimeValue):
        it.fail(ca.node, "E405", f"`{gate}` angle is known only at run time",
                "use a Param in the circuit and pass run-time values to sample(..., "
                "parameters=result.optimal_parameters)")
    it.fail(ca.node, "E401", f"`{gate}` angle must be a number or a Param, not "
                             f"{type(value).__name__}")


def _expand_qubits(it: Interpreter, value: Any, ca: CallArgs) -> list[int]:
    if isinstance(value, QubitRegisterValue):
        return list(range(value.offset, value.offset + value.size))
    if isinstance(value, list | tuple | range):
        out: list[int] = []
        for v in value:
            out.extend(_expand_qubits(it, v, ca))
        return out
    return [qubit_index(it, value, ca)]


# ------------------------------------------------------------------------------ gates
def _gate(name: str, op: str) -> BuiltinFunction:
    gdef = GATES[op]
    nq = gdef.num_qubits
    nparams = len(gdef.params)

    def impl(it: Interpreter, ca: CallArgs) -> None:
        args = ca.args
        if not ca.kwargs and len(args) == nq + nparams and op != "BARRIER":
            # fast path: plain integer qubits and plain number angles
            qs = args[:nq]
            ps = args[nq:]
            if (all(type(q) is int and 0 <= q < it.limits.max_qubit_index for q in qs)
                    and all(type(v) is float or type(v) is int for v in ps)
                    and all(math.isfinite(v) for v in ps)
                    and len(set(qs)) == nq):
                it.emit(Operation(op, qs, ps), ca.node)
                return
        if op == "BARRIER":
            qubits: list[int] = []
            for a in args:
                qubits.extend(_expand_qubits(it, a, ca))
            if not qubits:
                qubits = list(range(it.builder.width))
            if qubits:
                it.emit(Operation(op, tuple(dict.fromkeys(qubits))), ca.node)
            return
        params: list[Any] = [None] * nparams
        for i, a in enumerate(args[nq:]):
            if i >= nparams:
                it.fail(ca.node, "E401", f"`{name}` takes {nq} qubit(s) and {nparams} "
                                         f"angle(s), got {len(args)} arguments")
            params[i] = a
        for key, value in ca.kwargs.items():
            idx = _PARAM_KEYS.get(key)
            if idx is None or idx >= nparams:
                it.fail(ca.node, "E401", f"`{name}` got an unexpected keyword `{key}`",
                        f"`{name}` takes {', '.join(gdef.params) or 'no angles'}")
            if params[idx] is not None:
                it.fail(ca.node, "E401", f"`{name}` got the angle `{key}` twice")
            params[idx] = value
        if len(args) < nq:
            it.fail(ca.node, "E401", f"`{name}` needs {nq} qubit(s), got {len(args)}")
        if any(p is None for p in params):
            missing = [gdef.params[i] for i, p in enumerate(params) if p is None]
            it.fail(ca.node, "E401", f"`{name}` is missing the angle {', '.join(missing)}",
                    f"write e.g. `{name}({', '.join(['0'] * nq)}, {missing[0]}=0.5)`")
        values = tuple(_angle(it, p, ca, name) for p in params)
        if nq == 1:
            for q in _expand_qubits(it, args[0], ca):
                it.emit(Operation(op, (q,), values), ca.node)
            return
        qubits = [qubit_index(it, a, ca) for a in args[:nq]]
        if len(set(qubits)) != nq:
            it.fail(ca.node, "E403", f"`{name}` uses qubit {qubits[0]} twice: "
                                     f"{tuple(qubits)}", "use distinct qubits")
        it.emit(Operation(op, tuple(qubits), values), ca.node)

    return BuiltinFunction(name, impl)


def _clbits_of(it: Interpreter, value: Any, ca: CallArgs) -> list[int]:
    if isinstance(value, Clbit):
        return [value.index]
    if isinstance(value, ClassicalRegisterValue):
        return list(range(value.offset, value.offset + value.size))
    if isinstance(value, list | tuple | range):
        out: list[int] = []
        for v in value:
            out.extend(_clbits_of(it, v, ca))
        return out
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0:
        if value >= it.limits.max_qubit_index:
            it.fail(ca.node, "E509", f"classical bit {value} exceeds the limit")
        return [int(value)]
    it.fail(ca.node, "E402", f"classical bits must be non-negative integers or register "
                             f"elements, not {type(value).__name__}")


def _measure(it: Interpreter, ca: CallArgs) -> None:
    qubits: list[int] = []
    clbits: list[int] = []
    for a in ca.args:
        if isinstance(a, Clbit | ClassicalRegisterValue) or (
                isinstance(a, list | tuple) and a and all(isinstance(x, Clbit) for x in a)):
            clbits.extend(_clbits_of(it, a, ca))
        else:
            qubits.extend(_expand_qubits(it, a, ca))
    if "c" in ca.kwargs:
        if clbits:
            it.fail(ca.node, "E401", "classical bits given twice (positionally and as c=)")
        clbits = _clbits_of(it, ca.kwargs["c"], ca)
    basis = ca.kwargs.get("basis", "Z")
    extra = set(ca.kwargs) - {"c", "basis"}
    if extra:
        it.fail(ca.node, "E401", f"`measure` got an unexpected keyword `{sorted(extra)[0]}`")
    if not qubits:
        it.fail(ca.node, "E401", "`measure` needs at least one qubit")
    if (not clbits and len(ca.args) == 2 and "c" not in ca.kwargs
            and all(isinstance(a, int) for a in ca.args)):
        it.warn(ca.node, "W101", f"`measure({ca.args[0]}, {ca.args[1]})` measures qubits "
                                 f"{ca.args[0]} and {ca.args[1]} (upstream meaning)",
                f"to measure qubit {ca.args[0]} into bit {ca.args[1]}, write "
                f"`measure({ca.args[0]}, c={ca.args[1]})`")
    if not clbits:
        clbits = list(qubits)
    if len(clbits) != len(qubits):
        it.fail(ca.node, "E401", f"`measure` got {len(qubits)} qubit(s) but {len(clbits)} "
                                 "classical bit(s)", "give one classical bit per qubit")
    if basis not in ("X", "Y", "Z"):
        it.fail(ca.node, "E406", f"measurement basis must be 'X', 'Y' or 'Z', not {basis!r}")
    for q in qubits:
        if basis == "Y":
            it.emit(Operation("SDG", (q,)), ca.node)
        if basis in ("X", "Y"):
            it.emit(Operation("H", (q,)), ca.node)
    it.emit(Operation(MEASURE, tuple(qubits), (), tuple(clbits)), ca.node)


def _measure_all(it: Interpreter, ca: CallArgs) -> None:
    if ca.args or ca.kwargs:
        it.fail(ca.node, "E401", "`measure_all()` takes no arguments")
    width = max(it.builder.width, 1)
    qubits = tuple(range(width))
    it.emit(Operation(MEASURE, qubits, (), qubits), ca.node)


# ------------------------------------------------------------------------------ registers
def _register(kind: str) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> Any:
        size = ca.args[0] if ca.args else ca.kwargs.get("size", ca.kwargs.get("n"))
        if isinstance(size, np.integer):
            size = int(size)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            it.fail(ca.node, "E401", f"`{kind}(n)` needs a positive integer size, got {size!r}")
        if kind == "QubitRegister":
            offset = it.qubits_allocated
            if offset + size > it.limits.max_qubit_index:
                it.fail(ca.node, "E509", f"registers would need {offset + size:,} qubits")
            it.qubits_allocated += size
            if it.builders:
                b = it.builders[-1]
                b.width = max(b.width, offset + size)
            return QubitRegisterValue(offset, size)
        offset = it.clbits_allocated
        it.clbits_allocated += size
        return ClassicalRegisterValue(offset, size)
    return BuiltinFunction(kind, impl)


def _param(it: Interpreter, ca: CallArgs) -> ParamExpr:
    name = ca.args[0] if ca.args else ca.kwargs.get("name")
    default = ca.args[1] if len(ca.args) > 1 else ca.kwargs.get("default")
    if not isinstance(name, str) or not is_param_name(name):
        it.fail(ca.node, "E406", f"Param name must be an identifier string, got {name!r}",
                "e.g. Param(\"theta\", 0.1)")
    if default is not None:
        if isinstance(default, np.generic):
            default = default.item()
        if isinstance(default, bool) or not isinstance(default, int | float) or not math.isfinite(
                default):
            it.fail(ca.node, "E406", "Param default must be a literal integer or float",
                    f"e.g. Param({name!r}, 0.1)")
    previous = it.param_defaults.get(name, default)
    if name in it.param_defaults and previous != default:
        it.fail(ca.node, "E406", f"Param {name!r} is declared twice with different defaults "
                                 f"({previous!r} and {default!r})", "use one declaration")
    it.param_defaults[name] = default
    return ParamExpr.symbol(name)


def _params(it: Interpreter, ca: CallArgs) -> list[ParamExpr]:
    if len(ca.args) != 2 or not isinstance(ca.args[0], str) or not isinstance(ca.args[1], int):
        it.fail(ca.node, "E401", "`Params(name, count)` takes a name and a count")
    name, count = ca.args
    if not is_param_name(name) or "[" in name:
        it.fail(ca.node, "E406", f"Params name must be an identifier, got {name!r}")
    it.check_len(count, ca.node, "parameter vector")
    for i in range(count):
        it.param_defaults.setdefault(f"{name}[{i}]", None)
    return [ParamExpr.symbol(f"{name}[{i}]") for i in range(count)]


# ------------------------------------------------------------------------------ observables
def _pauli(letter: str) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> PauliSum:
        if len(ca.args) != 1 or ca.kwargs:
            it.fail(ca.node, "E401", f"`{letter}(q)` takes one qubit")
        return PauliSum.single(letter, qubit_index(it, ca.args[0], ca))
    return BuiltinFunction(letter, impl)


def _observable(it: Interpreter, ca: CallArgs) -> PauliSum:
    try:
        if ca.args and ca.kwargs:
            it.fail(ca.node, "E401", "Observable takes a dict of labels or keyword terms, "
                                     "not both")
        if len(ca.args) > 1:
            it.fail(ca.node, "E401", "Observable takes one argument")
        if ca.args:
            src = ca.args[0]
            if isinstance(src, PauliSum):
                return src
            if isinstance(src, str):
                return PauliSum.from_labels({src: 1.0})
            if isinstance(src, dict):
                for k, v in src.items():
                    if not isinstance(k, str) or isinstance(v, bool) or not isinstance(
                            v, int | float | np.number):
                        it.fail(ca.node, "E406", "Observable({label: coefficient}) needs "
                                                 "string labels and numeric coefficients")
                return PauliSum.from_labels({k: float(v) for k, v in src.items()})
            if isinstance(src, list | tuple):
                pairs: dict[str, float] = {}
                for item in src:
                    if (not isinstance(item, list | tuple) or len(item) != 2
                            or not isinstance(item[0], str)):
                        it.fail(ca.node, "E406", "Observable([...]) needs (label, coefficient) "
                                                 "pairs")
                    pairs[item[0]] = pairs.get(item[0], 0.0) + float(item[1])
                return PauliSum.from_labels(pairs)
            it.fail(ca.node, "E406", f"cannot make an observable from {type(src).__name__}")
        total = PauliSum((), 1)
        for key, where in ca.kwargs.items():
            letters = key.upper()
            if not letters or any(ch not in "IXYZ" for ch in letters):
                it.fail(ca.node, "E406", f"Observable keyword `{key}` is not a Pauli letter",
                        "use Observable(Z=0, X=1) or Observable({'ZZ': 1.0})")
            qubits = _expand_qubits(it, where, ca)
            if len(letters) == 1:
                letters = letters * len(qubits)
            if len(letters) != len(qubits):
                it.fail(ca.node, "E406", f"`{key}=` names {len(letters)} Pauli letters but "
                                         f"{len(qubits)} qubits")
            if len(set(qubits)) != len(qubits):
                it.fail(ca.node, "E403", f"`{key}=` uses a qubit twice")
            # distinct qubits: the product of the letters is one term (built in one step, not
            # by repeated multiplication, which is quadratic in the number of qubits)
            term = tuple(sorted((q, ch) for ch, q in zip(letters, qubits, strict=True)
                                if ch != "I"))
            total = total + PauliSum.from_keys({term: 1.0}, max(qubits, default=0) + 1)
        return total
    except ValueError as exc:
        it.fail(ca.node, "E406", str(exc))


def _number(it: Interpreter, ca: CallArgs, value: Any, what: str) -> float:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        it.fail(ca.node, "E406", f"{what} must be a finite number, got {value!r}")
    return float(value)


def _ising(it: Interpreter, ca: CallArgs) -> PauliSum:
    a = _Args(it, ca, "create_ising_model_hamiltonian",
              ("n_spins", "J", "h", "periodic"), {"J": 1.0, "h": 0.0, "periodic": False})
    n = a.int("n_spins", 1)
    _check_width(it, ca, n)
    J, h, periodic = a["J"], a["h"], bool(a["periodic"])
    acc: dict[tuple[tuple[int, str], ...], complex] = {}
    if isinstance(J, list | tuple | np.ndarray):
        try:
            mat = np.asarray(J, dtype=float)
        except (TypeError, ValueError) as exc:
            it.fail(ca.node, "E406", f"coupling matrix J must hold numbers: {exc}")
        if mat.shape != (n, n):
            it.fail(ca.node, "E406", f"coupling matrix J must be {n}x{n}, got shape {mat.shape}")
        for i in range(n):
            for j in range(i + 1, n):
                if mat[i, j] != 0:
                    acc[((i, "Z"), (j, "Z"))] = float(mat[i, j])
    else:
        coupling = _number(it, ca, J, "J")
        bonds = [(i, i + 1) for i in range(n - 1)]
        if periodic and n > 2:
            bonds.append((0, n - 1))
        for i, j in bonds:
            acc[((i, "Z"), (j, "Z"))] = acc.get(((i, "Z"), (j, "Z")), 0) + coupling
    fields = (h if isinstance(h, list | tuple | np.ndarray) else [h] * n)
    if len(fields) != n:
        it.fail(ca.node, "E406", f"h must be a number or {n} numbers")
    for i, hi in enumerate(fields):
        value = _number(it, ca, hi, "h")
        if value:
            acc[((i, "X"),)] = value
    return PauliSum.from_keys(acc, n)


def _maxcut(it: Interpreter, ca: CallArgs) -> PauliSum:
    a = _Args(it, ca, "create_maxcut_hamiltonian", ("edges", "weights"), {"weights": None})
    edges = it.iterate(a["edges"], ca.node)
    weights = a["weights"]
    if weights is not None:
        weights = it.iterate(weights, ca.node)
        if len(weights) != len(edges):
            it.fail(ca.node, "E406", f"{len(edges)} edges but {len(weights)} weights")
    acc: dict[tuple[tuple[int, str], ...], complex] = {}
    n = 0
    for k, edge in enumerate(edges):
        items = it.iterate(edge, ca.node)
        if len(items) not in (2, 3):
            it.fail(ca.node, "E406", f"edge {edge!r} must be (i, j) or (i, j, weight)")
        i, j = (qubit_index(it, x, ca) for x in items[:2])
        if i == j:
            it.fail(ca.node, "E406", f"edge ({i}, {j}) is a self-loop")
        w = _number(it, ca, items[2] if len(items) == 3 else (
            weights[k] if weights is not None else 1.0), "edge weight")
        key = ((min(i, j), "Z"), (max(i, j), "Z"))
        acc[key] = acc.get(key, 0) + w / 2
        acc[()] = acc.get((), 0) - w / 2
        n = max(n, i + 1, j + 1)
    if not edges:
        it.fail(ca.node, "E406", "create_maxcut_hamiltonian needs at least one edge")
    return PauliSum.from_keys(acc, n)


def _check_width(it: Interpreter, ca: CallArgs, n: int) -> None:
    """Fail with E509 before a factory builds anything on more qubits than allowed."""
    if n > it.limits.max_qubit_index:
        it.fail(ca.node, "E509", f"{n:,} qubits exceed the limit of "
                                 f"{it.limits.max_qubit_index:,}")


# ------------------------------------------------------------------------------ ansätze
_ENTANGLEMENTS = ("linear", "full", "circular")


def _hea(it: Interpreter, ca: CallArgs) -> AnsatzValue:
    a = _Args(it, ca, "create_hea_ansatz",
              ("n_qubits", "depth", "entanglement", "rotations", "name"),
              {"depth": 1, "entanglement": "linear", "rotations": "ry", "name": "theta"})
    n = a.int("n_qubits", 1)
    _check_width(it, ca, n)
    depth = a.int("depth", 0)
    ent = a["entanglement"]
    if ent not in _ENTANGLEMENTS:
        it.fail(ca.node, "E406", f"entanglement must be one of {', '.join(_ENTANGLEMENTS)}, "
                                 f"not {ent!r}")
    rot = a["rotations"]
    blocks = (rot.split("_") if isinstance(rot, str)
              else list(rot) if isinstance(rot, list | tuple) else [])
    if not blocks or any(b not in ("rx", "ry", "rz") for b in blocks):
        it.fail(ca.node, "E406", f"rotations must be made of rx, ry, rz (e.g. 'ry' or "
                                 f"'ry_rz'), not {rot!r}")
    prefix = a["name"]
    if not isinstance(prefix, str) or not is_param_name(prefix):
        it.fail(ca.node, "E406", f"name must be an identifier, got {prefix!r}")
    if ent == "full":  # n^2 / 2 pairs: count them before listing them
        it.check_len(n * (n - 1) // 2 * depth, ca.node, "ansatz")
    if n == 1:
        pairs: list[tuple[int, int]] = []
    elif ent == "linear":
        pairs = [(i, i + 1) for i in range(n - 1)]
    elif ent == "full":
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    else:
        pairs = ([(n - 1, 0)] if n > 2 else []) + [(i, i + 1) for i in range(n - 1)]
    it.check_len(n * len(blocks) * (depth + 1) + len(pairs) * depth, ca.node, "ansatz")
    builder = CircuitBuilder(it.circuits.new_id())
    it.builders.append(builder)
    try:
        k = 0
        for layer in range(depth + 1):
            if layer:
                for i, j in pairs:
                    it.emit(Operation("CX", (i, j)), ca.node)
            for block in blocks:
                for q in range(n):
                    it.emit(Operation(block.upper(), (q,), (ParamExpr.symbol(f"{prefix}[{k}]"),)),
                            ca.node)
                    k += 1
    finally:
        it.builders.pop()
    return AnsatzValue(it.circuits.finish(builder, n))


def _qaoa(it: Interpreter, ca: CallArgs) -> AnsatzValue:
    a = _Args(it, ca, "create_qaoa_ansatz", ("cost_hamiltonian", "reps"), {"reps": 1})
    ham = a["cost_hamiltonian"]
    if not isinstance(ham, PauliSum):
        it.fail(ca.node, "E406", "create_qaoa_ansatz needs an observable (e.g. from "
                                 "create_maxcut_hamiltonian)")
    reps = a.int("reps", 1)
    try:
        terms = ham.hermitian().terms
    except ValueError as exc:
        it.fail(ca.node, "E406", str(exc))
    for t in terms:
        if set(t.paulis) - {"Z"} or len(t.qubits) > 2:
            it.fail(ca.node, "E406", "create_qaoa_ansatz supports diagonal cost Hamiltonians "
                                     "(Z and ZZ terms only)",
                    f"the term {t.paulis} on {t.qubits} is not diagonal")
    n = ham.num_qubits
    builder = CircuitBuilder(it.circuits.new_id())
    it.builders.append(builder)
    try:
        for q in range(n):
            it.emit(Operation("H", (q,)), ca.node)
        for r in range(reps):
            gamma = ParamExpr.symbol(f"gamma[{r}]")
            beta = ParamExpr.symbol(f"beta[{r}]")
            for t in terms:
                angle = gamma.scale(2 * complex(t.coeff).real)
                if len(t.qubits) == 2:
                    it.emit(Operation("RZZ", t.qubits, (angle,)), ca.node)
                elif len(t.qubits) == 1:
                    it.emit(Operation("RZ", t.qubits, (angle,)), ca.node)
            for q in range(n):
                it.emit(Operation("RX", (q,), (beta.scale(2),)), ca.node)
    finally:
        it.builders.pop()
    return AnsatzValue(it.circuits.finish(builder, n))


# ------------------------------------------------------------------------------ hybrid
class _Args:
    """Positional/keyword argument matching for library functions."""

    def __init__(self, it: Interpreter, ca: CallArgs, name: str, params: tuple[str, ...],
                 defaults: Mapping[str, Any], aliases: Mapping[str, str] | None = None) -> None:
        self.it, self.ca, self.name = it, ca, name
        values: dict[str, Any] = {}
        if len(ca.args) > len(params):
            it.fail(ca.node, "E401", f"`{name}()` takes at most {len(params)} positional "
                                     f"arguments, got {len(ca.args)}")
        for p, v in zip(params, ca.args, strict=False):
            values[p] = v
        for key, v in ca.kwargs.items():
            key = (aliases or {}).get(key, key)
            if key not in params:
                it.fail(ca.node, "E401", f"`{name}()` got an unexpected keyword `{key}`",
                        f"it takes {', '.join(params)}")
            if key in values:
                it.fail(ca.node, "E401", f"`{name}()` got `{key}` twice")
            values[key] = v
        for p in params:
            if p not in values:
                if p not in defaults:
                    it.fail(ca.node, "E401", f"`{name}()` is missing the argument `{p}`")
                values[p] = defaults[p]
        self.values = values

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def int(self, key: str, minimum: int) -> int:
        v = self.values[key]
        if isinstance(v, np.integer):
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            self.it.fail(self.ca.node, "E406", f"`{key}` of {self.name}() must be an integer "
                                               f">= {minimum}, got {v!r}")
        return v


def circuit_id_of(it: Interpreter, value: Any, ca: CallArgs) -> str:
    """The circuit an ``ExpectationValue``/``sample``/``sweep`` argument refers to."""
    from eigen_engine.compiler.functions import build_circuit

    if value is None or isinstance(value, str):
        if not it.builders:
            it.fail(ca.node, "E401", "no circuit given and none is being built here",
                    "pass the circuit or ansatz as the first argument")
        return it.builders[-1].id
    if isinstance(value, AnsatzValue):
        return value.circuit.id
    if isinstance(value, CircuitRef):
        return value.id
    if isinstance(value, FunctionValue):
        return build_circuit(it, value, [], {}, ca.node).id
    if isinstance(value, RuntimeValue):
        it.fail(ca.node, "E405", "the circuit must be known at compile time")
    it.fail(ca.node, "E401", f"expected a circuit or an ansatz, got {type(value).__name__}")


def _shots(it: Interpreter, ca: CallArgs, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, np.integer):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        it.fail(ca.node, "E406", f"shots must be a positive integer or None, got {value!r}")
    if value > 10**8:
        it.fail(ca.node, "E406", f"shots={value:,} is more than the limit of 100,000,000")
    return value


def _observable_json(it: Interpreter, ca: CallArgs, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if value and all(ch in "IXYZ" for ch in value):
            value = PauliSum.from_labels({value: 1.0})
        else:
            it.warn(ca.node, "W102", f"observable {value!r} is a placeholder name, not an "
                                     "Observable; the default Z on every qubit is used",
                    "pass an Observable, e.g. observable=Observable(Z=0)")
            return None
    if not isinstance(value, PauliSum):
        it.fail(ca.node, "E406", f"observable must be an Observable, not {type(value).__name__}")
    try:
        return value.to_json()
    except ValueError as exc:
        it.fail(ca.node, "E406", str(exc))


def _expectation(it: Interpreter, ca: CallArgs) -> RuntimeValue:
    a = _Args(it, ca, "ExpectationValue", ("circuit_or_ansatz", "observable", "shots"),
              {"circuit_or_ansatz": None, "observable": None, "shots": None},
              {"circuit": "circuit_or_ansatz", "ansatz": "circuit_or_ansatz"})
    cid = circuit_id_of(it, a["circuit_or_ansatz"], ca)
    obs = _observable_json(it, ca, a["observable"])
    if a["observable"] is None:
        it.warn(ca.node, "W102", "ExpectationValue has no observable; the default Z on every "
                                 "qubit is used", "pass observable=...")
    value = it.plan.add("expectation", "expectation", circuit=cid, observable=obs,
                        shots=_shots(it, ca, a["shots"]))
    it.deferred.append((value.node_id or "", ca.node))
    return value


def _minimize(it: Interpreter, ca: CallArgs) -> RuntimeValue:
    from eigen_engine.compiler.functions import call_user_function
    from eigen_engine.compiler.plan import node_refs

    a = _Args(it, ca, "minimize",
              ("objective", "initial_guess", "method", "max_iter", "tolerance", "options"),
              {"initial_guess": None, "method": "cobyla", "max_iter": None, "tolerance": None,
               "options": None},
              {"initial_params": "initial_guess", "x0": "initial_guess",
               "max_iters": "max_iter", "maxiter": "max_iter", "tol": "tolerance"})
    objective = a["objective"]
    if isinstance(objective, FunctionValue):
        fn = FunctionValue(objective.node, objective.scope, "cost_function")
        objective = call_user_function(it, fn, [], {}, ca.node)
    if not isinstance(objective, RuntimeValue):
        it.fail(ca.node, "E406", "the objective of minimize() must be an ExpectationValue, a "
                                 "cost function returning one, or arithmetic of them",
                f"got {type(objective).__name__}")
    refs = node_refs(objective.expr)
    kinds = {it.plan.node(r)["kind"] for r in refs}
    if not refs or kinds != {"expectation"}:
        it.fail(ca.node, "E406", "the objective of minimize() must be built from "
                                 "ExpectationValue(...) terms")
    method = a["method"]
    if not isinstance(method, str):
        it.fail(ca.node, "E406", "method must be a string")
    method = _METHOD_ALIASES.get(method.lower(), method.lower())
    if method not in METHODS:
        it.fail(ca.node, "E406", f"unknown optimizer {a['method']!r}",
                f"use one of {', '.join(METHODS)}")
    options: dict[str, Any] = {}
    if a["max_iter"] is not None:
        options["maxiter"] = a.int("max_iter", 1)
    if a["tolerance"] is not None:
        tol = _number(it, ca, a["tolerance"], "tolerance")
        if tol <= 0:
            it.fail(ca.node, "E406", "tolerance must be positive")
        options["tol"] = tol
    if a["options"] is not None:
        if not isinstance(a["options"], dict):
            it.fail(ca.node, "E406", "options must be a dict")
        for k, v in a["options"].items():
            if not isinstance(k, str) or not isinstance(v, int | float | str | bool):
                it.fail(ca.node, "E406", "options must map names to numbers or strings")
            options[k] = v
    initial = a["initial_guess"]
    if initial is not None:
        items = it.iterate(initial, ca.node)
        initial = [_number(it, ca, v, "initial_guess values") for v in items]
    value = it.plan.add("minimize", "minimize", objective=objective.expr, parameters=None,
                        initial=initial, method=method, options=options)
    it.deferred.append((value.node_id or "", ca.node))
    return value


def _bindings(it: Interpreter, ca: CallArgs, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, RuntimeValue):
        return value.expr
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            name = k.names[0] if isinstance(k, ParamExpr) and k.is_symbol else k
            if not isinstance(name, str):
                it.fail(ca.node, "E406", "parameter bindings must be keyed by Param or name")
            out.append([name, _number(it, ca, v, f"value of {name}")])
        return {"$dict": out}
    return [_number(it, ca, v, "parameter values") for v in it.iterate(value, ca.node)]


def _sample(it: Interpreter, ca: CallArgs) -> RuntimeValue:
    a = _Args(it, ca, "sample", ("circuit_or_ansatz", "parameters", "shots"),
              {"circuit_or_ansatz": None, "parameters": None, "shots": None},
              {"circuit": "circuit_or_ansatz", "ansatz": "circuit_or_ansatz"})
    cid = circuit_id_of(it, a["circuit_or_ansatz"], ca)
    value = it.plan.add("sample", "counts", circuit=cid,
                        bindings=_bindings(it, ca, a["parameters"]),
                        shots=_shots(it, ca, a["shots"]))
    it.deferred.append((value.node_id or "", ca.node))
    return value


def _sweep(it: Interpreter, ca: CallArgs) -> RuntimeValue:
    a = _Args(it, ca, "sweep", ("circuit", "values", "observable", "shots"),
              {"observable": None, "shots": None}, {"circuit_or_ansatz": "circuit",
                                                    "ansatz": "circuit"})
    cid = circuit_id_of(it, a["circuit"], ca)
    values = a["values"]
    if not isinstance(values, dict) or not values:
        it.fail(ca.node, "E406", "sweep(circuit, {param: values}) needs a dict of parameter "
                                 "values")
    names: list[str] = []
    columns: list[list[float]] = []
    for k, v in values.items():
        name = k.names[0] if isinstance(k, ParamExpr) and k.is_symbol else k
        if not isinstance(name, str):
            it.fail(ca.node, "E406", "sweep keys must be Params or parameter names")
        names.append(name)
        columns.append([_number(it, ca, x, f"sweep value of {name}")
                        for x in it.iterate(v, ca.node)])
    if len({len(c) for c in columns}) != 1:
        it.fail(ca.node, "E406", "all swept parameters need the same number of values")
    rows = [list(r) for r in zip(*columns, strict=True)]
    it.check_len(len(rows) * len(names), ca.node, "sweep")
    value = it.plan.add("sweep", "sweep", circuit=cid, parameters=names, values=rows,
                        observable=_observable_json(it, ca, a["observable"]),
                        shots=_shots(it, ca, a["shots"]))
    it.deferred.append((value.node_id or "", ca.node))
    return value


def _not_in_program(name: str, why: str) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> None:
        it.fail(ca.node, "E404", f"`{name}` {why}")
    return BuiltinFunction(name, impl)


def _reserved(name: str) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> None:
        it.fail(ca.node, "E305", f"`{name}` is reserved for a later Eigen-Lang version and is "
                                 "not yet supported")
    return BuiltinFunction(name, impl)


_TABLE: dict[str, Any] = {
    name: _gate(name, op) for name, op in LANG_GATES.items()
}
_TABLE.update({
    "measure": BuiltinFunction("measure", _measure),
    "measure_all": BuiltinFunction("measure_all", _measure_all),
    "QubitRegister": _register("QubitRegister"),
    "ClassicalRegister": _register("ClassicalRegister"),
    "Param": BuiltinFunction("Param", _param),
    "Params": BuiltinFunction("Params", _params),
    "Observable": BuiltinFunction("Observable", _observable),
    "I": _pauli("I"),
    "X": _pauli("X"),
    "Y": _pauli("Y"),
    "Z": _pauli("Z"),
    "create_ising_model_hamiltonian": BuiltinFunction("create_ising_model_hamiltonian", _ising),
    "create_maxcut_hamiltonian": BuiltinFunction("create_maxcut_hamiltonian", _maxcut),
    "create_hea_ansatz": BuiltinFunction("create_hea_ansatz", _hea),
    "create_qaoa_ansatz": BuiltinFunction("create_qaoa_ansatz", _qaoa),
    "ExpectationValue": BuiltinFunction("ExpectationValue", _expectation),
    "minimize": BuiltinFunction("minimize", _minimize, runtime_ok=True),
    "sample": BuiltinFunction("sample", _sample, runtime_ok=True),
    "sweep": BuiltinFunction("sweep", _sweep),
    "Ansatz": TypeName("eigen_lang.Ansatz"),
    "OptimizationResult": TypeName("eigen_lang.OptimizationResult"),
    "NotCompiledError": TypeName("eigen_lang.NotCompiledError"),
    "get_program_ast": _not_in_program(
        "get_program_ast", "is a notebook utility: call it outside the program"),
    "visualize_circuit": _not_in_program(
        "visualize_circuit", "is a notebook utility: call it outside the program"),
})
for _dec in ("hybrid_program", "quantum_circuit", "ansatz", "cost_function"):
    _TABLE[_dec] = _not_in_program(_dec, "is a decorator: write it as @" + _dec)
for _name in RESERVED:
    _TABLE[_name] = _reserved(_name)

EIGEN_LANG: Mapping[str, Any] = MappingProxyType(_TABLE)
"""Every name of ``eigen_lang`` as the compiler sees it."""

EIGEN_LANG_MODULE = ModuleValue("eigen_lang", dict(_TABLE))
