"""The allow-listed, pure subset of ``numpy``, ``math`` and ``typing`` programs may use.

``np.random`` draws from ``numpy.random.default_rng(job_seed)``: ``np.random.randn(*shape)``
is ``standard_normal(shape)``, and successive draws continue the same generator, so anyone
can reproduce a program's random initial point outside Eigen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from eigen_engine.compiler.values import BuiltinFunction, CallArgs, ModuleValue, TypeName

if TYPE_CHECKING:
    from eigen_engine.compiler.interpreter import Interpreter

__all__ = ["MATH_MODULE", "NUMPY_MODULE", "TYPING_MODULE", "TYPING_NAMES"]


_MAX_NUMPY_STR = 16
_STATISTICS = frozenset({"np.mean", "np.std", "np.var"})
_MAX_DECIMALS = 1_000


def _to_numeric(it: Interpreter, ca: CallArgs, value: Any) -> Any:
    """Convert lists to arrays, refusing anything that is not plain numbers."""
    if isinstance(value, list | tuple):
        it.check_len(_deep_len(value), ca.node, "array")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as exc:
            it.fail(ca.node, "E404", f"cannot make an array from this list: {exc}")
        if arr.dtype == object or arr.dtype.kind not in "biufc":
            it.fail(ca.node, "E404", "numpy functions accept only numbers here",
                    "symbolic parameters and observables cannot go into arrays")
        return arr
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            it.fail(ca.node, "E404", "numpy functions accept only numbers here")
        return value
    if isinstance(value, bool | int | float | complex | np.number | np.bool_) or value is None:
        return value
    if value is float or value is int:  # np.float64 / np.int64 as a dtype
        return value
    if isinstance(value, BuiltinFunction) and value.name in ("float", "int"):
        return float if value.name == "float" else int  # dtype=float
    if isinstance(value, str):
        if len(value) > _MAX_NUMPY_STR:  # dtype names and modes only: no text arrays
            it.fail(ca.node, "E406", f"numpy functions take short strings only (dtype names), "
                                     f"got one of {len(value):,} characters")
        return value
    it.fail(ca.node, "E404", f"numpy functions cannot take {type(value).__name__} values",
            "gate parameters and observables are symbolic; use them in gates, not in numpy")


def _deep_len(value: Any) -> int:
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list | tuple):
            total += len(v)
            stack.extend(v)
        elif isinstance(v, np.ndarray):  # a list of arrays stacks into one big array
            total += int(v.size)
        if total > 10_000_000:
            break
    return total


def _out(it: Interpreter, ca: CallArgs, result: Any) -> Any:
    if isinstance(result, np.ndarray):
        it.check_len(int(result.size), ca.node, "array")
        if result.dtype.kind not in "biufc":
            it.fail(ca.node, "E404", "numpy functions must produce numbers here, not "
                                     f"{result.dtype} values")
        return result
    if isinstance(result, np.generic):
        return result.item()
    return result


def _shape_size(it: Interpreter, ca: CallArgs, shape: Any) -> int:
    dims = shape if isinstance(shape, list | tuple) else (shape,)
    size = 1
    for d in dims:
        if isinstance(d, np.integer):
            d = int(d)
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            it.fail(ca.node, "E401", f"array dimensions must be non-negative integers, got {d!r}")
        size *= d
        if size > it.limits.max_sequence:
            it.check_len(size, ca.node, "array")
    return size


def _wrap(name: str, fn: Callable[..., Any], kwargs: frozenset[str] = frozenset()
          ) -> BuiltinFunction:
    """A numpy function applied to numeric arguments, result size-checked."""

    def impl(it: Interpreter, ca: CallArgs) -> Any:
        bad = set(ca.kwargs) - kwargs
        if bad:
            it.fail(ca.node, "E401", f"`{name}()` got an unexpected keyword argument "
                                     f"`{sorted(bad)[0]}`")
        args = [_to_numeric(it, ca, a) for a in ca.args]
        kw = {k: _to_numeric(it, ca, v) for k, v in ca.kwargs.items()}
        it.check_len(_result_bound(name, args, kw), ca.node, "array")
        if name == "np.round":  # rounding to 10**±huge digits is slow and never useful
            decimals = kw.get("decimals", args[1] if len(args) > 1 else 0)
            if isinstance(decimals, int) and abs(decimals) > _MAX_DECIMALS:
                it.fail(ca.node, "E406", f"np.round() decimals must be between "
                                         f"-{_MAX_DECIMALS} and {_MAX_DECIMALS}, got {decimals}")
        if name in _STATISTICS and any(np.size(a) == 0 for a in args[:1]):
            # numpy would warn (on the host's stderr, or raise under -W error) and give nan
            it.fail(ca.node, "E406", f"`{name}()` of an empty array is undefined")
        try:
            with np.errstate(all="ignore"):
                return _out(it, ca, fn(*args, **kw))
        except (TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
            it.fail(ca.node, "E404", f"`{name}()` failed: {exc}")

    return BuiltinFunction(name, impl)


def _result_bound(name: str, args: list[Any], kw: dict[str, Any]) -> int:
    """An upper bound of the result size, computed *before* numpy allocates it."""
    shapes = [np.shape(a) for a in args if isinstance(a, np.ndarray | int | float | complex)]
    if name in ("np.dot", "np.matmul") and len(shapes) == 2:
        sa, sb = shapes
        if not sa or not sb:
            return int(np.prod(sa)) * int(np.prod(sb))
        rows = int(np.prod(sa[:-1]))
        cols = int(np.prod(sb[:-2])) * sb[-1] if len(sb) >= 2 else 1
        return rows * cols
    if name == "np.diag" and shapes and len(shapes[0]) == 1:
        k = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
        return int((shapes[0][0] + abs(k)) ** 2)
    try:
        return int(np.prod(np.broadcast_shapes(*shapes))) if shapes else 0
    except ValueError:
        return 0  # shapes that do not broadcast: numpy reports the error itself


def _creator(name: str, fn: Callable[..., Any], shape_arg: int = 0,
             kwargs: frozenset[str] = frozenset({"dtype"})) -> BuiltinFunction:
    """Array constructors check the size *before* allocating."""

    def impl(it: Interpreter, ca: CallArgs) -> Any:
        if len(ca.args) <= shape_arg:
            it.fail(ca.node, "E401", f"`{name}()` needs a shape")
        _shape_size(it, ca, ca.args[shape_arg])
        if name in ("np.eye", "np.identity"):  # N x M, not N
            n = ca.args[0]
            m = ca.args[1] if name == "np.eye" and len(ca.args) > 1 else n
            _shape_size(it, ca, (n, m))
        dtype = ca.kwargs.get("dtype", float)
        if isinstance(dtype, BuiltinFunction):
            dtype = {"float": float, "int": int}.get(dtype.name)
        if dtype not in (float, int, "float", "int"):
            it.fail(ca.node, "E406", "dtype must be float or int")
        inner = _wrap(name, fn, kwargs)
        return inner.impl(it, ca)

    return BuiltinFunction(name, impl)


def _arange(it: Interpreter, ca: CallArgs) -> Any:
    nums = [float(a) for a in ca.args if isinstance(a, int | float | np.number)]
    if len(nums) != len(ca.args) or not 1 <= len(nums) <= 3:
        it.fail(ca.node, "E401", "arange() takes 1 to 3 numbers")
    start, stop, step = (0.0, nums[0], 1.0) if len(nums) == 1 else (
        nums[0], nums[1], nums[2] if len(nums) == 3 else 1.0)
    if step == 0:
        it.fail(ca.node, "E407", "arange() step cannot be zero")
    n = max(0, math.ceil((stop - start) / step)) if math.isfinite((stop - start) / step) else -1
    if n < 0:
        it.fail(ca.node, "E406", "arange() bounds must be finite")
    it.check_len(n, ca.node, "array")
    return _out(it, ca, np.arange(*ca.args))


def _linspace(it: Interpreter, ca: CallArgs) -> Any:
    num = ca.kwargs.get("num", ca.args[2] if len(ca.args) > 2 else 50)
    if not isinstance(num, int) or isinstance(num, bool) or num < 0:
        it.fail(ca.node, "E401", "linspace() num must be a non-negative integer")
    it.check_len(num, ca.node, "array")
    return _wrap("linspace", np.linspace, frozenset({"num", "endpoint"})).impl(it, ca)


def _repeat_like(name: str, fn: Callable[..., Any]) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> Any:
        if len(ca.args) != 2:
            it.fail(ca.node, "E401", f"`{name}()` takes an array and a count")
        base = _to_numeric(it, ca, ca.args[0])
        reps = ca.args[1]
        size = int(np.size(base)) * _shape_size(it, ca, reps)
        it.check_len(size, ca.node, "array")
        return _out(it, ca, fn(base, reps))
    return BuiltinFunction(name, impl)


def _outer_like(name: str, fn: Callable[..., Any]) -> BuiltinFunction:
    def impl(it: Interpreter, ca: CallArgs) -> Any:
        if len(ca.args) != 2:
            it.fail(ca.node, "E401", f"`{name}()` takes two arrays")
        a, b = (_to_numeric(it, ca, x) for x in ca.args)
        it.check_len(int(np.size(a)) * int(np.size(b)), ca.node, "array")
        return _out(it, ca, fn(a, b))
    return BuiltinFunction(name, impl)


# -- np.random -------------------------------------------------------------------------------
def _random_fn(name: str, draw: Callable[[np.random.Generator, CallArgs], Any],
               shape_from: str, size_pos: int = 0) -> BuiltinFunction:
    """``size_pos``: where ``size`` sits among the positional arguments."""
    def impl(it: Interpreter, ca: CallArgs) -> Any:
        if shape_from == "varargs":
            _shape_size(it, ca, tuple(ca.args))
        else:
            size = ca.kwargs.get("size", ca.args[size_pos] if len(ca.args) > size_pos else None)
            if size is not None:
                _shape_size(it, ca, size)
        try:
            return _out(it, ca, draw(it.rng, ca))
        except (TypeError, ValueError, OverflowError) as exc:
            it.fail(ca.node, "E404", f"`np.random.{name}()` failed: {exc}")
    return BuiltinFunction(f"np.random.{name}", impl)


def _random_seed(it: Interpreter, ca: CallArgs) -> None:
    seed = ca.args[0] if ca.args else None
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        it.fail(ca.node, "E401", "np.random.seed() needs a non-negative integer")
    it.warn(ca.node, "W102", "np.random.seed() re-seeds the program's generator; by default it "
                             "is seeded by the job seed",
            "remove the call and pass --seed (or spec.seed) to choose the draws")
    it._rng = np.random.default_rng(seed)


def _pos_shape(ca: CallArgs) -> tuple[int, ...]:
    return tuple(int(a) for a in ca.args)


_RANDOM = ModuleValue("numpy.random", {
    "randn": _random_fn("randn", lambda g, ca: g.standard_normal(_pos_shape(ca) or None),
                        "varargs"),
    "rand": _random_fn("rand", lambda g, ca: g.random(_pos_shape(ca) or None), "varargs"),
    "random": _random_fn("random", lambda g, ca: g.random(ca.kwargs.get(
        "size", ca.args[0] if ca.args else None)), "size"),
    "random_sample": _random_fn("random_sample", lambda g, ca: g.random(ca.kwargs.get(
        "size", ca.args[0] if ca.args else None)), "size"),
    "standard_normal": _random_fn("standard_normal", lambda g, ca: g.standard_normal(
        ca.kwargs.get("size", ca.args[0] if ca.args else None)), "size"),
    "uniform": _random_fn("uniform", lambda g, ca: g.uniform(*ca.args, **ca.kwargs), "size", 2),
    "normal": _random_fn("normal", lambda g, ca: g.normal(*ca.args, **ca.kwargs), "size", 2),
    "randint": _random_fn("randint", lambda g, ca: g.integers(*ca.args, **ca.kwargs), "size", 2),
    "integers": _random_fn("integers", lambda g, ca: g.integers(*ca.args, **ca.kwargs), "size", 2),
    "seed": BuiltinFunction("np.random.seed", _random_seed),
})

_UNARY = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
          "log", "log2", "log10", "sqrt", "abs", "absolute", "sign", "floor", "ceil", "round",
          "real", "imag", "conj", "square", "cumsum", "diag", "trace", "transpose", "argmin",
          "argmax", "sum", "prod", "mean", "std", "var", "min", "max", "amin", "amax", "array",
          "asarray", "isclose", "allclose", "clip", "where", "dot", "arctan2", "concatenate",
          "stack", "vstack", "hstack", "radians", "degrees", "hypot", "maximum", "minimum",
          "count_nonzero", "any", "all", "matmul", "flip", "sort", "argsort")
_np_attrs: dict[str, Any] = {name: _wrap(f"np.{name}", getattr(np, name),
                                          frozenset({"axis", "decimals", "atol", "rtol", "dtype",
                                                     "keepdims"}))
                             for name in _UNARY}
_np_attrs.update({
    "pi": math.pi, "e": math.e, "inf": math.inf, "newaxis": None,
    "zeros": _creator("np.zeros", np.zeros),
    "ones": _creator("np.ones", np.ones),
    "full": _creator("np.full", np.full),
    "eye": _creator("np.eye", np.eye),
    "identity": _creator("np.identity", np.identity),
    "arange": BuiltinFunction("np.arange", _arange),
    "linspace": BuiltinFunction("np.linspace", _linspace),
    "tile": _repeat_like("np.tile", np.tile),
    "repeat": _repeat_like("np.repeat", np.repeat),
    "outer": _outer_like("np.outer", np.outer),
    "kron": _outer_like("np.kron", np.kron),
    "random": _RANDOM,
    "ndarray": TypeName("numpy.ndarray"),
    "float64": float,
    "int64": int,
    "float32": float,
    "complex128": TypeName("numpy.complex128"),
})
NUMPY_MODULE = ModuleValue("numpy", _np_attrs)
"""``import numpy as np``: the allow-listed attributes."""

_MATH_UNARY = ("sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "log",
               "log2", "log10", "floor", "ceil", "fabs", "isclose", "radians", "degrees",
               "hypot", "sinh", "cosh", "tanh", "copysign", "trunc", "isfinite")


def _math_fn(name: str) -> BuiltinFunction:
    fn = getattr(math, name)

    def impl(it: Interpreter, ca: CallArgs) -> Any:
        for a in (*ca.args, *ca.kwargs.values()):
            if not isinstance(a, int | float | np.number) or isinstance(a, bool):
                it.fail(ca.node, "E404", f"math.{name}() needs numbers, not "
                                         f"{type(a).__name__}",
                        "gate parameters are symbolic; use them in gates, not in math")
        try:
            out = fn(*ca.args, **ca.kwargs)
        except (ValueError, OverflowError, TypeError) as exc:
            it.fail(ca.node, "E407", f"math.{name}() failed: {exc}")
        return it.check_int(out, ca.node) if isinstance(out, int) and not isinstance(
            out, bool) else out

    return BuiltinFunction(f"math.{name}", impl)


def _math_factorial(it: Interpreter, ca: CallArgs) -> int:
    n = ca.args[0] if ca.args else None
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 20:
        it.fail(ca.node, "E506", "math.factorial() accepts integers from 0 to 20 here")
    return math.factorial(n)


def _math_comb(it: Interpreter, ca: CallArgs) -> int:
    if len(ca.args) != 2 or not all(isinstance(a, int) and 0 <= a <= 1000 for a in ca.args):
        it.fail(ca.node, "E401", "math.comb() takes two integers from 0 to 1000")
    return it.check_int(math.comb(*ca.args), ca.node)


MATH_MODULE = ModuleValue("math", {
    **{name: _math_fn(name) for name in _MATH_UNARY},
    "pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf,
    "factorial": BuiltinFunction("math.factorial", _math_factorial),
    "comb": BuiltinFunction("math.comb", _math_comb),
})
"""``import math``: the allow-listed attributes."""

TYPING_NAMES = ("Optional", "List", "Dict", "Tuple", "Union", "Any", "Sequence", "Callable",
                "Iterable", "Mapping", "Literal")
TYPING_MODULE = ModuleValue("typing", {n: TypeName(f"typing.{n}") for n in TYPING_NAMES})
"""``import typing``: names for annotations only."""
