"""Symbolic gate parameters: affine expressions over named parameters.

An AQO gate parameter is a number, or a string. A string that is a bare name (``"theta"``,
``"theta[3]"``) is the upstream symbolic form; anything else is an affine expression such as
``"2*gamma[0]"`` or ``"0.5*a - b + 0.25"``. Affine covers what variational circuits need
(ansatz angles, QAOA's ``2*gamma*w``) and keeps every bound value exact and cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ParamExpr", "ParamValue", "format_number", "is_param_name", "param_value_from_json"]

Number = int | float

_NAME_RE = re.compile(r"^[^\W\d]\w*(\[\d+\])?$")
_TOKEN_RE = re.compile(
    r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[^\W\d]\w*(?:\[\d+\])?|[-+*]"
)


_NOT_NAMES = frozenset({"inf", "nan", "infinity"})


def is_param_name(text: str) -> bool:
    """Return True if ``text`` is a valid parameter name (identifier, optional ``[index]``).

    ``inf`` and ``nan`` are refused: they read as numbers to every float parser.
    """
    return bool(_NAME_RE.match(text)) and text.lower() not in _NOT_NAMES


def format_number(value: Number) -> str:
    """Format a number the way canonical JSON does (``repr``), ints as ints."""
    return repr(value)


@dataclass(frozen=True, slots=True)
class ParamExpr:
    """``sum(coef * name) + const``.

    Attributes:
        terms: ``(name, coefficient)`` pairs, each name once, in order of first use.
        const: The constant part.
    """

    terms: tuple[tuple[str, Number], ...]
    const: Number = 0

    @classmethod
    def symbol(cls, name: str) -> ParamExpr:
        """The expression consisting of the single parameter ``name``."""
        return cls(((name, 1),), 0)

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names the expression depends on."""
        return tuple(n for n, _ in self.terms)

    @property
    def is_symbol(self) -> bool:
        """True for a bare parameter (coefficient 1, no constant)."""
        return len(self.terms) == 1 and self.terms[0][1] == 1 and self.const == 0

    def __add__(self, other: ParamExpr | Number) -> ParamExpr:
        if isinstance(other, ParamExpr):
            merged = dict(self.terms)
            for name, coef in other.terms:
                merged[name] = merged.get(name, 0) + coef
            return ParamExpr(_drop_zero(merged), self.const + other.const)
        return ParamExpr(self.terms, self.const + other)

    __radd__ = __add__

    def __neg__(self) -> ParamExpr:
        return self.scale(-1)

    def __sub__(self, other: ParamExpr | Number) -> ParamExpr:
        return self + (-other)

    def __rsub__(self, other: Number) -> ParamExpr:
        return (-self) + other

    def scale(self, factor: Number) -> ParamExpr:
        """Multiply by a number."""
        return ParamExpr(tuple((n, c * factor) for n, c in self.terms), self.const * factor)

    def evaluate(self, values: Mapping[str, float]) -> float:
        """Return the value for the given parameter bindings.

        Raises:
            KeyError: a parameter the expression uses has no value.
        """
        total = float(self.const)
        for name, coef in self.terms:
            total += coef * values[name]
        return total

    def to_json(self) -> str:
        """Return the AQO string form (a bare name when the expression is one symbol)."""
        parts: list[str] = []
        for name, coef in self.terms:
            if coef == 1:
                body, neg = name, False
            elif coef == -1:
                body, neg = name, True
            else:
                neg = coef < 0
                body = f"{format_number(abs(coef))}*{name}"
            if not parts:
                parts.append(f"-{body}" if neg else body)
            else:
                parts.append(f" - {body}" if neg else f" + {body}")
        if self.const != 0 or not parts:
            c = self.const
            if not parts:
                parts.append(format_number(c))
            else:
                parts.append(f" - {format_number(abs(c))}" if c < 0 else f" + {format_number(c)}")
        return "".join(parts)

    @classmethod
    def parse(cls, text: str) -> ParamExpr:
        """Parse the AQO string form (the inverse of :meth:`to_json`); never evaluates code.

        Raises:
            ValueError: ``text`` is not an affine parameter expression.
        """
        if is_param_name(text):
            return cls.symbol(text)
        tokens = _TOKEN_RE.findall(text)
        if "".join(tokens) != re.sub(r"\s+", "", text) or not tokens:
            raise ValueError(f"not a parameter expression: {text!r}")
        terms: dict[str, Number] = {}
        const: Number = 0
        i = 0
        while i < len(tokens):
            sign = 1
            if tokens[i] in "+-":
                sign = -1 if tokens[i] == "-" else 1
                i += 1
            elif i:
                raise ValueError(f"not a parameter expression: {text!r}")
            if i >= len(tokens):
                raise ValueError(f"not a parameter expression: {text!r}")
            tok = tokens[i]
            if is_param_name(tok):
                terms[tok] = terms.get(tok, 0) + sign
                i += 1
            elif i + 2 < len(tokens) + 0 and tokens[i + 1] == "*" and is_param_name(tokens[i + 2]):
                coef = _parse_number(tok)
                terms[tokens[i + 2]] = terms.get(tokens[i + 2], 0) + sign * coef
                i += 3
            elif tok not in "+-*":
                const += sign * _parse_number(tok)
                i += 1
            else:
                raise ValueError(f"not a parameter expression: {text!r}")
        return cls(_drop_zero(terms), const)


ParamValue = int | float | ParamExpr
"""A gate parameter: a number or a symbolic expression."""


def param_value_from_json(value: object) -> ParamValue:
    """Decode one AQO gate parameter (number or string) into a number or :class:`ParamExpr`.

    Raises:
        ValueError: the value is neither a finite number nor a parameter expression.
    """
    if isinstance(value, bool):
        raise ValueError(f"gate parameter must be a number or a parameter name, not {value!r}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"gate parameter must be finite, not {value!r}")
        return value
    if isinstance(value, str):
        return ParamExpr.parse(value)
    raise ValueError(f"gate parameter must be a number or a parameter name, not {value!r}")


def _parse_number(text: str) -> Number:
    if not text[:1].isdigit() and not text.startswith("."):
        raise ValueError(f"not a number: {text!r}")
    if any(ch in text for ch in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"gate parameters must be finite, not {text!r}")
        return value
    return int(text)


def _drop_zero(terms: Mapping[str, Number]) -> tuple[tuple[str, Number], ...]:
    return tuple((n, c) for n, c in terms.items() if c != 0)
