"""Dual numbers: a value with its gradient, so an objective expression differentiates itself.

The objective of ``minimize`` is arithmetic over expectation values. Evaluating that
expression over :class:`Dual` values (each expectation value carrying its parameter-shift
gradient) gives the objective's gradient by the chain rule, with no second evaluator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["Dual"]


class Dual:
    """``value + grad · ε``: a real number and its gradient with respect to the parameters.

    Supports ``+ - * / // % **``, unary minus, ``abs`` and comparisons (on the value) with
    other duals and with plain numbers.
    """

    __slots__ = ("grad", "value")

    def __init__(self, value: float, grad: np.ndarray) -> None:
        self.value = float(value)
        self.grad = grad

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.grad!r})"

    def constant(self, value: float) -> Dual:
        """A dual with this one's shape and a zero gradient."""
        return Dual(value, np.zeros_like(self.grad))

    @staticmethod
    def _parts(other: Any) -> tuple[float, Any]:
        if isinstance(other, Dual):
            return other.value, other.grad
        if isinstance(other, bool) or not isinstance(other, int | float):
            raise TypeError(f"cannot combine a number with {type(other).__name__}")
        return float(other), 0.0

    def __add__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(self.value + v, self.grad + g)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(self.value - v, self.grad - g)

    def __rsub__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(v - self.value, g - self.grad)

    def __mul__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(self.value * v, self.grad * v + self.value * g)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(self.value / v, (self.grad * v - self.value * g) / (v * v))

    def __rtruediv__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        return Dual(v / self.value, (g * self.value - v * self.grad) / (self.value**2))

    def __floordiv__(self, other: Any) -> Dual:
        v, _ = self._parts(other)
        return self.constant(self.value // v)

    def __rfloordiv__(self, other: Any) -> Dual:
        v, _ = self._parts(other)
        return self.constant(v // self.value)

    def __mod__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        q = math.floor(self.value / v)
        return Dual(self.value % v, self.grad - q * g)

    def __rmod__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        q = math.floor(v / self.value)
        return Dual(v % self.value, g - q * self.grad)

    def __pow__(self, other: Any) -> Dual:
        v, g = self._parts(other)
        if self.value < 0 and not float(v).is_integer():
            raise ValueError("a negative number to a fractional power is complex")
        value = self.value**v
        grad = v * self.value ** (v - 1) * self.grad if v else 0.0 * self.grad
        if isinstance(other, Dual) and self.value > 0:
            grad = grad + value * math.log(self.value) * g
        return Dual(value, grad)

    def __rpow__(self, other: Any) -> Dual:
        v, _ = self._parts(other)  # a plain number: Dual ** Dual goes to __pow__
        value = v**self.value
        grad = value * math.log(v) * self.grad if v > 0 else 0.0 * self.grad
        return Dual(value, grad)

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.grad)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Dual:
        return Dual(abs(self.value), self.grad * (1.0 if self.value >= 0 else -1.0))

    def __float__(self) -> float:
        return self.value

    def _cmp_value(self, other: Any) -> float:
        return self._parts(other)[0]

    def __eq__(self, other: object) -> bool:
        try:
            return self.value == self._cmp_value(other)
        except TypeError:
            return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other: Any) -> bool:
        return self.value < self._cmp_value(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= self._cmp_value(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > self._cmp_value(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= self._cmp_value(other)

    __hash__ = None  # type: ignore[assignment]
