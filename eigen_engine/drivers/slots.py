"""Parameter slots: each distinct symbolic gate angle of a circuit becomes one native parameter.

A driver builds its native circuit once with one simulator parameter per slot; binding a
row of values is then one matrix product (``slot = coefficients @ values + offset``), so the
simulator never evaluates expressions and never sees anything but plain parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eigen_engine.ir.params import ParamExpr

__all__ = ["SlotMap", "SlotTable"]


@dataclass(frozen=True, slots=True, eq=False)
class SlotMap:
    """The affine map from parameter values to slot values.

    Attributes:
        coefficients: ``(num_slots, num_parameters)`` matrix.
        offsets: ``(num_slots,)`` constants.
    """

    coefficients: np.ndarray
    offsets: np.ndarray

    @property
    def num_slots(self) -> int:
        """Number of slots."""
        return int(self.offsets.shape[0])

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Slot values for each row of ``values``: ``(k, num_parameters) -> (k, num_slots)``."""
        out: np.ndarray = values @ self.coefficients.T + self.offsets
        return out


class SlotTable:
    """Collects the slots of one circuit while its native form is built."""

    def __init__(self, parameters: Sequence[str]) -> None:
        self._index = {name: i for i, name in enumerate(parameters)}
        self._slots: dict[ParamExpr, int] = {}

    def slot(self, expr: ParamExpr) -> int:
        """Return the slot index of ``expr``, adding a slot the first time it is seen.

        Raises:
            ValueError: ``expr`` uses a name that is not a parameter of the circuit.
        """
        index = self._slots.get(expr)
        if index is None:
            unknown = [n for n in expr.names if n not in self._index]
            if unknown:
                raise ValueError(
                    f"gate parameter uses {', '.join(unknown)}, which the circuit does not "
                    f"declare (parameters: {', '.join(self._index) or 'none'})"
                )
            index = self._slots[expr] = len(self._slots)
        return index

    def __len__(self) -> int:
        return len(self._slots)

    def freeze(self) -> SlotMap:
        """Return the affine map of the slots collected so far."""
        coefficients = np.zeros((len(self._slots), len(self._index)))
        offsets = np.zeros(len(self._slots))
        for expr, row in self._slots.items():
            offsets[row] = float(expr.const)
            for name, coef in expr.terms:
                coefficients[row, self._index[name]] += float(coef)
        return SlotMap(coefficients, offsets)
